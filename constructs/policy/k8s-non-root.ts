import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sNonRoot = resourceRule({
  id: "ARGO-K8S-NON-ROOT",
  explanation: "containers run as a non-root user; an image that needs root says why",
  level: "error",
  scannerIds: ["CKV_K8S_23"],
  resourceType: KUBERNETES_WORKLOADS,
  findings: (attributes) =>
    kubernetesContainers(attributes)
      .filter(
        ({ container, pod }) =>
          single(container.security_context)?.run_as_non_root !== true && pod.run_as_non_root !== true,
      )
      .map(({ container, workload }) => `${workload}/${container.name} may run as root`),
});
