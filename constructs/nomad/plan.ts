import { edgesOf, primaryPortOf, type Application, type PortSpec, type RouteSpec, type ServiceSpec } from "../model";

/**
 * How each service is wired on Nomad + Consul, derived from the model alone:
 * - services with `call` traffic in or out join the Consul Connect mesh (bridge network + Envoy sidecar);
 *   callers reach them only through upstreams on 127.0.0.1, and intentions decide who may;
 * - a port is mapped to a host port only when something outside the mesh must reach it: Fabio (routed ports)
 *   or Prometheus scraping a service that is not in the mesh;
 * - metrics of mesh services are published through the sidecar's `expose` listener, so each instance can be
 *   scraped without opening the service itself.
 */
export interface ServicePlan {
  readonly service: ServiceSpec;
  readonly inMesh: boolean;
  /** The port registered as the Consul service (and meshed). */
  readonly primaryPort?: PortSpec;
  /** Port names mapped to dynamic host ports. */
  readonly mappedPorts: readonly string[];
  readonly upstreams: readonly Upstream[];
  readonly routes: readonly RouteSpec[];
  /** Where Prometheus finds this service's metrics, if it has any. */
  readonly metrics?: { readonly hostPortLabel: string; readonly path: string; readonly exposeFrom?: PortSpec };
}

export interface Upstream {
  readonly service: ServiceSpec;
  readonly port: PortSpec;
  readonly destinationName: string;
  readonly localBindPort: number;
}

/** Port label of the sidecar `expose` listener that serves a mesh service's metrics. */
export const METRICS_LISTENER = "metricsexpose";

/** The Consul service name of a service port: the service's name for its primary port, `name-port` otherwise. */
export function consulServiceName(service: ServiceSpec, port: PortSpec): string {
  return primaryPortOf(service)?.name === port.name ? service.name : `${service.name}-${port.name}`;
}

export function planServices(app: Application): Map<string, ServicePlan> {
  const edges = edgesOf(app).filter((e) => e.kind === "call");
  const plans = new Map<string, ServicePlan>();
  for (const service of app.services) {
    const inMesh = edges.some((e) => e.from.name === service.name || e.to.name === service.name);
    const routes = app.routes.filter((r) => r.service === service.name);
    const mapped = new Set(routes.map((r) => r.port));
    if (!inMesh) service.ports.forEach((p) => mapped.add(p.name));

    const taken = new Set(service.ports.map((p) => p.containerPort));
    const upstreams = edges
      .filter((e) => e.from.name === service.name)
      .map((e): Upstream => {
        let localBindPort = e.port.containerPort;
        while (taken.has(localBindPort)) localBindPort += 1;
        taken.add(localBindPort);
        return { service: e.to, port: e.port, destinationName: consulServiceName(e.to, e.port), localBindPort };
      });

    let metrics: ServicePlan["metrics"];
    if (service.metrics) {
      const port = service.ports.find((p) => p.name === service.metrics?.port);
      if (port && mapped.has(port.name)) {
        metrics = { hostPortLabel: port.name, path: service.metrics.path };
      } else if (port) {
        metrics = { hostPortLabel: METRICS_LISTENER, path: service.metrics.path, exposeFrom: port };
      }
    }
    plans.set(service.name, {
      service,
      inMesh,
      primaryPort: primaryPortOf(service),
      mappedPorts: service.ports.filter((p) => mapped.has(p.name)).map((p) => p.name),
      upstreams,
      routes,
      metrics,
    });
  }
  return plans;
}
