import { Document } from "yaml";
import { edgesOf, type Application, type Edge, type ServiceSpec } from "../model";

export interface PrometheusConfigParts {
  readonly app: Application;
  readonly collector: ServiceSpec;
  /** Further `global` settings (external labels). */
  readonly global?: Readonly<Record<string, unknown>>;
  readonly ruleFiles: readonly string[];
  /** `alerting.alertmanagers` entries, discovered the platform's way. */
  readonly alertmanagers: readonly unknown[];
  /** The platform's discovery (and relabelling) of every instance of one scraped service. */
  readonly discovery: (edge: Edge) => Readonly<Record<string, unknown>>;
  /** Scrape pairs the platform has both ends of. @default every scrape pair of the collector */
  readonly include?: (edge: Edge) => boolean;
  /** Scrape jobs of the platform itself (not services of the model), e.g. the kubelets' container metrics. */
  readonly platformJobs?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * A Prometheus configuration: itself, then one job per `scrape` pair of the model with the platform's
 * discovery, the generated rule files and the Alertmanagers. The same shape on every platform.
 */
export function prometheusConfigText(parts: PrometheusConfigParts): string {
  const { app, collector } = parts;
  const self = collector.ports.find((p) => p.name === collector.metrics?.port);
  const jobs = edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "scrape" && (parts.include?.(e) ?? true))
    .map((e) => ({ job_name: e.to.name, metrics_path: e.to.metrics?.path ?? "/metrics", ...parts.discovery(e) }));
  return new Document({
    global: { scrape_interval: "15s", evaluation_interval: "15s", ...parts.global },
    ...(parts.ruleFiles.length ? { rule_files: [...parts.ruleFiles] } : {}),
    ...(parts.alertmanagers.length ? { alerting: { alertmanagers: [...parts.alertmanagers] } } : {}),
    scrape_configs: [
      ...(self && collector.metrics
        ? [
            {
              job_name: collector.name,
              metrics_path: collector.metrics.path,
              static_configs: [{ targets: [`localhost:${self.containerPort}`] }],
            },
          ]
        : []),
      ...jobs,
      ...(parts.platformJobs ?? []),
    ],
  }).toString();
}
