import type { EcsTarget } from "./target";
import { bindingOf, type BoundCache, type BoundDatabase } from "../aws/bindings";
import { unknownName, updatePolicyOf, type Application, type Problem, type ServiceSpec } from "../model";
import { describeFargateSizes, fargateSizeFor, fargateSizeProblem, type FargateSize } from "./fargate-sizes";

/**
 * How each model service runs on ECS: as Fargate tasks, as a managed AWS service in its place (the per-target
 * mapping of seed 001's "managed services as much as possible"), or not at all where Fargate has no meaning for
 * it (one-per-node services: Fargate has no nodes of ours). Validation and the construct read the same plan.
 */
export type EcsServicePlan =
  | { readonly kind: "task"; readonly service: ServiceSpec; readonly size: FargateSize }
  | ({ readonly kind: "rds" } & BoundDatabase)
  | ({ readonly kind: "elasticache" } & BoundCache)
  | { readonly kind: "not-on-fargate"; readonly service: ServiceSpec; readonly reason: string };

export const PER_NODE_REASON =
  "Fargate runs tasks on AWS-managed hosts, so there is no node of ours to run one instance on; CloudWatch Container Insights collects the per-task CPU, memory, network and storage metrics instead";

/** When the RDS-managed master password rotates: 04:00 UTC on the first day of each month, within two hours. */
export const PASSWORD_ROTATION_SCHEDULE = "cron(0 4 1 * ? *)";

/** An ALB rule holds at most 5 condition values; an admin-only rule spends one on its path. */
export const MAX_ADMIN_CIDRS = 4;

export interface EcsPlan {
  readonly services: ReadonlyMap<string, EcsServicePlan>;
  readonly problems: readonly Problem[];
}

/** Plans every service of a validated, selected application. Problem paths are relative to the environment. */
export function planEcs(app: Application, target: EcsTarget): EcsPlan {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const services = new Map<string, EcsServicePlan>();

  for (const service of app.services) {
    const binding = bindingOf(target, service);
    if (service.placement.kind === "per-node") {
      services.set(service.name, { kind: "not-on-fargate", service, reason: PER_NODE_REASON });
    } else if (binding.kind === "rds" && service.provides?.kind === "postgres-database") {
      services.set(service.name, { kind: "rds", service, provided: service.provides, binding });
    } else if (binding.kind === "elasticache" && service.provides?.kind === "memcached-cache") {
      services.set(service.name, { kind: "elasticache", service, provided: service.provides, binding });
    } else {
      const size = taskSize(service, target, add);
      for (const volume of service.volumes ?? []) {
        if (volume.kind === "host") {
          add(
            "ecs",
            `service "${service.name}" mounts the host path ${volume.hostPath}, which Fargate cannot provide (leave the service out of this environment, or run it on a platform with nodes of its own)`,
          );
        }
      }
      if (size) services.set(service.name, { kind: "task", service, size });
    }
  }

  const managedOrAbsent = new Set([...services.values()].filter((p) => p.kind !== "task").map((p) => p.service.name));
  const tasks = app.services.filter((s) => !managedOrAbsent.has(s.name)).map((s) => s.name);
  for (const name of Object.keys(target.taskSizes ?? {})) {
    const plan = services.get(name);
    if (!plan && !app.services.some((s) => s.name === name)) {
      add(`ecs.taskSizes.${name}`, unknownName("service", name, tasks, "Fargate tasks here"));
    } else if (plan && plan.kind !== "task") {
      add(`ecs.taskSizes.${name}`, `"${name}" does not run as a Fargate task here (${describePlan(plan)})`);
    }
  }
  for (const route of app.routes) {
    const plan = services.get(route.service);
    if (plan && plan.kind !== "task")
      add(
        "ecs",
        `route ${route.pathPrefix} leads to "${route.service}", which the load balancer cannot reach here (${describePlan(plan)})`,
      );
  }
  return { services, problems };
}

function taskSize(
  service: ServiceSpec,
  target: EcsTarget,
  add: (path: string, message: string) => void,
): FargateSize | undefined {
  const wanted = service.resources;
  if (!wanted) return undefined; // the model's own validation reports it
  const stated = target.taskSizes?.[service.name];
  if (stated) {
    const problem = fargateSizeProblem(stated);
    if (problem) {
      add(`ecs.taskSizes.${service.name}`, problem);
      return undefined;
    }
    if (stated.cpu * 1000 < wanted.cpuMillicores * 1024 || stated.memoryMiB < wanted.memoryMiB) {
      add(
        `ecs.taskSizes.${service.name}`,
        `${stated.cpu} CPU units with ${stated.memoryMiB} MiB is less than the model gives ${service.name} (${wanted.cpuMillicores} millicores, ${wanted.memoryMiB} MiB)`,
      );
      return undefined;
    }
    return stated;
  }
  const size = fargateSizeFor(wanted.cpuMillicores, wanted.memoryMiB);
  if (!size) {
    add(
      "ecs",
      `service "${service.name}" needs ${wanted.cpuMillicores} millicores / ${wanted.memoryMiB} MiB, which no Fargate size covers (valid: ${describeFargateSizes()})`,
    );
  }
  return size;
}

export function describePlan(plan: EcsServicePlan): string {
  switch (plan.kind) {
    case "task":
      return `Fargate task of ${plan.size.cpu} CPU units / ${plan.size.memoryMiB} MiB`;
    case "rds":
      return "Amazon RDS for PostgreSQL";
    case "elasticache":
      return "Amazon ElastiCache for Memcached";
    case "not-on-fargate":
      return "not run on Fargate";
  }
}

/**
 * Rolling deployments from the model's update policy. Start-first keeps every task serving (minimum 100 %)
 * and adds about `parallelism` tasks at a time; stop-first (a single writer on a persistent volume) stops the
 * old task before the new one starts, which needs a minimum below 100 %.
 */
export function deploymentPercents(
  service: ServiceSpec,
  replicas: number,
): { minimumHealthyPercent: number; maximumPercent: number } {
  const update = updatePolicyOf(service);
  const step = Math.ceil((100 * update.parallelism) / replicas);
  return update.order === "start-first"
    ? { minimumHealthyPercent: 100, maximumPercent: Math.min(200, 100 + step) }
    : { minimumHealthyPercent: Math.max(0, 100 - step), maximumPercent: 100 };
}
