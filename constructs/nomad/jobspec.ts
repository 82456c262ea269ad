/**
 * The subset of Nomad's job API (the JSON `nomad job run -output` prints and `POST /v1/jobs` takes) that we
 * generate. Field names and shapes follow the `api` package of hashicorp/nomad; durations are nanoseconds.
 */

export type Nanoseconds = number;

export const seconds = (value: number): Nanoseconds => value * 1_000_000_000;

export interface JobFile {
  readonly Job: Job;
}

export interface Job {
  readonly ID: string;
  readonly Name: string;
  readonly Type: "service" | "system" | "batch";
  readonly Region: string;
  readonly Namespace: string;
  readonly Datacenters: readonly string[];
  readonly Priority?: number;
  readonly Constraints?: readonly Constraint[];
  readonly Meta?: Readonly<Record<string, string>>;
  readonly TaskGroups: readonly TaskGroup[];
}

export interface Constraint {
  readonly LTarget: string;
  readonly RTarget: string;
  readonly Operand: string;
}

export interface TaskGroup {
  readonly Name: string;
  readonly Count: number;
  readonly Networks: readonly NetworkResource[];
  readonly Services?: readonly Service[];
  readonly Tasks: readonly Task[];
  readonly Volumes?: Readonly<Record<string, VolumeRequest>>;
  readonly Update?: UpdateStrategy;
  readonly RestartPolicy?: RestartPolicy;
  readonly Scaling?: ScalingPolicy;
  readonly Meta?: Readonly<Record<string, string>>;
}

export interface NetworkResource {
  readonly Mode: "bridge" | "host";
  readonly DynamicPorts?: readonly Port[];
  readonly ReservedPorts?: readonly Port[];
}

export interface Port {
  readonly Label: string;
  /** Static host port (reserved ports only). */
  readonly Value?: number;
  /** Port inside the allocation's network namespace; -1 maps it to the same number as the host port. */
  readonly To?: number;
}

export interface Service {
  readonly Name: string;
  /** Omitted for a mesh client that listens on no port. */
  readonly PortLabel?: string;
  readonly Provider: "consul";
  readonly Tags?: readonly string[];
  readonly Meta?: Readonly<Record<string, string>>;
  readonly AddressMode?: "auto" | "alloc" | "host";
  readonly Checks?: readonly ServiceCheck[];
  readonly Connect?: ConsulConnect;
}

export interface ServiceCheck {
  readonly Name: string;
  readonly Type: "http" | "tcp" | "script";
  readonly Path?: string;
  readonly PortLabel?: string;
  readonly AddressMode?: "alloc" | "host" | "driver";
  readonly Expose?: boolean;
  readonly Command?: string;
  readonly Args?: readonly string[];
  readonly TaskName?: string;
  readonly Interval: Nanoseconds;
  readonly Timeout: Nanoseconds;
}

export interface ConsulConnect {
  readonly SidecarService: {
    readonly Tags?: readonly string[];
    readonly Proxy: {
      readonly LocalServicePort?: number;
      readonly Upstreams?: readonly { readonly DestinationName: string; readonly LocalBindPort: number }[];
      readonly Expose?: {
        readonly Paths: readonly {
          readonly Path: string;
          readonly Protocol: "http";
          readonly LocalPathPort: number;
          readonly ListenerPort: string;
        }[];
      };
    };
  };
  readonly SidecarTask?: {
    readonly Driver: "docker";
    readonly Config: { readonly image: string };
    readonly Env?: Readonly<Record<string, string>>;
  };
}

export interface Task {
  readonly Name: string;
  readonly Driver: "docker";
  /** @default the image's user */
  readonly User?: string;
  /** A task started before the group's main tasks; a sidecar keeps running beside them. */
  readonly Lifecycle?: { readonly Hook: "prestart" | "poststart" | "poststop"; readonly Sidecar: boolean };
  readonly Config: DockerConfig;
  readonly Env?: Readonly<Record<string, string>>;
  readonly Templates?: readonly Template[];
  /**
   * Present: the task reads Consul and gets a token from its workload identity (in its secrets directory as
   * consul_token, and CONSUL_TOKEN and CONSUL_HTTP_TOKEN in its environment). Nomad 1.8 also signs one for any task
   * with a template; later versions only for tasks with this block. Empty: Consul's default cluster and namespace.
   */
  readonly Consul?: Record<string, never>;
  readonly Resources: { readonly CPU: number; readonly MemoryMB: number };
  readonly VolumeMounts?: readonly {
    readonly Volume: string;
    readonly Destination: string;
    readonly ReadOnly: boolean;
    /** @default "private" (Docker's rprivate) */
    readonly PropagationMode?: "private" | "host-to-task" | "bidirectional";
  }[];
  readonly KillTimeout?: Nanoseconds;
}

/** Options of Nomad's docker driver (lower snake case, as in HCL). */
export interface DockerConfig {
  readonly image: string;
  readonly ports?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly args?: readonly string[];
  readonly network_mode?: "host";
  readonly mount?: readonly (
    | { readonly type: "bind"; readonly source: string; readonly target: string; readonly readonly: boolean }
    | { readonly type: "tmpfs"; readonly target: string; readonly readonly: boolean }
  )[];
  readonly volumes?: readonly string[];
}

export interface Template {
  readonly EmbeddedTmpl: string;
  readonly DestPath: string;
  readonly ChangeMode: "restart" | "noop" | "signal";
  readonly ChangeSignal?: string;
  readonly Envvars?: boolean;
  readonly Perms?: string;
  /** @default the Nomad agent's user (root) */
  readonly Uid?: number;
  /** @default the Nomad agent's group */
  readonly Gid?: number;
}

export interface VolumeRequest {
  readonly Name: string;
  readonly Type: "host";
  readonly Source: string;
  readonly ReadOnly: boolean;
}

export interface UpdateStrategy {
  readonly MaxParallel: number;
  readonly Stagger?: Nanoseconds;
  readonly HealthCheck?: "checks" | "task_states";
  readonly MinHealthyTime?: Nanoseconds;
  readonly HealthyDeadline?: Nanoseconds;
  readonly ProgressDeadline?: Nanoseconds;
  readonly AutoRevert?: boolean;
  readonly AutoPromote?: boolean;
  readonly Canary?: number;
}

export interface RestartPolicy {
  readonly Attempts: number;
  readonly Interval: Nanoseconds;
  readonly Delay: Nanoseconds;
  readonly Mode: "fail" | "delay";
}

/** A horizontal scaling policy read by the Nomad Autoscaler (HCL blocks decode to lists of maps). */
export interface ScalingPolicy {
  readonly Min: number;
  readonly Max: number;
  readonly Enabled: boolean;
  readonly Type: "horizontal";
  readonly Policy: Readonly<Record<string, unknown>>;
}
