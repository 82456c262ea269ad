import type { Problem } from "./problems";
import type { Application, ServiceSpec } from "./types";

/** A name reserved only in some services (those for which the platform adds an object of that name). */
export interface ReservedFor {
  readonly use: string;
  readonly onlyFor: (service: ServiceSpec) => boolean;
}

/**
 * Names a platform gives its own objects beside the application's (construct ids, volume names), so an
 * application deployed there may not use them: each maps to what the platform already calls that. A name may
 * contain `{service}` (the service's own name) and end in `*` (any continuation).
 */
export interface ReservedNames {
  readonly services?: Readonly<Record<string, string>>;
  /** Volume names inside one service's task or pod. */
  readonly volumes?: Readonly<Record<string, string | ReservedFor>>;
  readonly zones?: Readonly<Record<string, string>>;
}

/** What `name` collides with among `reserved` (for a service `service`), if anything. */
export function reservedUse(
  reserved: Readonly<Record<string, string | ReservedFor>> | undefined,
  name: string,
  service?: ServiceSpec,
): string | undefined {
  for (const [pattern, entry] of Object.entries(reserved ?? {})) {
    if (typeof entry !== "string" && !(service && entry.onlyFor(service))) continue;
    const use = typeof entry === "string" ? entry : entry.use;
    const expanded = pattern.replace(/\{service\}/g, service?.name ?? "");
    const matches = expanded.endsWith("*") ? name.startsWith(expanded.slice(0, -1)) : name === expanded;
    if (matches) return use;
  }
  return undefined;
}

/**
 * Every service, volume and zone of `app` that uses a name `platform` reserves. Without this check synth
 * crashes with a construct-tree error, or renders two volumes of one name.
 */
export function reservedNameProblems(app: Application, platform: string, reserved: ReservedNames): Problem[] {
  const problems: Problem[] = [];
  const rename = (kind: "service" | "volume" | "zone", name: string, use: string, service?: ServiceSpec) => {
    const names = Object.entries(reserved[`${kind}s`] ?? {})
      .filter(([, entry]) => typeof entry === "string" || (service && entry.onlyFor(service)))
      .map(([n]) => n.replace(/\{service\}/g, service?.name ?? ""));
    return `"${name}" is reserved on ${platform}: ${use} has that name, and synth would make two objects of it (expected a ${kind} name other than ${names.join(", ")})`;
  };
  app.services.forEach((service) => {
    const use = reservedUse(reserved.services, service.name);
    if (use) problems.push({ path: `services.${service.name}.name`, message: rename("service", service.name, use) });
    (service.volumes ?? []).forEach((volume, j) => {
      const volumeUse = reservedUse(reserved.volumes, volume.name, service);
      if (volumeUse)
        problems.push({
          path: `services.${service.name}.volumes[${j}].name`,
          message: rename("volume", volume.name, volumeUse, service),
        });
    });
  });
  app.zones.forEach((zone) => {
    const use = reservedUse(reserved.zones, zone.name);
    if (use) problems.push({ path: `zones.${zone.name}.name`, message: rename("zone", zone.name, use) });
  });
  return problems;
}

/** The services the observability generators write configuration files for (constructs/observability/files.ts). */
export const hasConfigFiles = (service: ServiceSpec): boolean =>
  Boolean(
    service.collectsMetrics ||
    service.receivesAlerts ||
    service.storesLogs ||
    service.collectsLogs ||
    service.dashboards,
  );
