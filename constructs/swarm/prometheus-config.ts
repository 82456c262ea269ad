import { Document } from "yaml";
import { edgesOf, type Application, type ServiceSpec } from "../model";
import type { ConfigFile } from "../observability";

/** Every running task of a service: Swarm's DNS name `tasks.<service>` resolves to each task's address. */
const tasksOf = (namespace: string, service: ServiceSpec, port: number) => [{ names: [`tasks.${namespace}_${service.name}`], type: "A", port }];

/**
 * Prometheus on Swarm: one scrape job per scraped service, resolving `tasks.<service>` so that every running
 * replica (and every node of a global service) is a target, not the one address of the service's VIP.
 * Alertmanagers are discovered the same way.
 */
export function swarmPrometheusConfig(
  app: Application,
  collector: ServiceSpec,
  namespace: string,
  ruleFiles: readonly string[] = [],
  alertmanagers: readonly ServiceSpec[] = [],
): string {
  const self = collector.ports.find((p) => p.name === collector.metrics?.port);
  const jobs = edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "scrape")
    .map((e) => ({
      job_name: e.to.name,
      metrics_path: e.to.metrics?.path ?? "/metrics",
      dns_sd_configs: tasksOf(namespace, e.to, e.port.containerPort),
    }));
  return new Document({
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    ...(ruleFiles.length ? { rule_files: [...ruleFiles] } : {}),
    ...(alertmanagers.length
      ? { alerting: { alertmanagers: alertmanagers.map((a) => ({ dns_sd_configs: tasksOf(namespace, a, a.ports[0].containerPort) })) } }
      : {}),
    scrape_configs: [
      ...(self && collector.metrics ? [{ job_name: collector.name, metrics_path: collector.metrics.path, static_configs: [{ targets: [`localhost:${self.containerPort}`] }] }] : []),
      ...jobs,
    ],
  }).toString();
}

export function swarmPrometheusConfigFile(app: Application, collector: ServiceSpec, namespace: string, ruleFiles: readonly string[], alertmanagers: readonly ServiceSpec[]): ConfigFile {
  return { id: "config", path: collector.collectsMetrics!.configFile, content: swarmPrometheusConfig(app, collector, namespace, ruleFiles, alertmanagers) };
}
