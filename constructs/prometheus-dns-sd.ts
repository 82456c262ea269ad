import { Document } from "yaml";
import { edgesOf, type Application, type Edge, type ServiceSpec } from "./model";

export interface DnsSdOptions {
  /** The DNS name that resolves to every instance of a scraped service (an A record each). */
  readonly nameOf: (service: string) => string;
  /** Scrape edges to keep (those whose target runs on the platform). @default all */
  readonly include?: (edge: Edge) => boolean;
  /** How often Prometheus resolves the names again. @default Prometheus' own (30 s) */
  readonly refreshInterval?: string;
}

/** The collector's `scrape` talks-to edges. */
export function scrapeEdgesOf(app: Application, collector: ServiceSpec): Edge[] {
  return edgesOf(app).filter((e) => e.from.name === collector.name && e.kind === "scrape");
}

/**
 * A Prometheus configuration for platforms whose DNS answers a name with every instance's address (Swarm's
 * `tasks.<service>`, Cloud Map's multivalue records): one scrape job per scraped service through
 * `dns_sd_configs`, so every instance is a target, plus the collector's own metrics.
 */
export function dnsSdPrometheusConfig(app: Application, collector: ServiceSpec, options: DnsSdOptions): string {
  const self = collector.ports.find((p) => p.name === collector.metrics?.port);
  const jobs = scrapeEdgesOf(app, collector)
    .filter((e) => options.include?.(e) ?? true)
    .map((e) => ({
      job_name: e.to.name,
      metrics_path: e.to.metrics?.path ?? "/metrics",
      dns_sd_configs: [{ names: [options.nameOf(e.to.name)], type: "A", port: e.port.containerPort, ...(options.refreshInterval ? { refresh_interval: options.refreshInterval } : {}) }],
    }));
  return new Document({
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    scrape_configs: [
      ...(self && collector.metrics ? [{ job_name: collector.name, metrics_path: collector.metrics.path, static_configs: [{ targets: [`localhost:${self.containerPort}`] }] }] : []),
      ...jobs,
    ],
  }).toString();
}
