import { Document } from "yaml";
import { edgesOf, type Application, type ServiceSpec } from "../model";

/**
 * Prometheus on Swarm: one scrape job per scraped service, resolving `tasks.<service>` so that every running
 * replica (and every node of a global service) is a target, not the one address of the service's VIP.
 */
export function swarmPrometheusConfig(app: Application, collector: ServiceSpec, namespace: string): string {
  const self = collector.ports.find((p) => p.name === collector.metrics?.port);
  const jobs = edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "scrape")
    .map((e) => ({
      job_name: e.to.name,
      metrics_path: e.to.metrics?.path ?? "/metrics",
      dns_sd_configs: [{ names: [`tasks.${namespace}_${e.to.name}`], type: "A", port: e.port.containerPort }],
    }));
  return new Document({
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    scrape_configs: [
      ...(self && collector.metrics ? [{ job_name: collector.name, metrics_path: collector.metrics.path, static_configs: [{ targets: [`localhost:${self.containerPort}`] }] }] : []),
      ...jobs,
    ],
  }).toString();
}
