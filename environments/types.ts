import type { Application, ApplicationSelection } from "../constructs/model";

/**
 * One deployment of an application: where it runs and everything that differs between customers.
 * A fork for a new customer is a new file of this type, not a change to the constructs.
 */
export interface Environment {
  /** Lowercase DNS label; stack names default to `<platform>-<name>`. */
  readonly name: string;
  readonly description: string;
  readonly application: Application;
  readonly selection: ApplicationSelection;
  /** Source ranges allowed to reach admin-only routes. Required when the application has any. */
  readonly adminCidrs: readonly string[];
  /** Where Terraform keeps state. @default local state next to each synthesized stack */
  readonly backend?: BackendConfig;
  /** The hardware tier (Proxmox host, VMs, Raspberry Pis); needed by the lab-based targets. */
  readonly lab?: LabInventory;
  /** Deploy to Nomad + Consul + Fabio on the lab's Nomad cluster. */
  readonly nomad?: NomadTarget;
  /** Deploy to Docker Swarm on the lab's Swarm cluster. */
  readonly swarm?: SwarmTarget;
  /** Deploy to AWS EKS: a VPC, an EKS cluster and ARGO as Kubernetes workloads behind an ALB. */
  readonly eks?: EksTarget;
  /** Deploy to AWS ECS on Fargate: a VPC, an ECS cluster and ARGO as Fargate services behind an ALB. */
  readonly ecs?: EcsTarget;
}

export type BackendConfig =
  | { readonly kind: "local" }
  /** State in Consul's KV store with session locking; the token comes from CONSUL_HTTP_TOKEN at deploy time. */
  | {
      readonly kind: "consul";
      /**
       * host:port of Consul's HTTPS API, fixed in the synthesized backend.
       * @default none: Terraform reads CONSUL_HTTP_ADDR at deploy time (as it reads the token)
       */
      readonly address?: string;
      readonly pathPrefix: string;
      readonly caFile?: string;
    }
  /**
   * State in S3, encrypted, locked by a DynamoDB table when one is named, otherwise by a lock file next to the
   * state (Terraform >= 1.10).
   */
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly keyPrefix: string;
      readonly region: string;
      readonly lockTable?: string;
    };

export type LabVmRole = "nomad-server" | "nomad-client" | "swarm-manager" | "swarm-worker" | "support";

export const LAB_VM_ROLES: readonly LabVmRole[] = [
  "nomad-server",
  "nomad-client",
  "swarm-manager",
  "swarm-worker",
  "support",
];

export interface LabVm {
  readonly name: string;
  readonly role: LabVmRole;
  /** Proxmox VM ID; fixed per VM so that adding a VM never renumbers (and replaces) the others. */
  readonly vmId: number;
  readonly address: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

export interface LabPi {
  readonly name: string;
  /** `dns`: dnsmasq for the lab, forwarding `.consul`; `edge`: HAProxy terminating TLS in front of the ingress. */
  readonly role: "dns" | "edge";
  readonly address: string;
  /** User the deployer's SSH agent logs in as to configure the Pi (needs passwordless sudo). */
  readonly sshUser: string;
}

export interface LabInventory {
  /** @default `lab-<environment name>` */
  readonly stackName?: string;
  readonly lanCidr: string;
  readonly gateway: string;
  /** Resolvers the lab's machines use (the dns Pi). */
  readonly dnsServers: readonly string[];
  /** Resolvers the dns Pi forwards everything else to. */
  readonly upstreamDnsServers: readonly string[];
  readonly domain: string;
  readonly proxmox: {
    readonly nodeName: string;
    readonly address: string;
    readonly bridge: string;
    /** Datastore for VM disks and cloud-init drives. */
    readonly vmDatastore: string;
    /** File datastore with the "snippets" and "import" content types enabled. */
    readonly fileDatastore: string;
  };
  /** The VM base image, downloaded by Proxmox and verified against its published checksum. */
  readonly image: { readonly url: string; readonly fileName: string; readonly checksumSha256: string };
  /**
   * The administrator account on every VM. Without `sshPublicKeys` the keys are a deploy-time variable
   * (TF_VAR_admin_ssh_public_keys, a JSON list), so a fork need not commit anyone's key.
   */
  readonly admin: { readonly user: string; readonly sshPublicKeys?: readonly string[] };
  readonly vms: readonly LabVm[];
  readonly pis: readonly LabPi[];
  /** The TLS edge (HAProxy on the edge Pi): one public name per platform. */
  readonly edge: {
    readonly nomadHostname: string;
    readonly swarmHostname: string;
  };
}

export interface NomadTarget {
  /** @default `nomad-<environment name>` */
  readonly stackName?: string;
  /** State backend of this stack. @default the environment's backend */
  readonly backend?: BackendConfig;
  readonly region: string;
  readonly datacenter: string;
  /** Node class the Nomad clients declare; every job is constrained to it, which keeps work off the servers. */
  readonly workloadNodeClass: string;
  /** Nomad schedules CPU in MHz: the model's millicores are converted with this figure of the clients' CPUs. */
  readonly cpuMhzPerCore: number;
  /** Where each persistent volume lives: the Nomad client that declares it as a host volume, and its path there. */
  readonly hostVolumes: Readonly<Record<string, { readonly client: string; readonly path: string }>>;
  /** Consul's HTTPS API on every client, used by Fabio and Prometheus for discovery. */
  readonly consul: { readonly httpsPort: number; readonly caFile: string; readonly datacenter: string };
  readonly fabio: { readonly httpPort: number; readonly uiPort: number };
  /**
   * Addresses of the proxies in front of Fabio (the lab's TLS edge). Admin-only routes accept a request when
   * both the peer and the X-Forwarded-For client are allowed, so the edge itself must be on the list.
   */
  readonly edgeProxies: readonly string[];
  /**
   * The Connect sidecar's task (Nomad's `sidecar_task`): its Docker image and extra environment, e.g. Envoy
   * pinned from a registry the lab can reach. Nomad interpolates `${attr.*}` and `${NOMAD_*}` in the values.
   * @default Nomad's own Envoy image for the cluster's Consul version (meta.connect.sidecar_image)
   */
  readonly connectSidecar?: { readonly image: string; readonly env?: Readonly<Record<string, string>> };
}

export interface SwarmTarget {
  /** @default `swarm-<environment name>` */
  readonly stackName?: string;
  /** State backend of this stack. @default the environment's backend */
  readonly backend?: BackendConfig;
  /**
   * Docker API of a manager, over SSH with the deployer's agent: `ssh://user@host`; or `unix:///path`, the
   * manager's own socket, when Terraform runs on that manager (the e2e cluster's engines run no SSH server).
   */
  readonly dockerHost: string;
  /** Prefix of every Swarm object (the name `docker stack deploy` would use). */
  readonly namespace: string;
  /** Overlay network shared only by the ingress proxy and the services it routes to. */
  readonly edgeSubnet: string;
  /** Swarm node (hostname) that holds each persistent volume; stateful services are pinned to it by a node label. */
  readonly volumeNodes: Readonly<Record<string, string>>;
  /** Port the ingress proxy publishes on every node (the edge Pi forwards to it). */
  readonly ingressPort: number;
  /**
   * How services are reached and ports published. `vip` and `ingress` are Swarm's defaults; kernels without
   * IPVS (some test hosts) need `dnsrr` and `host`.
   * @default { endpointMode: "vip", publishMode: "ingress", encryptOverlays: true }
   */
  readonly networking?: {
    readonly endpointMode: "vip" | "dnsrr";
    readonly publishMode: "ingress" | "host";
    readonly encryptOverlays: boolean;
  };
  /**
   * Image of the ingress proxy, pinned by tag or digest. It must read Traefik's Swarm labels and flags (a
   * mirror of Traefik, or the e2e test's stand-in).
   * @default the pinned Traefik release (TRAEFIK_IMAGE in constructs/swarm/deployment.ts)
   */
  readonly ingressImage?: string;
}

/** The VPC an AWS target builds (one implementation, shared by EKS and ECS). */
export interface AwsNetworkConfig {
  /** The VPC's range: a /16 to /24 block, private (RFC 1918) in practice. */
  readonly vpcCidr: string;
  /** At least two; three for production, so that losing one zone leaves a majority. */
  readonly availabilityZones: readonly string[];
  /**
   * `one-per-az`: each private subnet leaves through a NAT gateway in its own zone (survives a zone outage).
   * `single`: one NAT gateway for all zones, cheaper, for non-production.
   */
  readonly natGateways: "one-per-az" | "single";
  /**
   * Explicit subnets, one per zone in the order of `availabilityZones`.
   * @default carved from `vpcCidr`: private subnets of a quarter of the VPC each, public subnets of a sixteenth
   *   from the last quarter (a /16 gives private /18s and public /20s)
   */
  readonly subnets?: { readonly public: readonly string[]; readonly private: readonly string[] };
  /** Retention of the VPC flow logs in CloudWatch, in days (one of CloudWatch's allowed values). */
  readonly flowLogRetentionDays: number;
}

/** A PostgreSQL database (a service that provides `postgres-database`) as Amazon RDS for PostgreSQL. */
export interface RdsBinding {
  readonly kind: "rds";
  /** e.g. `db.t4g.medium` */
  readonly instanceClass: string;
  /** Major.minor of RDS PostgreSQL, e.g. `16.4`. */
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling. */
  readonly maxAllocatedStorageGiB: number;
  /** Days of automated backups (1-35). */
  readonly backupRetentionDays: number;
  /** A standby in a second zone with automatic failover. */
  readonly multiAz: boolean;
}

/** A memcached cache (a service that provides `memcached-cache`) as Amazon ElastiCache for Memcached (ECS only). */
export interface ElastiCacheBinding {
  readonly kind: "elasticache";
  /** e.g. `cache.t4g.small` */
  readonly nodeType: string;
  /** A pinned Memcached 1.6 version, e.g. `1.6.22`. */
  readonly engineVersion: string;
}

/**
 * How an AWS target realizes a dependency a service provides (the model's `provides`): a managed AWS service in
 * the service's place, or the service's own container on the platform.
 */
export type AwsBinding = RdsBinding | ElastiCacheBinding | { readonly kind: "container" };

/** What every AWS target has: where it runs, its network, its public entrypoint and its logs. */
export interface AwsTargetBase {
  /** State backend of this stack. @default the environment's backend */
  readonly backend?: BackendConfig;
  /** e.g. `eu-west-1`; credentials come from the deployer's AWS credential chain, never from here. */
  readonly region: string;
  readonly network: AwsNetworkConfig;
  /** ACM certificate for the HTTPS listener; must be in `region`. */
  readonly certificateArn: string;
  /** Retention of the stack's CloudWatch log groups (application and control-plane logs), in days. */
  readonly logRetentionDays: number;
  /**
   * How each provided dependency is realized here, by the name of the service that provides it: `rds` for a
   * PostgreSQL database, `elasticache` for a memcached cache (ECS only), `container` for the service itself.
   * Validated against what the model's services provide.
   * @default every service runs as its own container
   */
  readonly bindings?: Readonly<Record<string, AwsBinding>>;
  /**
   * AWS WAF on the public load balancer: AWS managed rule groups (`ruleGroups` replaces the default list), or
   * `off` with the reason.
   * @default the managed rule groups DEFAULT_MANAGED_RULE_GROUPS of constructs/aws/web-acl.ts
   */
  readonly webAcl?: WebAclSettings;
  /** Tags on every resource, next to `application` and `environment`. */
  readonly tags?: Readonly<Record<string, string>>;
}

export type WebAclSettings =
  /** AWS managed rule groups by name (`AWSManagedRules...`), evaluated in the order given. */
  | { readonly kind: "managed-rules"; readonly ruleGroups?: readonly string[] }
  | { readonly kind: "off"; readonly reason: string };

export interface EksTarget extends AwsTargetBase {
  /** @default `eks-<environment name>` */
  readonly stackName?: string;
  /** EKS cluster name. */
  readonly clusterName: string;
  /** Kubernetes minor version, e.g. `1.31`. */
  readonly kubernetesVersion: string;
  /** Ranges allowed to reach the public API endpoint; empty keeps the endpoint private only. */
  readonly publicEndpointCidrs: readonly string[];
  /** IAM roles or users given cluster-admin through EKS access entries. */
  readonly clusterAdminArns: readonly string[];
  /** The managed node group (Amazon Linux 2023) in the private subnets. */
  readonly nodeGroup: {
    readonly instanceTypes: readonly string[];
    readonly minSize: number;
    readonly maxSize: number;
    readonly desiredSize: number;
    readonly diskGiB: number;
  };
  /** Namespace of the application's workloads. */
  readonly namespace: string;
  /** Size of each persistent volume's claim (gp3, encrypted), by volume name. @default 20 GiB each */
  readonly persistentVolumeGiB?: Readonly<Record<string, number>>;
}

export interface EcsTarget extends AwsTargetBase {
  /** @default `ecs-<environment name>` */
  readonly stackName?: string;
  /** ECS cluster name. */
  readonly clusterName: string;
  /**
   * Fargate sizes by service name, for services that should get more than the smallest size covering the
   * model's CPU and memory. Each must be a combination Fargate runs (see constructs/ecs/fargate-sizes.ts).
   * @default the smallest Fargate size that covers the model's request
   */
  readonly taskSizes?: Readonly<Record<string, { readonly cpu: number; readonly memoryMiB: number }>>;
  /**
   * Cloud Map private DNS namespace in which services find each other (`query-api.<namespace>`).
   * @default `<application name>.internal`
   */
  readonly serviceDiscoveryNamespace?: string;
  /**
   * Image of the init container that writes the observability services' configuration files into their task
   * volumes (a shell with printf), pinned. In this region's ECR (a mirror), those tasks need no internet egress.
   * @default CONFIG_WRITER_IMAGE of constructs/ecs/ecs-application.ts (busybox from ECR Public)
   */
  readonly configWriterImage?: string;
  /**
   * Who the CloudWatch alarms' SNS topic notifies: e-mail addresses (each confirms from the mail SNS sends) or
   * HTTPS endpoints (which must answer SNS's subscription confirmation).
   * @default none: the alarms change state in CloudWatch and notify nobody
   */
  readonly alarmSubscriptions?: readonly AlarmSubscription[];
}

export interface AlarmSubscription {
  readonly protocol: "email" | "https";
  /** The address, or the `https://` URL. */
  readonly endpoint: string;
}
