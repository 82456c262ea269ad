import { unknownName, type Problem } from "./problems";
import type { Application } from "./types";

/**
 * The decisions a service states in the model: its primary port, its health check's failure threshold and start
 * period, and what it provides (a port of its own, a
 * declared secret, the reason when its clients cannot use TLS).
 */
export function validateDecisions(app: Application): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const secrets = app.secrets.map((s) => s.name);
  for (const service of app.services) {
    if (service.primaryPort !== undefined && !service.ports.some((p) => p.name === service.primaryPort))
      add(
        `services.${service.name}.primaryPort`,
        unknownName(
          "port",
          service.primaryPort,
          service.ports.map((p) => p.name),
          "known",
          ` on service "${service.name}"`,
        ),
      );
    const check = service.healthCheck;
    if (
      check?.failureThreshold !== undefined &&
      !(Number.isInteger(check.failureThreshold) && check.failureThreshold >= 1)
    )
      add(
        `services.${service.name}.healthCheck.failureThreshold`,
        `must be a whole number of at least 1 (got ${check.failureThreshold})`,
      );
    if (check?.startPeriodSec !== undefined && !(Number.isInteger(check.startPeriodSec) && check.startPeriodSec >= 0))
      add(
        `services.${service.name}.healthCheck.startPeriodSec`,
        `must be a whole number of seconds, 0 or more (got ${check.startPeriodSec})`,
      );
    const limit = service.resources?.cpuLimitMillicores;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= service.resources!.cpuMillicores))
      add(
        `services.${service.name}.resources.cpuLimitMillicores`,
        `must be a whole number of millicores, at least cpuMillicores (${service.resources!.cpuMillicores}); got ${limit}`,
      );
    const provided = service.provides;
    if (!provided) continue;
    const path = `services.${service.name}.provides`;
    const ports = service.ports.map((p) => p.name);
    if (!ports.includes(provided.port))
      add(`${path}.port`, unknownName("port", provided.port, ports, "known", ` on service "${service.name}"`));
    if (provided.kind === "postgres-database") {
      if (!provided.databaseName) add(`${path}.databaseName`, "must not be empty (the database clients connect to)");
      if (!provided.user) add(`${path}.user`, "must not be empty (the user the database is created with)");
      if (!secrets.includes(provided.passwordSecret))
        add(`${path}.passwordSecret`, unknownName("secret", provided.passwordSecret, secrets));
    }
    if (!provided.clientTls.supported && !provided.clientTls.reason.trim())
      add(
        `${path}.clientTls.reason`,
        "must say why the clients cannot use TLS (it is shown wherever a platform accepts plaintext)",
      );
  }
  return problems;
}
