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
}

export type BackendConfig =
  | { readonly kind: "local" }
  /** State in Consul's KV store with session locking; the token comes from CONSUL_HTTP_TOKEN at deploy time. */
  | { readonly kind: "consul"; readonly address: string; readonly pathPrefix: string; readonly caFile?: string }
  /**
   * State in S3, encrypted, locked by a DynamoDB table when one is named, otherwise by a lock file next to the
   * state (Terraform >= 1.10).
   */
  | { readonly kind: "s3"; readonly bucket: string; readonly keyPrefix: string; readonly region: string; readonly lockTable?: string };

export type LabVmRole = "nomad-server" | "nomad-client" | "swarm-manager" | "swarm-worker" | "support";

export const LAB_VM_ROLES: readonly LabVmRole[] = ["nomad-server", "nomad-client", "swarm-manager", "swarm-worker", "support"];

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
}

export interface SwarmTarget {
  /** @default `swarm-<environment name>` */
  readonly stackName?: string;
  /** State backend of this stack. @default the environment's backend */
  readonly backend?: BackendConfig;
  /** Docker API of a manager, over SSH with the deployer's agent: `ssh://user@host`. */
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
  readonly networking?: { readonly endpointMode: "vip" | "dnsrr"; readonly publishMode: "ingress" | "host"; readonly encryptOverlays: boolean };
  /**
   * Image of the ingress proxy, pinned by tag or digest. It must read Traefik's Swarm labels and flags (a
   * mirror of Traefik, or the e2e test's stand-in).
   * @default the pinned Traefik release (TRAEFIK_IMAGE in constructs/swarm/deployment.ts)
   */
  readonly ingressImage?: string;
}
