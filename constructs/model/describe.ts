import { updatePolicyOf } from "./defaults";
import type { Application, DockerApiAccess, ServiceSpec, VolumeSpec } from "./types";

/**
 * What the model asks of a service, in the few words every platform's capability records use, so that the
 * records of different platforms line up intent by intent.
 */
export const describeWanted = {
  placement: (s: ServiceSpec) =>
    s.placement.kind === "per-node" ? "one per node" : `${s.placement.replicas} replicas`,
  health: (s: ServiceSpec) => (s.healthCheck ? `${s.healthCheck.type} check` : "no check (exempt)"),
  update: (s: ServiceSpec) => {
    const u = updatePolicyOf(s);
    return `parallelism ${u.parallelism}, ${u.order}, rollback ${u.autoRollback ? "on" : "off"}, progress deadline ${u.progressDeadlineSec} s${u.canaries ? `, ${u.canaries} canaries` : ""}`;
  },
  zones: (s: ServiceSpec) => s.zones.join(", "),
  autoscaling: (s: ServiceSpec) => {
    const a = s.autoscaling!;
    return `${a.minReplicas}-${a.maxReplicas} replicas @ ${a.targetCpuPercent} % CPU`;
  },
  persistence: (v: VolumeSpec) => `${v.name} at ${v.mountPath}`,
  dockerApi: (access: DockerApiAccess) =>
    access.access === "read" ? `read ${access.resources.join(", ")}` : `the whole API (${access.reason})`,
  routes: (app: Application) =>
    `${app.routes.length} public routes, ${app.routes.filter((r) => r.adminOnly).length} admin-only`,
  secrets: (app: Application) => app.secrets.map((s) => s.name).join(", "),
};
