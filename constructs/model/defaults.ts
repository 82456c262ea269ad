import type { HealthCheck, ResourceSpec, RestartPolicy, ServiceSpec, TalksTo, UpdatePolicy } from "./types";

/** Three failed checks in a row make an instance unhealthy: what Docker, Kubernetes and the ALB used before. */
export const DEFAULT_HEALTH_FAILURE_THRESHOLD = 3;
/** Failed checks in the first 10 s after a start do not count (the start period Docker used before). */
export const DEFAULT_HEALTH_START_PERIOD_SEC = 10;

/** The most CPU a service may use, in millicores: the model's limit, by default what it is given. */
export function cpuLimitOf(resources: ResourceSpec): number {
  return resources.cpuLimitMillicores ?? resources.cpuMillicores;
}

/** The check's failure threshold and start period, with the model's defaults. */
export function healthTimingOf(check: HealthCheck): { failureThreshold: number; startPeriodSec: number } {
  return {
    failureThreshold: check.failureThreshold ?? DEFAULT_HEALTH_FAILURE_THRESHOLD,
    startPeriodSec: check.startPeriodSec ?? DEFAULT_HEALTH_START_PERIOD_SEC,
  };
}

/**
 * Rolling updates that fail fast and roll back on their own. The sources waited ten minutes (Nomad's
 * progress deadline) before reverting a broken release; here the first new instance that crashes past its
 * restart policy, or is not healthy within two minutes, fails the rollout (failFast), which then rolls back.
 */
export const DEFAULT_UPDATE_POLICY: UpdatePolicy = {
  parallelism: 1,
  order: "start-first",
  delaySec: 10,
  minHealthySec: 10,
  healthyDeadlineSec: 120,
  progressDeadlineSec: 180,
  autoRollback: true,
  failFast: true,
  canaries: 0,
  autoPromote: false,
};

/**
 * The thesis' Swarm restart policy (any exit, at most 5 attempts in 2 minutes), restarting 3 s apart instead of
 * 5 so a killed instance is back sooner; 5 attempts still span about 20 s of a dependency's start.
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  delaySec: 3,
  maxAttempts: 5,
  windowSec: 120,
};

export function updatePolicyOf(service: ServiceSpec): UpdatePolicy {
  return { ...DEFAULT_UPDATE_POLICY, ...service.update };
}

export function restartPolicyOf(service: ServiceSpec): RestartPolicy {
  return { ...DEFAULT_RESTART_POLICY, ...service.restart };
}

export function talksToKind(edge: TalksTo): "call" | "scrape" {
  return edge.kind ?? "call";
}
