import { prometheusConfigText } from "../observability/prometheus";
import type { ObservabilityPlatform } from "../observability";
import { portNamed, requirePrimaryPort } from "../model/queries";
import type { Application, ServiceSpec } from "../model";

/** Cloud Map names answer with up to 8 task addresses; Prometheus looks again every 30 s. */
const dnsSd = (namespace: string, service: ServiceSpec, port: number) => ({
  dns_sd_configs: [{ names: [`${service.name}.${namespace}`], type: "A", port, refresh_interval: "30s" }],
});

/**
 * Observability on ECS: Prometheus finds every task of the scraped services (and the Alertmanagers) by their
 * Cloud Map names; scrape pairs whose target does not run here (one-per-node exporters) are left out. There is
 * no per-node container source for Prometheus on Fargate, so services without metrics are watched by
 * CloudWatch alarms on their running task count instead (see EcsAlarms).
 */
export function ecsObservability(
  app: Application,
  namespace: string,
  runsAsTask: (service: string) => boolean,
): ObservabilityPlatform {
  return {
    endpoint: (_caller, target, port) => ({
      host: `${target.name}.${namespace}`,
      port: portNamed(target, port).containerPort,
    }),
    prometheusConfig: (collector, ruleFiles, alertmanagers) => ({
      id: "config",
      path: collector.collectsMetrics!.configFile,
      content: prometheusConfigText({
        app,
        collector,
        include: (edge) => runsAsTask(edge.to.name),
        ruleFiles,
        alertmanagers: alertmanagers
          .filter((a) => runsAsTask(a.name))
          .map((a) => dnsSd(namespace, a, requirePrimaryPort(a).containerPort)),
        discovery: (edge) => dnsSd(namespace, edge.to, edge.port.containerPort),
      }),
    }),
    logCollectorConfig: (collector) => {
      throw new Error(`${collector.name} is a per-node collector, which does not run on Fargate`);
    },
    alerting: {
      noRunningInstancesReason:
        "Fargate gives Prometheus no per-node container metrics; a CloudWatch alarm on the service's running task count watches it instead",
    },
  };
}
