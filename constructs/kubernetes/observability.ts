import { portNamed, type Application } from "../model";
import { alloyKubernetesConfig, scrapedExporterOf, type ObservabilityPlatform } from "../observability";
import { APP_LABEL_META, KUBELET_JOB, kubernetesPrometheusConfig } from "./prometheus-config";

/** Environment variable the log collector finds its own node's name in (downward API `spec.nodeName`). */
export const NODE_NAME_ENV = "NODE_NAME";

/**
 * Observability on Kubernetes: Prometheus discovers pods through the API; callers reach the stores at their
 * Service DNS names; the log collector (a DaemonSet) reads the logs of the pods on its own node through the
 * Kubernetes API and takes the service name from the pod's `app.kubernetes.io/name` label; services without
 * metrics of their own are counted from the kubelets' container series.
 */
export function kubernetesObservability(
  app: Application,
  namespace: string,
  /** Services realized outside the cluster (a managed database): no containers to count. @default none */
  external: ReadonlySet<string> = new Set(),
): ObservabilityPlatform {
  const collector = app.services.find((s) => s.collectsMetrics);
  const cadvisor = collector ? scrapedExporterOf(app, collector, "container_memory_working_set_bytes") : undefined;
  return {
    endpoint: (_caller, target, port) => ({
      host: `${target.name}.${namespace}.svc.cluster.local`,
      port: portNamed(target, port).containerPort,
    }),
    prometheusConfig: (collector, ruleFiles, alertmanagers) => ({
      id: "config",
      path: collector.collectsMetrics!.configFile,
      content: kubernetesPrometheusConfig(app, collector, namespace, ruleFiles, alertmanagers),
    }),
    logCollectorConfig: (_collector, pushUrl) =>
      alloyKubernetesConfig(namespace, APP_LABEL_META, pushUrl, NODE_NAME_ENV),
    alerting: {
      // The kubelet's embedded cAdvisor exports the container families the model declares for cadvisor.
      runningInstances: cadvisor
        ? (service) =>
            external.has(service.name)
              ? undefined
              : `count(container_memory_working_set_bytes{job="${KUBELET_JOB}",namespace="${namespace}",container="${service.name}"})`
        : undefined,
      noRunningInstancesReason:
        "it exports no metrics and no container metrics are declared in the model to count its containers by",
    },
  };
}
