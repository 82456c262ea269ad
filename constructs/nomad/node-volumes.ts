import type { AddProblem, Application, ServiceSpec } from "../model";
import type { Task, VolumeRequest } from "./jobspec";
import { PROMETHEUS_CONSUL_CA_FILE } from "./prometheus-config";
import type { NomadTarget } from "./target";

/**
 * A node path a job mounts. The Docker driver's own host mounts are off on the lab's clients (any token that may
 * submit a job could otherwise bind the node's root read-write), so each such path is a read-only host volume
 * every client declares, and the job mounts it through Nomad (`volume` + `volume_mount`): what a job can mount
 * is then the clients' list, and Nomad's ACLs decide who may mount it (the deploy token: read-only).
 */
export interface NodeMount {
  /** The group's name for the volume (the model's volume name). */
  readonly name: string;
  /** The client's host volume (`host-<path>`). */
  readonly source: string;
  readonly hostPath: string;
  readonly mountPath: string;
}

/** Group volume name of the Consul CA that Consul-discovering services read. */
export const CONSUL_CA_VOLUME = "consul-ca";
/** Prefix of the clients' node-path host volumes (the environment's persistent volumes keep their own names). */
export const NODE_VOLUME_PREFIX = "host-";

/** The client host volume name of a node path: `/` is host-root, `/var/run/docker.sock` host-var-run-docker-sock. */
export function nodeVolumeName(hostPath: string): string {
  const slug = hostPath
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${NODE_VOLUME_PREFIX}${slug || "root"}`;
}

const mount = (name: string, hostPath: string, mountPath: string): NodeMount => ({
  name,
  source: nodeVolumeName(hostPath),
  hostPath,
  mountPath,
});

/** The Consul CA of the clients at `mountPath`, for a task that reads Consul's HTTPS API (Fabio, Prometheus). */
export function consulCaMount(target: NomadTarget, mountPath: string): NodeMount {
  return mount(CONSUL_CA_VOLUME, target.consul.caFile, mountPath);
}

/** The node paths a service's task mounts read-only: its host volumes, and the Consul CA where it discovers. */
export function nodeMountsOf(service: ServiceSpec, target: NomadTarget): NodeMount[] {
  return [
    ...(service.volumes ?? []).flatMap((v) => (v.kind === "host" ? [mount(v.name, v.hostPath, v.mountPath)] : [])),
    ...(service.collectsMetrics ? [consulCaMount(target, PROMETHEUS_CONSUL_CA_FILE)] : []),
  ];
}

/** The group's `volume` blocks for node mounts, each read-only. */
export function nodeVolumeRequests(mounts: readonly NodeMount[]): Record<string, VolumeRequest> {
  return Object.fromEntries(
    mounts.map((m) => [m.name, { Name: m.name, Type: "host" as const, Source: m.source, ReadOnly: true }]),
  );
}

/** The Docker engine's data root on the clients (the lab installs Docker with its default). */
const DOCKER_DATA_ROOT = "/var/lib/docker";

/**
 * The task's `volume_mount` blocks for node mounts, each read-only. Docker refuses to bind a path holding its own
 * data root with private propagation (Nomad's default), as a leak of the containers' mounts: such a mount
 * (the node's `/`, `/var/lib/docker`) takes the host's mounts as they come (`host-to-task`, Docker's rslave),
 * which Docker itself chooses when not told.
 */
export function nodeVolumeMounts(mounts: readonly NodeMount[]): NonNullable<Task["VolumeMounts"]> {
  return mounts.map((m) => ({
    Volume: m.name,
    Destination: m.mountPath,
    ReadOnly: true,
    ...(holds(m.hostPath, DOCKER_DATA_ROOT) ? { PropagationMode: "host-to-task" as const } : {}),
  }));
}

const holds = (path: string, inner: string) =>
  path === "/" || inner === path.replace(/\/$/, "") || inner.startsWith(`${path.replace(/\/$/, "")}/`);

/**
 * Every node path the application's jobs mount, by client host volume name: what each Nomad client declares
 * (read-only) and the deploy token may mount. Two paths of one name are a target problem (nodeVolumeProblems);
 * the first keeps it here.
 */
export function nodeVolumesOf(app: Application, target: NomadTarget): Record<string, string> {
  // Fabio, on every client, reads Consul's CA (fabio-job.ts).
  const volumes: Record<string, string> = { [nodeVolumeName(target.consul.caFile)]: target.consul.caFile };
  for (const service of app.services) for (const m of nodeMountsOf(service, target)) volumes[m.source] ??= m.hostPath;
  return volumes;
}

/** Node paths whose host volume names collide, with each other or with the environment's persistent volumes. */
export function nodeVolumeProblems(app: Application, target: NomadTarget, add: AddProblem): void {
  const seen = new Map<string, string>([[nodeVolumeName(target.consul.caFile), target.consul.caFile]]);
  for (const service of app.services)
    for (const m of nodeMountsOf(service, target)) {
      const other = seen.get(m.source);
      if (other !== undefined && other !== m.hostPath)
        add(
          `application.services.${service.name}.volumes`,
          `host path "${m.hostPath}" and "${other}" would both be the Nomad clients' host volume "${m.source}" (expected host paths that differ in more than punctuation)`,
        );
      seen.set(m.source, m.hostPath);
    }
  for (const volume of Object.keys(target.hostVolumes))
    if (volume.startsWith(NODE_VOLUME_PREFIX))
      add(
        `nomad.hostVolumes.${volume}`,
        `"${volume}" starts with "${NODE_VOLUME_PREFIX}", which names the node paths the clients offer jobs (expected a persistent volume name without that prefix)`,
      );
}
