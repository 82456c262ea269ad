import type { BackendConfig } from "../model";

/** Deploying to Docker Swarm, as an environment describes it (`Environment.swarm`, composed in environments/types.ts). */
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
   * @default the pinned HAProxy release (DOCKER_API_PROXY_IMAGE in constructs/docker-api-proxy.ts)
   */
  readonly dockerApiProxyImage?: string;
}
