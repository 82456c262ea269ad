import { unknownName, type Problem } from "./problems";
import type { Application } from "./types";

/** What services provide (`provides`): a port of their own, a declared secret, the TLS reason when clients lack it. */
export function validateProvides(app: Application): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const secrets = app.secrets.map((s) => s.name);
  for (const service of app.services) {
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
