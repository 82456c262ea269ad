import type { Application, ServiceSpec } from "../model";
import { dnsSdPrometheusConfig } from "../prometheus-dns-sd";

/**
 * Prometheus on Swarm: one scrape job per scraped service, resolving `tasks.<service>` so that every running
 * replica (and every node of a global service) is a target, not the one address of the service's VIP.
 */
export function swarmPrometheusConfig(app: Application, collector: ServiceSpec, namespace: string): string {
  return dnsSdPrometheusConfig(app, collector, { nameOf: (service) => `tasks.${namespace}_${service}` });
}
