import { healthTimingOf, portNamed, type HealthCheck, type ProbeTool, type ServiceSpec } from "./model";

/** A health check in Docker's format, which Swarm services and ECS container definitions both take. */
export interface DockerHealthcheck {
  readonly test: readonly string[];
  readonly intervalSec: number;
  readonly timeoutSec: number;
  readonly retries: number;
  readonly startPeriodSec: number;
}

/** The in-container program of an image (the model's `image.probeTool`). */
export const probeToolOf = (service: ServiceSpec): ProbeTool => service.image.probeTool ?? "wget";

/**
 * The model's health check run by the container engine inside the container, with the program the image
 * contains: HTTP through wget, curl or a request bash writes over /dev/tcp; TCP through bash's /dev/tcp;
 * commands as they are.
 */
export function dockerHealthcheck(service: ServiceSpec, check: HealthCheck): DockerHealthcheck {
  const { failureThreshold, startPeriodSec } = healthTimingOf(check);
  const timing = {
    intervalSec: check.intervalSec,
    timeoutSec: check.timeoutSec,
    retries: failureThreshold,
    startPeriodSec,
  };
  if (check.type === "command") return { test: ["CMD", ...check.command], ...timing };
  const port = portNamed(service, check.port).containerPort;
  if (check.type === "tcp") return { test: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`], ...timing };
  const url = `http://127.0.0.1:${port}${check.path}`;
  switch (probeToolOf(service)) {
    case "wget":
      return { test: ["CMD-SHELL", `wget -q -O /dev/null ${url} || exit 1`], ...timing };
    case "curl":
      return { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", url], ...timing };
    case "bash":
      return { test: ["CMD", "bash", "-c", bashHttpProbe(port, check.path)], ...timing };
  }
}

/** An HTTP/1.0 GET written by bash itself; healthy on a 2xx or 3xx status line (what wget accepts too). */
export function bashHttpProbe(port: number, path: string): string {
  return [
    `exec 3<>/dev/tcp/127.0.0.1/${port}`,
    `printf 'GET ${path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3`,
    "read -r status <&3",
    'case "$status" in "HTTP/1."?" "[23]*) exit 0 ;; *) exit 1 ;; esac',
  ].join("; ");
}

/** How the check runs, for capability records. */
export function describeProbe(service: ServiceSpec): string {
  const check = service.healthCheck;
  if (!check || check.type === "command") return "the model's command";
  if (check.type === "tcp") return "bash's /dev/tcp";
  const tool = probeToolOf(service);
  return tool === "bash" ? "an HTTP request written by bash (the image has no wget or curl)" : `the image's ${tool}`;
}
