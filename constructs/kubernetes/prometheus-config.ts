import { requirePrimaryPort, type Application, type ServiceSpec } from "../model";
import { prometheusConfigText } from "../observability/prometheus";
import { APP_LABEL } from "./pod-spec";

/** The pod label as Prometheus' Kubernetes discovery names it (`app.kubernetes.io/name` → `..._app_kubernetes_io_name`). */
export const APP_LABEL_META = `__meta_kubernetes_pod_label_${APP_LABEL.replace(/[^a-zA-Z0-9]/g, "_")}`;

/** Pods of one service in the namespace, on one named container port. */
function podsOf(namespace: string, service: string, portName: string) {
  return {
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: [APP_LABEL_META], regex: service, action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: portName, action: "keep" },
    ],
  };
}

/** The job of the kubelets' embedded cAdvisor: container series of every pod, by namespace, pod and container. */
export const KUBELET_JOB = "kubelet";
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Every node's kubelet, scraped directly on its HTTPS port with Prometheus' service account token (RBAC:
 * `nodes/metrics`, not the far stronger `nodes/proxy`), keeping only the series of the application's namespace.
 * These series count the running containers of services that export no metrics of their own.
 */
function kubeletJob(namespace: string) {
  return {
    job_name: KUBELET_JOB,
    scheme: "https",
    metrics_path: "/metrics/cadvisor",
    authorization: { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` },
    tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
    kubernetes_sd_configs: [{ role: "node" }],
    relabel_configs: [{ source_labels: ["__meta_kubernetes_node_name"], target_label: "node" }],
    metric_relabel_configs: [{ source_labels: ["namespace"], regex: namespace, action: "keep" }],
  };
}

/**
 * Prometheus on Kubernetes: one scrape job per scraped service, discovering its pods through the Kubernetes
 * API (role `pod`), so every replica and every DaemonSet pod is a target, on the named container port.
 * Alertmanagers are discovered the same way.
 */
export function kubernetesPrometheusConfig(
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
    platformJobs: [kubeletJob(namespace)],
    alertmanagers: alertmanagers.map((a) => podsOf(namespace, a.name, requirePrimaryPort(a).name)),
    discovery: (e) => {
      const pods = podsOf(namespace, e.to.name, e.port.name);
      return {
        kubernetes_sd_configs: pods.kubernetes_sd_configs,
        relabel_configs: [
          ...pods.relabel_configs,
          { source_labels: ["__meta_kubernetes_pod_name"], target_label: "instance" },
          { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
        ],
      };
    },
  });
}
