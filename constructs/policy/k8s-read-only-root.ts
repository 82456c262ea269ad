import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sReadOnlyRoot = resourceRule({
  id: "ARGO-K8S-READ-ONLY-ROOT",
  explanation: "containers have a read-only root filesystem; an image that must write says why",
  level: "error",
  scannerIds: ["CKV_K8S_22"],
  resourceType: KUBERNETES_WORKLOADS,
  findings: (attributes) =>
    kubernetesContainers(attributes)
      .filter(({ container }) => single(container.security_context)?.read_only_root_filesystem !== true)
      .map(({ container, workload }) => `${workload}/${container.name} has a writable root filesystem`),
});
