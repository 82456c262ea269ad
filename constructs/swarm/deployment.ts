import { createHash } from "crypto";
import type { SwarmTarget } from "./target";
import {
  cpuLimitOf,
  imageRef,
  isSecretRef,
  envParts,
  portNamed,
  renderEnvValue,
  restartPolicyOf,
  DEFAULT_RESTART_POLICY,
  runtimeDirCovers,
  serviceNamed,
  updatePolicyOf,
  type Application,
  type EnvResolver,
  type RouteSpec,
  type ServiceSpec,
} from "../model";
import { bashHttpProbe, dockerHealthcheck } from "../docker-healthcheck";
import { volumeLabel } from "../node-labels";
import { exportNonEmpty, NEED_FUNCTION } from "../shell-script";
import * as path from "path";
import { alloyDockerConfig, configFilesOf, scrapedExporterOf, type ObservabilityPlatform } from "../observability";
import { swarmPrometheusConfigFile } from "./prometheus-config";
import {
  DOCKER_API_PROXY_CONFIG_PATH,
  DOCKER_API_PROXY_HEALTH_PORT,
  DOCKER_API_PROXY_IMAGE,
  DOCKER_API_PROXY_RESOURCES,
  DOCKER_API_PROXY_SERVICE,
  DOCKER_API_DIR,
  DOCKER_API_SOCKET,
  ENGINE_SOCKET,
  TRAEFIK_DOCKER_API,
  dockerApiProxyConfig,
  dockerApiVolume,
  proxySocketDir,
  type DockerApiConsumer,
} from "../docker-api-proxy";

/**
 * ARGO on Swarm, as one platform-level description that both renderings read: the Terraform resources of
 * the kreuzwerker/docker provider and the stack file for `docker stack deploy`. Secret values appear here only
 * as references (Terraform expressions), never as text.
 */
export interface SwarmDeployment {
  readonly namespace: string;
  readonly networks: readonly SwarmNetwork[];
  readonly secrets: readonly SwarmSecret[];
  readonly configs: readonly SwarmConfig[];
  readonly volumes: readonly string[];
  readonly services: readonly SwarmService[];
}

export interface SwarmNetwork {
  /** Key in the stack file. */
  readonly key: string;
  /** Docker object name (`<namespace>_<key>`, as `docker stack deploy` names it). */
  readonly name: string;
  readonly subnet: string;
  /**
   * The subnet's first address, which Docker assigns an overlay's gateway anyway. The Terraform rendering states
   * it, because the docker provider reads it back and replaces a network whose configuration omits it (a
   * perpetual plan); the stack file cannot (the Compose 3.9 schema `docker stack deploy` checks has no gateway).
   */
  readonly gateway: string;
  readonly encrypted: boolean;
}

export interface SwarmSecret {
  readonly key: string;
  /**
   * Docker object name (`<namespace>_<key>`) in the stack file, where an operator creates the secret. The
   * Terraform rendering appends a hash of the value (terraformSecretName in swarm-application.ts): Swarm
   * secrets are immutable, so a new value is a new secret.
   */
  readonly name: string;
  /** The value as a Terraform expression: a generated secret, or a string composed from secrets. */
  readonly value: string;
}

export interface SwarmConfig {
  readonly key: string;
  /** Includes a hash of the content: Swarm configs are immutable, so a change is a new config. */
  readonly name: string;
  /** File written next to the stack file. */
  readonly fileName: string;
  readonly content: string;
}

export interface SwarmService {
  readonly key: string;
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** The image's user unless set (the Docker API proxy runs as root, to open the engine's socket). */
  readonly user?: string;
  readonly env: Readonly<Record<string, string>>;
  /** `target`: the file's absolute path in the container (under SECRETS_DIR). */
  readonly secrets: readonly { readonly key: string; readonly target: string }[];
  readonly configs: readonly { readonly key: string; readonly target: string }[];
  readonly networks: readonly { readonly key: string; readonly aliases: readonly string[] }[];
  readonly ports: readonly {
    readonly target: number;
    readonly published: number;
    readonly protocol: "tcp" | "udp";
    readonly mode: "ingress" | "host";
  }[];
  readonly healthcheck?: {
    readonly test: readonly string[];
    readonly intervalSec: number;
    readonly timeoutSec: number;
    readonly retries: number;
    readonly startPeriodSec: number;
  };
  /** From SIGTERM to SIGKILL when a task stops. */
  readonly stopGracePeriodSec: number;
  readonly limits: { readonly cpus: number; readonly memoryBytes: number };
  readonly reservations: { readonly cpus: number; readonly memoryBytes: number };
  readonly mode: "replicated" | "global";
  readonly replicas?: number;
  readonly constraints: readonly string[];
  readonly update: SwarmUpdate;
  readonly rollback: SwarmUpdate;
  readonly restart: { readonly delaySec: number; readonly maxAttempts: number; readonly windowSec: number };
  readonly labels: Readonly<Record<string, string>>;
  readonly mounts: readonly {
    readonly type: "volume" | "bind" | "tmpfs";
    readonly source?: string;
    readonly target: string;
    readonly readOnly: boolean;
  }[];
  readonly endpointMode: "vip" | "dnsrr";
}

export interface SwarmUpdate {
  readonly parallelism: number;
  readonly delaySec: number;
  readonly order: "start-first" | "stop-first";
  readonly failureAction: "rollback" | "pause" | "continue";
  readonly monitorSec: number;
}

export const TRAEFIK_IMAGE = "traefik:v3.1.6";
export const INGRESS_SERVICE = "ingress";
export const EDGE_NETWORK = "edge";
/** Where secrets appear in containers. */
export const SECRETS_DIR = "/run/secrets";
const BYTES_PER_MIB = 1024 * 1024;
/**
 * Docker's own default, stated in both renderings: the docker provider sends 0 when its stop_grace_period is
 * unset, and Swarm then kills every stopping container at once (postgres without a shutdown checkpoint).
 */
export const STOP_GRACE_PERIOD_SEC = 10;

/**
 * A duration as Docker prints it and the docker provider reads it back (Go's time.Duration with trailing zero
 * units dropped: 120 s is "2m", 3600 s "1h"), so a plan after apply compares equal text. Valid in a stack file too.
 */
export function swarmDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  if (seconds < 1) return `${Number((seconds * 1000).toFixed(6))}ms`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = Number((seconds % 60).toFixed(9));
  let text = `${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${rest}s`;
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  if (text.endsWith("h0m")) text = text.slice(0, -2);
  return text;
}

/** The first address of an IPv4 subnet (`10.128.0.0/18` → `10.128.0.1`). */
export function firstAddress(cidr: string): string {
  const [address, prefix] = cidr.split("/");
  const value = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(prefix));
  const first = Math.floor(value / size) * size + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join(".");
}

export interface SwarmContext {
  readonly app: Application;
  readonly target: SwarmTarget;
  readonly adminCidrs: readonly string[];
  /** Terraform reference to an application secret's value. */
  readonly secretValue: (name: string) => string;
}

export function planSwarmDeployment(ctx: SwarmContext): SwarmDeployment {
  const { app, target } = ctx;
  const ns = target.namespace;
  const networking = target.networking ?? { endpointMode: "vip", publishMode: "ingress", encryptOverlays: true };
  const usedZones = app.zones.filter((z) => app.services.some((s) => s.zones.includes(z.name)));
  const networks: SwarmNetwork[] = [
    ...usedZones.map((z) => ({
      key: z.name,
      name: `${ns}_${z.name}`,
      subnet: z.subnet,
      gateway: firstAddress(z.subnet),
      encrypted: networking.encryptOverlays,
    })),
    {
      key: EDGE_NETWORK,
      name: `${ns}_${EDGE_NETWORK}`,
      subnet: target.edgeSubnet,
      gateway: firstAddress(target.edgeSubnet),
      encrypted: networking.encryptOverlays,
    },
  ];
  const secrets = new Map<string, SwarmSecret>();
  const configs: SwarmConfig[] = [];
  const resolver: EnvResolver = {
    secret: ctx.secretValue,
    // Every service is reachable by its name on the networks it shares with the caller.
    endpoint: (service, port) => ({ host: service, port: portNamed(serviceNamed(app, service), port).containerPort }),
  };

  const observability = swarmObservability(app, ns);
  const consumers = dockerApiConsumers(app);
  const services = app.services.map((service) => {
    const serviceSecrets: { key: string; target: string }[] = [];
    const env: Record<string, string> = Object.fromEntries(
      Object.entries(service.env ?? {}).map(([k, v]) => [k, renderEnvValue(v, resolver)]),
    );
    const exported: { variable: string; file: string }[] = [];
    for (const [variable, value] of Object.entries(service.secretEnv ?? {})) {
      const parts = envParts(value);
      // A value that is exactly one secret shares that secret; a composed value (a connection string) is its own.
      const secret =
        parts.length === 1 && isSecretRef(parts[0])
          ? { key: parts[0].secret, name: `${ns}_${parts[0].secret}`, value: ctx.secretValue(parts[0].secret) }
          : {
              key: `${service.name}-${variable.toLowerCase().replace(/_/g, "-")}`,
              name: "",
              value: renderEnvValue(value, resolver),
            };
      const entry = { ...secret, name: secret.name || `${ns}_${secret.key}` };
      secrets.set(entry.key, entry);
      const file = `${SECRETS_DIR}/${entry.key}`;
      serviceSecrets.push({ key: entry.key, target: file });
      const fileVariable = service.secretFiles?.[variable];
      if (fileVariable) env[fileVariable] = file;
      else exported.push({ variable, file });
    }
    const serviceConfigs: { key: string; target: string }[] = [];
    for (const file of configFilesOf(app, service, observability)) {
      const key = `${service.name}-${file.id}`;
      const { content } = file;
      configs.push({
        key,
        name: `${ns}_${key}_${createHash("sha256").update(content).digest("hex").slice(0, 12)}`,
        fileName: `${key}${path.posix.extname(file.path)}`,
        content,
      });
      serviceConfigs.push({ key, target: file.path });
    }
    return swarmService(service, { ctx, networking, env, exported, secrets: serviceSecrets, configs: serviceConfigs });
  });

  services.push(ingressService(ctx, networking));
  const proxyConfig = dockerApiProxyConfig(consumers);
  const proxyConfigKey = `${DOCKER_API_PROXY_SERVICE}-haproxy`;
  configs.push({
    key: proxyConfigKey,
    name: `${ns}_${proxyConfigKey}_${createHash("sha256").update(proxyConfig).digest("hex").slice(0, 12)}`,
    fileName: `${proxyConfigKey}.cfg`,
    content: proxyConfig,
  });
  services.push(dockerApiProxyService(ctx, networking, consumers, proxyConfigKey));
  const volumes = [
    ...app.services.flatMap((s) => (s.volumes ?? []).filter((v) => v.kind === "persistent").map((v) => v.name)),
    ...consumers.map((c) => dockerApiVolume(c.key)),
  ];
  return { namespace: ns, networks, secrets: [...secrets.values()], configs, volumes, services };
}

interface ServiceParts {
  readonly ctx: SwarmContext;
  readonly networking: NonNullable<SwarmTarget["networking"]>;
  readonly env: Record<string, string>;
  readonly exported: readonly { variable: string; file: string }[];
  readonly secrets: readonly { key: string; target: string }[];
  readonly configs: readonly { key: string; target: string }[];
}

function swarmService(service: ServiceSpec, parts: ServiceParts): SwarmService {
  const { ctx, networking } = parts;
  const ns = ctx.target.namespace;
  const routes = ctx.app.routes.filter((r) => r.service === service.name);
  const update = updatePolicyOf(service);
  const restart = restartPolicyOf(service);
  const persistent = (service.volumes ?? []).filter((v) => v.kind === "persistent");
  const perNode = service.placement.kind === "per-node";
  const cpus = service.resources!.cpuMillicores / 1000;
  const cpuLimit = cpuLimitOf(service.resources!) / 1000;
  const memoryBytes = service.resources!.memoryMiB * BYTES_PER_MIB;
  const readsDockerApi = (service.volumes ?? []).find((v) => v.kind === "host" && v.dockerApi?.access === "read");
  const endpointFlag =
    readsDockerApi?.kind === "host" && readsDockerApi.dockerApi?.access === "read"
      ? readsDockerApi.dockerApi.endpointFlag
      : undefined;
  if (readsDockerApi && !endpointFlag && !service.collectsLogs)
    throw new Error(
      `services.${service.name}.volumes.${readsDockerApi.name}.dockerApi: Swarm serves the Docker API at ${DOCKER_API_SOCKET}, but the service states no endpointFlag to be told so (and Swarm renders no configuration of its own for it)`,
    );
  const args = endpointFlag ? [...(service.args ?? []), `${endpointFlag}=unix://${DOCKER_API_SOCKET}`] : service.args;
  // Secrets the image only reads from its environment are exported from their files before its command runs.
  const wrapped = parts.exported.length > 0;
  const exportScript = parts.exported.map((e) => exportNonEmpty(e.variable, `$(cat ${e.file})`, e.file)).join(" && ");
  return {
    key: service.name,
    name: `${ns}_${service.name}`,
    image: imageRef(service),
    command: wrapped
      ? ["/bin/sh", "-c", `${NEED_FUNCTION} && ${exportScript} && exec "$@"`, "secret-env"]
      : service.command,
    args: wrapped ? [...(service.command ?? []), ...(args ?? [])] : args,
    env: parts.env,
    secrets: parts.secrets,
    configs: parts.configs,
    networks: [
      ...service.zones.map((zone) => ({ key: zone, aliases: [service.name] })),
      ...(routes.length ? [{ key: EDGE_NETWORK, aliases: [service.name] }] : []),
    ],
    ports: [],
    healthcheck: service.healthCheck ? dockerHealthcheck(service, service.healthCheck) : undefined,
    stopGracePeriodSec: STOP_GRACE_PERIOD_SEC,
    limits: { cpus: cpuLimit, memoryBytes },
    reservations: { cpus, memoryBytes },
    mode: perNode ? "global" : "replicated",
    replicas: service.placement.kind === "replicated" ? service.placement.replicas : undefined,
    constraints: perNode
      ? []
      : ["node.role == worker", ...persistent.map((v) => `node.labels.${volumeLabel(v.name)} == true`)],
    update: {
      parallelism: update.parallelism,
      delaySec: update.delaySec,
      order: update.order,
      failureAction: update.autoRollback ? "rollback" : "pause",
      // Swarm starts watching a task once it is healthy, so its monitor is the model's min healthy time (how long a
      // new instance must stay healthy to count), not the deadline: a slow start is waited for either way.
      monitorSec: update.minHealthySec,
    },
    rollback: {
      parallelism: update.parallelism,
      delaySec: 0,
      order: "stop-first",
      failureAction: "pause",
      monitorSec: update.minHealthySec,
    },
    restart: { delaySec: restart.delaySec, maxAttempts: restart.maxAttempts, windowSec: restart.windowSec },
    labels: routes.length ? traefikLabels(service, routes, ctx) : {},
    mounts: [
      ...(service.volumes ?? []).map((v) =>
        v.kind === "persistent"
          ? { type: "volume" as const, source: `${ns}_${v.name}`, target: v.mountPath, readOnly: false }
          : v.kind === "host" && v.dockerApi?.access === "read"
            ? // The node's filtered Docker API: this service's own socket, from the proxy on the same node.
              {
                type: "volume" as const,
                source: `${ns}_${dockerApiVolume(service.name)}`,
                target: DOCKER_API_DIR,
                readOnly: true,
              }
            : v.kind === "host"
              ? { type: "bind" as const, source: v.hostPath, target: v.mountPath, readOnly: true }
              : { type: "tmpfs" as const, target: v.mountPath, readOnly: false },
      ),
      // An empty /run where a host volume would show the node's sockets: the engine's API unfiltered, past the proxy.
      ...runtimeDirCovers(service).map((c) => ({ type: "tmpfs" as const, target: c.mountPath, readOnly: true })),
    ],
    endpointMode: networking.endpointMode,
  };
}

/** Traefik routers from the model's routes; admin-only routes pass an IP allow-list of the admin CIDRs. */
export function traefikLabels(
  service: ServiceSpec,
  routes: readonly RouteSpec[],
  ctx: SwarmContext,
): Record<string, string> {
  const port = portNamed(service, routes[0].port).containerPort;
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    // Traefik 3.1's Swarm provider reads the network from traefik.docker.* (a traefik.swarm.* label is ignored).
    "traefik.docker.network": `${ctx.target.namespace}_${EDGE_NETWORK}`,
    [`traefik.http.services.${service.name}.loadbalancer.server.port`]: String(port),
  };
  routes.forEach((route, i) => {
    const router = `${service.name}-${i}`;
    labels[`traefik.http.routers.${router}.rule`] = `PathPrefix(\`${route.pathPrefix}\`)`;
    labels[`traefik.http.routers.${router}.entrypoints`] = "web";
    labels[`traefik.http.routers.${router}.service`] = service.name;
    if (route.adminOnly) labels[`traefik.http.routers.${router}.middlewares`] = `${service.name}-admin-only@swarm`;
  });
  if (routes.some((r) => r.adminOnly)) {
    labels[`traefik.http.middlewares.${service.name}-admin-only.ipallowlist.sourcerange`] = ctx.adminCidrs.join(",");
    // Behind the edge proxy the client is the last X-Forwarded-For entry, which the proxy itself appended.
    labels[`traefik.http.middlewares.${service.name}-admin-only.ipallowlist.ipstrategy.depth`] = "1";
  }
  return labels;
}

/**
 * Traefik v3, the only service that publishes a port: global on the managers (it reads the Swarm API through
 * its node's Docker API proxy: services, tasks, networks, nodes, nothing it could change), on the edge network
 * with the routed services only.
 */
function ingressService(ctx: SwarmContext, networking: NonNullable<SwarmTarget["networking"]>): SwarmService {
  const ns = ctx.target.namespace;
  return {
    key: INGRESS_SERVICE,
    name: `${ns}_${INGRESS_SERVICE}`,
    image: ctx.target.ingressImage ?? TRAEFIK_IMAGE,
    args: [
      "--providers.swarm=true",
      "--providers.swarm.exposedByDefault=false",
      `--providers.swarm.network=${ns}_${EDGE_NETWORK}`,
      `--providers.swarm.endpoint=unix://${DOCKER_API_SOCKET}`,
      `--entrypoints.web.address=:${ctx.target.ingressPort}`,
      "--ping=true",
      "--accesslog=true",
    ],
    env: {},
    secrets: [],
    configs: [],
    networks: [{ key: EDGE_NETWORK, aliases: [INGRESS_SERVICE] }],
    ports: [
      {
        target: ctx.target.ingressPort,
        published: ctx.target.ingressPort,
        protocol: "tcp",
        mode: networking.publishMode,
      },
    ],
    healthcheck: {
      test: ["CMD", "traefik", "healthcheck", "--ping"],
      // Docker 20.10 runs the first check one interval after start: every 3 s, it is seen healthy 3-5 s after
      // starting instead of 11-30 s.
      // Safe: the ping answers once the entrypoints are up (well under 1 s here), a slow start still gets
      // the 10 s start period plus 3 failed checks, and one check costs a short-lived process every 3 s.
      intervalSec: 3,
      timeoutSec: 2,
      retries: 3,
      startPeriodSec: 10,
    },
    stopGracePeriodSec: STOP_GRACE_PERIOD_SEC,
    limits: { cpus: 0.5, memoryBytes: 256 * BYTES_PER_MIB },
    reservations: { cpus: 0.5, memoryBytes: 256 * BYTES_PER_MIB },
    mode: "global",
    constraints: ["node.role == manager"],
    update: { parallelism: 1, delaySec: 10, order: "stop-first", failureAction: "rollback", monitorSec: 30 },
    rollback: { parallelism: 1, delaySec: 0, order: "stop-first", failureAction: "pause", monitorSec: 30 },
    restart: { ...DEFAULT_RESTART_POLICY },
    labels: {},
    mounts: [
      { type: "volume", source: `${ns}_${dockerApiVolume(INGRESS_SERVICE)}`, target: DOCKER_API_DIR, readOnly: true },
    ],
    endpointMode: networking.endpointMode,
  };
}

/** Who reads the Docker API through the proxy: the ingress, and each service whose socket volume says read. */
export function dockerApiConsumers(app: Application): DockerApiConsumer[] {
  return [
    { key: INGRESS_SERVICE, resources: TRAEFIK_DOCKER_API },
    ...app.services.flatMap((s) =>
      (s.volumes ?? []).flatMap((v) =>
        v.kind === "host" && v.dockerApi?.access === "read" ? [{ key: s.name, resources: v.dockerApi.resources }] : [],
      ),
    ),
  ];
}

/**
 * The Docker API proxy (docker-api-proxy.ts): HAProxy, global on every node, the only service that mounts the
 * engine's socket. It joins no network: it listens on Unix sockets in its consumers' volumes, and on its own
 * loopback for the health check. It runs as root to open the socket (root:docker, 0660, the group's id differs
 * per host).
 */
function dockerApiProxyService(
  ctx: SwarmContext,
  networking: NonNullable<SwarmTarget["networking"]>,
  consumers: readonly DockerApiConsumer[],
  configKey: string,
): SwarmService {
  const ns = ctx.target.namespace;
  const size = {
    cpus: DOCKER_API_PROXY_RESOURCES.cpuMillicores / 1000,
    memoryBytes: DOCKER_API_PROXY_RESOURCES.memoryMiB * BYTES_PER_MIB,
  };
  return {
    key: DOCKER_API_PROXY_SERVICE,
    name: `${ns}_${DOCKER_API_PROXY_SERVICE}`,
    image: ctx.target.dockerApiProxyImage ?? DOCKER_API_PROXY_IMAGE,
    command: ["haproxy", "-W", "-db", "-f", DOCKER_API_PROXY_CONFIG_PATH],
    user: "root",
    env: {},
    secrets: [],
    configs: [{ key: configKey, target: DOCKER_API_PROXY_CONFIG_PATH }],
    networks: [],
    ports: [],
    healthcheck: {
      test: ["CMD", "bash", "-c", bashHttpProbe(DOCKER_API_PROXY_HEALTH_PORT, "/_ping")],
      // As the ingress: the first check one interval after start; HAProxy listens at once, and the probe is
      // one loopback request to the engine's /_ping through it.
      intervalSec: 3,
      timeoutSec: 2,
      retries: 3,
      startPeriodSec: 5,
    },
    stopGracePeriodSec: STOP_GRACE_PERIOD_SEC,
    limits: size,
    reservations: size,
    mode: "global",
    constraints: [],
    // Two proxies on one node would bind the same socket paths: the old one stops first (a second's gap, which
    // the consumers ride out by retrying).
    update: { parallelism: 1, delaySec: 0, order: "stop-first", failureAction: "rollback", monitorSec: 10 },
    rollback: { parallelism: 1, delaySec: 0, order: "stop-first", failureAction: "pause", monitorSec: 10 },
    restart: { ...DEFAULT_RESTART_POLICY },
    labels: {},
    mounts: [
      { type: "bind", source: ENGINE_SOCKET, target: ENGINE_SOCKET, readOnly: true },
      ...consumers.map((c) => ({
        type: "volume" as const,
        source: `${ns}_${dockerApiVolume(c.key)}`,
        target: proxySocketDir(c.key),
        readOnly: false,
      })),
    ],
    endpointMode: networking.endpointMode,
  };
}

/** Swarm's Docker label with a task's service name, as discovery and cadvisor expose it. */
export const SWARM_SERVICE_LABEL = "com.docker.swarm.service.name";
const labelMeta = (label: string) => label.replace(/[^a-zA-Z0-9]/g, "_");

/**
 * Observability on Swarm: Prometheus discovers `tasks.<service>`; Alloy reads each node's containers from the
 * Docker socket and takes the service name from Swarm's task label; services Prometheus does not scrape are
 * counted from cadvisor's series of their containers (cadvisor exports Docker labels as `container_label_*`).
 */
export function swarmObservability(app: Application, ns: string): ObservabilityPlatform {
  const collector = app.services.find((s) => s.collectsMetrics);
  const cadvisor = collector ? scrapedExporterOf(app, collector, "container_last_seen") : undefined;
  return {
    endpoint: (_caller, target, port) => ({ host: target.name, port: portNamed(target, port).containerPort }),
    prometheusConfig: (c, ruleFiles, alertmanagers) => swarmPrometheusConfigFile(app, c, ns, ruleFiles, alertmanagers),
    logCollectorConfig: (c, pushUrl) =>
      alloyDockerConfig(
        {
          sourceLabel: `__meta_docker_container_label_${labelMeta(SWARM_SERVICE_LABEL)}`,
          regex: `${ns}_(.+)`,
          extraLabels: { node: `__meta_docker_container_label_${labelMeta("com.docker.swarm.node.id")}` },
        },
        pushUrl,
        // Through the node's Docker API proxy where the collector's socket volume asks for read access.
        (c.volumes ?? []).some((v) => v.kind === "host" && v.dockerApi?.access === "read")
          ? DOCKER_API_SOCKET
          : undefined,
      ),
    alerting: {
      runningInstances: cadvisor
        ? (service) =>
            `count(container_last_seen{job="${cadvisor.name}",container_label_${labelMeta(SWARM_SERVICE_LABEL)}="${ns}_${service.name}"})`
        : undefined,
      noRunningInstancesReason: "it exports no metrics and no container metrics (cadvisor) are scraped",
    },
  };
}
