import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sNotPrivileged = resourceRule({
  id: "ARGO-K8S-NOT-PRIVILEGED",
  explanation: "containers never run privileged, which would give them the node's devices and every capability",
  level: "error",
  scannerIds: ["CKV_K8S_16"],
  resourceType: KUBERNETES_WORKLOADS,
  findings: (attributes) =>
    kubernetesContainers(attributes)
      .filter(({ container }) => single(container.security_context)?.privileged === true)
      .map(({ container, workload }) => `${workload}/${container.name} is privileged`),
});
