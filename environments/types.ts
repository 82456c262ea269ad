import type { Application, ApplicationSelection, BackendConfig } from "../constructs/model";
import type { EcsTarget } from "../constructs/ecs/target";
import type { EksTarget } from "../constructs/eks/target";
import type { LabInventory } from "../constructs/lab/target";
import type { NomadTarget } from "../constructs/nomad/target";

// Each platform owns its target type (constructs/<platform>/target.ts); an environment composes them.
export type { BackendConfig } from "../constructs/model";
export type {
  AwsBinding,
  AwsNetworkConfig,
  AwsTargetBase,
  ElastiCacheBinding,
  RdsBinding,
  WebAclSettings,
} from "../constructs/aws/target";
export type { AlarmSubscription, EcsTarget } from "../constructs/ecs/target";
export type { EksTarget } from "../constructs/eks/target";
export { LAB_VM_ROLES, type LabInventory, type LabPi, type LabVm, type LabVmRole } from "../constructs/lab/target";
export type { NomadTarget } from "../constructs/nomad/target";

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
  /**
   * Image of the Docker API proxy on every node, pinned by tag or digest: HAProxy with `haproxy` on its PATH
   * and bash (a mirror of the official image, or the e2e test's stand-in).
   * @default the pinned HAProxy release (DOCKER_API_PROXY_IMAGE in constructs/swarm/docker-api-proxy.ts)
   */
  readonly dockerApiProxyImage?: string;
}
