import { talksToKind } from "./defaults";
import type { Application, PortSpec, ServiceSpec, TalksTo } from "./types";

/** Lookups over a validated application; they throw only on a model that skipped validation. */

export function serviceNamed(app: Application, name: string): ServiceSpec {
  const service = app.services.find((s) => s.name === name);
  if (!service) throw new Error(`no service "${name}" in application "${app.name}" (validate the model first)`);
  return service;
}

export function portNamed(service: ServiceSpec, name: string): PortSpec {
  const port = service.ports.find((p) => p.name === name);
  if (!port) throw new Error(`service "${service.name}" has no port "${name}" (validate the model first)`);
  return port;
}

/** The port that stands for the service (the model's `primaryPort`, by default its first); none without ports. */
export function primaryPortOf(service: ServiceSpec): PortSpec | undefined {
  return service.primaryPort === undefined ? service.ports[0] : portNamed(service, service.primaryPort);
}

/** The primary port of a service that must have one (validated: it is a callee, a store or a collector). */
export function requirePrimaryPort(service: ServiceSpec): PortSpec {
  const port = primaryPortOf(service);
  if (!port) throw new Error(`service "${service.name}" has no port (validate the model first)`);
  return port;
}

export interface Edge {
  readonly from: ServiceSpec;
  readonly to: ServiceSpec;
  readonly port: PortSpec;
  readonly kind: "call" | "scrape";
}

/** Every talks-to pair of the application, resolved to services and ports. */
export function edgesOf(app: Application): Edge[] {
  return app.services.flatMap((from) =>
    (from.talksTo ?? []).map((edge: TalksTo) => {
      const to = serviceNamed(app, edge.service);
      return { from, to, port: portNamed(to, edge.port), kind: talksToKind(edge) };
    }),
  );
}

export function isRouted(app: Application, service: ServiceSpec): boolean {
  return app.routes.some((r) => r.service === service.name);
}

/** Image reference with its pinned tag and, where given, its digest. */
export function imageRef(service: ServiceSpec): string {
  const { repository, tag, digest } = service.image;
  return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}

/**
 * Who starts after whom: each service waits for the services it calls (talks-to of kind `call`) that `include`
 * admits, so a client's first start finds its dependencies up. A call that would close a cycle adds no order:
 * those services must outlast each other's start. Services in model order, each with its callees.
 */
export function startOrder(
  app: Application,
  include: (callee: ServiceSpec) => boolean = () => true,
): Map<string, string[]> {
  const after = new Map<string, string[]>(app.services.map((s) => [s.name, []]));
  const waitsFor = (from: string, to: string): boolean => {
    const pending = [from];
    const seen = new Set<string>();
    while (pending.length) {
      const next = pending.pop()!;
      if (next === to) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      pending.push(...(after.get(next) ?? []));
    }
    return false;
  };
  for (const service of app.services) {
    for (const edge of service.talksTo ?? []) {
      const callee = app.services.find((s) => s.name === edge.service);
      if (
        talksToKind(edge) !== "call" ||
        !callee ||
        !include(callee) ||
        after.get(service.name)!.includes(callee.name) ||
        waitsFor(callee.name, service.name)
      )
        continue;
      after.get(service.name)!.push(callee.name);
    }
  }
  return after;
}

/** The user ID the service's image writes its data as (its persistent volumes' owner), when the model says. */
export function dataOwnerUidOf(service: ServiceSpec): number | undefined {
  for (const volume of service.volumes ?? [])
    if (volume.kind === "persistent" && volume.ownerUid !== undefined) return volume.ownerUid;
  return undefined;
}
