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
