import { portNamed, type Application } from "../model";
import { alloyKubernetesConfig, type ObservabilityPlatform } from "../observability";
import { APP_LABEL_META, kubernetesPrometheusConfig } from "./prometheus-config";

/** Environment variable the log collector finds its own node's name in (downward API `spec.nodeName`). */
export const NODE_NAME_ENV = "NODE_NAME";

/**
 * Observability on Kubernetes: Prometheus discovers pods through the API; callers reach the stores at their
 * Service DNS names; the log collector (a DaemonSet) reads the logs of the pods on its own node through the
 * Kubernetes API and takes the service name from the pod's `app.kubernetes.io/name` label.
 */
export function kubernetesObservability(app: Application, namespace: string): ObservabilityPlatform {
  return {
    endpoint: (_caller, target, port) => ({ host: `${target.name}.${namespace}.svc.cluster.local`, port: portNamed(target, port).containerPort }),
    prometheusConfig: (collector, ruleFiles, alertmanagers) => ({
      id: "config",
      path: collector.collectsMetrics!.configFile,
      content: kubernetesPrometheusConfig(app, collector, namespace, ruleFiles, alertmanagers),
    }),
    logCollectorConfig: (_collector, pushUrl) => alloyKubernetesConfig(namespace, APP_LABEL_META, pushUrl, NODE_NAME_ENV),
    alerting: {
      noRunningInstancesReason:
        "it exports no metrics, and the cluster runs nothing that counts a workload's ready pods for Prometheus (no kube-state-metrics); its probes and the Deployment's status still report it",
    },
  };
}
