import { Document } from "yaml";
import { edgesOf, type Application, type Edge, type ServiceSpec } from "../model";

/**
 * Prometheus on ECS: one scrape job per scraped service that runs as Fargate tasks, resolving the service's
 * Cloud Map name (an A record per healthy task, answered as a multivalue response of up to 8 addresses), so
 * every task is a target rather than one address behind a load balancer.
 *
 * `runsAsTasks` tells which scrape targets exist on ECS; the rest (one-per-node exporters) are left out and
 * recorded by the caller.
 */
export function ecsPrometheusConfig(app: Application, collector: ServiceSpec, namespace: string, runsAsTasks: (service: string) => boolean): string {
  const self = collector.ports.find((p) => p.name === collector.metrics?.port);
  const jobs = scrapeEdgesOf(app, collector)
    .filter((e) => runsAsTasks(e.to.name))
    .map((e) => ({
      job_name: e.to.name,
      metrics_path: e.to.metrics?.path ?? "/metrics",
      dns_sd_configs: [{ names: [`${e.to.name}.${namespace}`], type: "A", port: e.port.containerPort, refresh_interval: "30s" }],
    }));
  return new Document({
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    scrape_configs: [
      ...(self && collector.metrics ? [{ job_name: collector.name, metrics_path: collector.metrics.path, static_configs: [{ targets: [`localhost:${self.containerPort}`] }] }] : []),
      ...jobs,
    ],
  }).toString();
}

export function scrapeEdgesOf(app: Application, collector: ServiceSpec): Edge[] {
  return edgesOf(app).filter((e) => e.from.name === collector.name && e.kind === "scrape");
}
