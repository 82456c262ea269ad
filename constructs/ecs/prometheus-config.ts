import type { Application, ServiceSpec } from "../model";
import { dnsSdPrometheusConfig } from "../prometheus-dns-sd";

export { scrapeEdgesOf } from "../prometheus-dns-sd";

/**
 * Prometheus on ECS: one scrape job per scraped service that runs as Fargate tasks, resolving the service's
 * Cloud Map name (an A record per healthy task, answered as a multivalue response of up to 8 addresses), so
 * every task is a target rather than one address behind a load balancer.
 *
 * `runsAsTasks` tells which scrape targets exist on ECS; the rest (one-per-node exporters) are left out and
 * recorded by the caller.
 */
export function ecsPrometheusConfig(app: Application, collector: ServiceSpec, namespace: string, runsAsTasks: (service: string) => boolean): string {
  return dnsSdPrometheusConfig(app, collector, {
    nameOf: (service) => `${service}.${namespace}`,
    include: (edge) => runsAsTasks(edge.to.name),
    refreshInterval: "30s",
  });
}
