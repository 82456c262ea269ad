/**
 * The platform-neutral description of an application.
 *
 * Plain typed data: no platform construct adds a decision of its own about ports, zones or who talks to
 * whom; they all read it from here so that every platform agrees. Units are in the field names.
 */

import type { AlertReceiver } from "./alert-receivers";

export type Protocol = "http" | "tcp" | "udp" | "grpc";

export interface PortSpec {
  /** Name other parts of the model refer to (`talksTo`, routes, health checks, metrics). */
  readonly name: string;
  /** Port the container listens on. */
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface ImageSpec {
  /** Repository without tag, e.g. `prom/prometheus` or `gcr.io/cadvisor/cadvisor`. */
  readonly repository: string;
  /** A pinned tag; `latest` and empty tags are rejected by validation. */
  readonly tag: string;
  /** Optional content digest (`sha256:...`), appended as `@digest` where the platform supports it. */
  readonly digest?: string;
  /**
   * The program the image contains for checks run inside the container (Docker and ECS health checks): an HTTP
   * check is a `wget` or `curl` request, or a request written by bash over /dev/tcp; TCP checks need bash.
   * @default "wget" (busybox and Alpine based images)
   */
  readonly probeTool?: ProbeTool;
}

export type ProbeTool = "wget" | "curl" | "bash";

/** A secret declared by the application; its value is generated or supplied at deploy time, never in code. */
export interface SecretSpec {
  readonly name: string;
  readonly description: string;
  /**
   * How the value comes to exist.
   * - `generate`: a random value made by Terraform (`random_password`) at deploy time.
   * - `supplied`: given by the person deploying, through a sensitive Terraform variable.
   */
  readonly source:
    { readonly kind: "generate"; readonly length: number } | { readonly kind: "supplied"; readonly variable: string };
}

/** Reference to a declared secret inside an environment value. */
export interface SecretRef {
  readonly secret: string;
}

/** Reference to how a caller reaches another service's port on the running platform. */
export interface EndpointRef {
  readonly endpoint: { readonly service: string; readonly port: string };
  /** `host` gives the address, `port` the port number, `hostPort` both as `host:port`. */
  readonly part: "host" | "port" | "hostPort";
}

export type EnvPart = string | SecretRef | EndpointRef;
/** A plain string, a reference, or the concatenation of several parts. */
export type EnvValue = EnvPart | readonly EnvPart[];

/** When failed checks count, the same on every platform. */
export interface HealthTiming {
  /**
   * Consecutive failed checks that make an instance unhealthy (Docker's retries, Kubernetes' readiness
   * failureThreshold, the ALB's unhealthy threshold).
   * @default 3 (DEFAULT_HEALTH_FAILURE_THRESHOLD)
   */
  readonly failureThreshold?: number;
  /**
   * Seconds after a start in which failed checks do not count (Docker's start period); a passing check counts
   * at once.
   * @default 10 (DEFAULT_HEALTH_START_PERIOD_SEC)
   */
  readonly startPeriodSec?: number;
}

export type HealthCheck = HealthTiming &
  (
    | {
        readonly type: "http";
        readonly port: string;
        readonly path: string;
        readonly intervalSec: number;
        readonly timeoutSec: number;
      }
    | { readonly type: "tcp"; readonly port: string; readonly intervalSec: number; readonly timeoutSec: number }
    | {
        readonly type: "command";
        readonly command: readonly string[];
        readonly intervalSec: number;
        readonly timeoutSec: number;
      }
  );

export interface ResourceSpec {
  /** CPU the service is given, in thousandths of a core. */
  readonly cpuMillicores: number;
  /**
   * CPU the service may use at most, in thousandths of a core, where the platform limits CPU apart from what it
   * reserves (Kubernetes' limits.cpu, Swarm's limits.cpus).
   * @default cpuMillicores (no burst beyond what is reserved)
   */
  readonly cpuLimitMillicores?: number;
  /** Memory the service is given and limited to, in MiB. */
  readonly memoryMiB: number;
}

export type Placement =
  | {
      readonly kind: "replicated";
      /**
       * Instances a deployment starts with on every platform. Under autoscaling it lies in the autoscaling range
       * (validated) and the platform's autoscaler changes the count after the deployment.
       */
      readonly replicas: number;
    }
  /** One instance on every workload node (node exporters, log collectors). */
  | { readonly kind: "per-node" };

export interface AutoscalingIntent {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation the platform should keep the service at, in percent. */
  readonly targetCpuPercent: number;
}

export interface TalksTo {
  readonly service: string;
  /** Port name on the target service. */
  readonly port: string;
  /**
   * `call`: ordinary client traffic to one healthy instance (mesh upstream, service DNS).
   * `scrape`: metrics collection that must reach every instance individually.
   * @default "call"
   */
  readonly kind?: "call" | "scrape";
}

export type VolumeSpec =
  | {
      /** Data that must outlive the container and the node it ran on (databases, TSDBs). */
      readonly kind: "persistent";
      readonly name: string;
      readonly mountPath: string;
      /** User ID the image writes its data as, when it does not fix ownership itself (node directories, fsGroup). */
      readonly ownerUid?: number;
    }
  | { readonly kind: "ephemeral"; readonly name: string; readonly mountPath: string }
  | {
      /** A path of the node itself, mounted read-only (docker socket, /sys). */
      readonly kind: "host";
      readonly name: string;
      readonly hostPath: string;
      readonly mountPath: string;
      /**
       * The path is the node's Docker Engine API socket, and this is what the service needs from that API. A
       * read-only mount does not stop API calls (whoever reaches the socket is root on the node), so a platform
       * that can filter the API serves the service exactly this (swarm-lab: a filtering proxy on each node);
       * one that cannot mounts the socket itself and says so.
       */
      readonly dockerApi?: DockerApiAccess;
    };

/**
 * Groups of Docker Engine API endpoints, each read with GET or HEAD only (with or without a `/v1.NN` prefix):
 * - `system`: `/_ping`, `/version`, `/info`
 * - `containers`: `/containers/json` (the list), `/containers/{id}/json` (one container)
 * - `container-logs`: `/containers/{id}/logs`
 * - `images`: `/images/json`
 * - `networks`, `services`, `tasks`, `nodes`: the list (`/networks`) and one object (`/networks/{id}`)
 */
export type DockerApiResource =
  "system" | "containers" | "container-logs" | "images" | "networks" | "services" | "tasks" | "nodes";

export type DockerApiAccess =
  | {
      /** Reads the listed endpoints only; every other call (any write, exec, secrets, configs) is refused. */
      readonly access: "read";
      readonly resources: readonly DockerApiResource[];
      /**
       * The image's command-line flag that takes another endpoint as `unix://<path>` (cadvisor's `--docker`).
       * Without one, the platform writes the endpoint into the configuration it renders for the service (the
       * log collector's).
       */
      readonly endpointFlag?: string;
    }
  | {
      /** The whole API: the service creates and removes containers (a CI runner). Root on the node. */
      readonly access: "full";
      readonly reason: string;
    };

export interface UpdatePolicy {
  /** Instances replaced at once. */
  readonly parallelism: number;
  /** Start the new instance before stopping the old one, or the reverse. */
  readonly order: "start-first" | "stop-first";
  /** Pause between batches. */
  readonly delaySec: number;
  /** How long a new instance must stay healthy to count as healthy. */
  readonly minHealthySec: number;
  /** How long a new instance may take to become healthy before it counts as failed. */
  readonly healthyDeadlineSec: number;
  /** How long the whole rollout may go without progress before it fails (and rolls back). */
  readonly progressDeadlineSec: number;
  /** Roll back to the last good version when a rollout fails. */
  readonly autoRollback: boolean;
  /**
   * The rollout fails as soon as one new instance fails (it exhausts its restart policy or misses its healthy
   * deadline), instead of replacing failed instances until the progress deadline passes. A crashing release is
   * then reverted within seconds of its last restart, while a slow start still has its whole healthy deadline.
   */
  readonly failFast: boolean;
  /** Canary instances started next to the old version; 0 for a plain rolling update. */
  readonly canaries: number;
  /** Promote canaries automatically once healthy (otherwise a person promotes them). */
  readonly autoPromote: boolean;
}

export interface RestartPolicy {
  readonly delaySec: number;
  readonly maxAttempts: number;
  readonly windowSec: number;
}

/** One metric family a service exports, as Prometheus names it (histograms add `_bucket`, `_sum`, `_count`). */
export interface MetricFamily {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram" | "summary";
  /** Label names the exporter sets (target labels such as `job` and `instance` are added by Prometheus). */
  readonly labels: readonly string[];
}

export interface MetricsSpec {
  readonly port: string;
  readonly path: string;
  /**
   * The metric families this service exports that anything generated from the model (alert rules, dashboards)
   * may use. Only what the service really exports: generated queries may reference nothing else.
   */
  readonly families: readonly MetricFamily[];
}

/**
 * Whether every client of a provided dependency can connect to it over TLS. Platforms that can require TLS (a
 * managed database's `rds.force_ssl`, a managed cache's transit encryption) require it only when clients can.
 */
export type ClientTls =
  | { readonly supported: true }
  /** Why not (e.g. a client hard-codes plaintext): shown wherever a platform accepts plaintext because of it. */
  | { readonly supported: false; readonly reason: string };

/**
 * A dependency a service provides to its clients, which an environment's bindings may realize otherwise on a
 * target (a managed database or cache in place of the service's container). Platforms find what to replace
 * by this, never by a service's name or its image's variable names.
 */
export type ProvidedDependency =
  | {
      /** A PostgreSQL database, e.g. served by the `postgres` image or by Amazon RDS. */
      readonly kind: "postgres-database";
      /** Port name (of this service) clients connect to. */
      readonly port: string;
      readonly databaseName: string;
      /** The user the database is created with. */
      readonly user: string;
      /** The declared secret holding that user's password. */
      readonly passwordSecret: string;
      readonly clientTls: ClientTls;
    }
  | {
      /** A memcached cache, e.g. served by the `memcached` image or by Amazon ElastiCache for Memcached. */
      readonly kind: "memcached-cache";
      /** Port name (of this service) clients connect to. */
      readonly port: string;
      readonly clientTls: ClientTls;
    };

export type ProvidedKind = ProvidedDependency["kind"];

export interface ServiceSpec {
  readonly name: string;
  readonly description: string;
  readonly image: ImageSpec;
  /** Replaces the image's entrypoint. */
  readonly command?: readonly string[];
  /** Arguments to the entrypoint (or to `command`). */
  readonly args?: readonly string[];
  readonly ports: readonly PortSpec[];
  /**
   * Name of the port that stands for the service where a platform needs one (its Consul service, an
   * ElastiCache port, an Alertmanager target).
   * @default the first of `ports`
   */
  readonly primaryPort?: string;
  /** Environment without secrets; may reference other services' endpoints. */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Environment that contains at least one secret; delivered through each platform's secret store. */
  readonly secretEnv?: Readonly<Record<string, EnvValue>>;
  /**
   * For platforms that deliver secrets as files (Swarm): the variable through which the image reads each
   * secret from a file instead (`POSTGRES_PASSWORD` → `POSTGRES_PASSWORD_FILE`). A secret without one is
   * exported from its file by a small shell wrapper around `command`, which must then be given.
   */
  readonly secretFiles?: Readonly<Record<string, string>>;
  readonly healthCheck?: HealthCheck;
  /**
   * Why this long-running service has no health check (e.g. it listens on no port). Without a health check,
   * a reason is required; the platforms then rely on the process staying up.
   */
  readonly healthCheckExemption?: string;
  readonly resources?: ResourceSpec;
  readonly placement: Placement;
  readonly autoscaling?: AutoscalingIntent;
  /** Network segments the service joins; it can only reach services it shares a zone with. */
  readonly zones: readonly string[];
  readonly talksTo?: readonly TalksTo[];
  readonly volumes?: readonly VolumeSpec[];
  /** @default DEFAULT_UPDATE_POLICY */
  readonly update?: Partial<UpdatePolicy>;
  /** @default DEFAULT_RESTART_POLICY */
  readonly restart?: Partial<RestartPolicy>;
  readonly metrics?: MetricsSpec;
  /**
   * The service is a Prometheus server: each platform renders its scrape configuration into `configFile`,
   * discovering every instance of each service it has a `scrape` talks-to entry for.
   */
  readonly collectsMetrics?: {
    readonly configFile: string;
    /** Alert rules generated from the model, loaded through `rule_files`. */
    readonly rulesFile: string;
    /** How long samples are kept; `args` must pass it as `--storage.tsdb.retention.time=<days>d`. */
    readonly retentionDays: number;
  };
  /** The service is Alertmanager: each platform renders its configuration (routes, receivers) into `configFile`. */
  readonly receivesAlerts?: {
    readonly configFile: string;
    /** Whom it notifies: the environment's selection.alertReceivers. @default nobody */
    readonly receivers?: readonly AlertReceiver[];
  };
  /**
   * What the service provides to its clients (a database, a cache) that a target may bind to a managed service.
   * A log store is `storesLogs`.
   * @default nothing: the service runs as its own container on every target
   */
  readonly provides?: ProvidedDependency;
  /** The service is a log store (Loki): it keeps logs for `retentionHours`, configured through `configFile`. */
  readonly storesLogs?: { readonly configFile: string; readonly retentionHours: number };
  /**
   * The service is a per-node log collector: each platform renders into `configFile` how it finds the node's
   * containers and ships their logs, labelled with the service name, to the log store it talks to.
   */
  readonly collectsLogs?: { readonly configFile: string };
  /**
   * The service is Grafana: data sources (the metrics collectors and log stores it talks to) are provisioned
   * under `provisioningDir`, and the dashboards generated from the model are written to `dashboardsDir`.
   */
  readonly dashboards?: { readonly provisioningDir: string; readonly dashboardsDir: string };
  /** Runs only where an environment switches it on. */
  readonly optional?: boolean;
  /** Needs root or a writable root filesystem; the reason is shown wherever a platform relaxes its defaults. */
  readonly securityExceptions?: { readonly runsAsRoot?: string; readonly writableRootFs?: string };
}

export interface ZoneSpec {
  readonly name: string;
  readonly description: string;
  /** Address range of the zone's overlay network where the platform has one (Swarm). */
  readonly subnet: string;
  /**
   * The zone keeps the application's data (databases, caches): `npm run review` flags a new talks-to pair
   * inside it as a danger. @default false
   */
  readonly holdsData?: boolean;
}

export interface RouteSpec {
  /** Path prefix on the public entrypoint, e.g. `/query/` or `/api/add`. */
  readonly pathPrefix: string;
  readonly service: string;
  readonly port: string;
  /** Reachable only from the environment's admin CIDRs. */
  readonly adminOnly?: boolean;
}

export interface Application {
  readonly name: string;
  readonly zones: readonly ZoneSpec[];
  readonly services: readonly ServiceSpec[];
  readonly routes: readonly RouteSpec[];
  readonly secrets: readonly SecretSpec[];
}

// The references an environment writes into a service's `env` (data constructors, no logic).

/** The value of a declared secret, resolved by each platform from its own secret store. */
export function secretRef(secret: string): SecretRef {
  return { secret };
}

/** Address of another service's port as the caller sees it on the platform (mesh upstream, service DNS, ...). */
export function hostOf(service: string, port: string): EndpointRef {
  return { endpoint: { service, port }, part: "host" };
}

export function portOf(service: string, port: string): EndpointRef {
  return { endpoint: { service, port }, part: "port" };
}

export function hostPortOf(service: string, port: string): EndpointRef {
  return { endpoint: { service, port }, part: "hostPort" };
}
