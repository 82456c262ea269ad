import { portNamed, updatePolicyOf, type HealthCheck, type ServiceSpec } from "./model";

/** A health check in Docker's format, which Swarm services and ECS container definitions both take. */
export interface DockerHealthcheck {
  readonly test: readonly string[];
  readonly intervalSec: number;
  readonly timeoutSec: number;
  readonly retries: number;
  readonly startPeriodSec: number;
}

/**
 * The model's health check run by the container engine inside the container: HTTP with wget, TCP through
 * bash's /dev/tcp, commands as they are. The image must contain the tool (recorded in the capability reports).
 */
export function dockerHealthcheck(service: ServiceSpec, check: HealthCheck): DockerHealthcheck {
  const timing = { intervalSec: check.intervalSec, timeoutSec: check.timeoutSec, retries: 3, startPeriodSec: updatePolicyOf(service).minHealthySec };
  if (check.type === "command") return { test: ["CMD", ...check.command], ...timing };
  const port = portNamed(service, check.port).containerPort;
  if (check.type === "http") return { test: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${port}${check.path} || exit 1`], ...timing };
  return { test: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`], ...timing };
}
