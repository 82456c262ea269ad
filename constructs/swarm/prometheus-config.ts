import { requirePrimaryPort, type Application, type ServiceSpec } from "../model";
import { prometheusConfigText, type ConfigFile } from "../observability";

/** Every running task of a service: Swarm's DNS name `tasks.<service>` resolves to each task's address. */
const tasksOf = (namespace: string, service: ServiceSpec, port: number) => [
  { names: [`tasks.${namespace}_${service.name}`], type: "A", port },
];

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
  return prometheusConfigText({
    app,
    collector,
    ruleFiles,
    alertmanagers: alertmanagers.map((a) => ({
      dns_sd_configs: tasksOf(namespace, a, requirePrimaryPort(a).containerPort),
    })),
    discovery: (e) => ({ dns_sd_configs: tasksOf(namespace, e.to, e.port.containerPort) }),
  });
}

export function swarmPrometheusConfigFile(
  app: Application,
  collector: ServiceSpec,
  namespace: string,
  ruleFiles: readonly string[],
  alertmanagers: readonly ServiceSpec[],
): ConfigFile {
  return {
    id: "config",
    path: collector.collectsMetrics!.configFile,
    content: swarmPrometheusConfig(app, collector, namespace, ruleFiles, alertmanagers),
  };
}
