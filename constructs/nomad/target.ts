import type { BackendConfig } from "../model";

/** Deploying to Nomad, as an environment describes it (`Environment.nomad`, composed in environments/types.ts). */
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
