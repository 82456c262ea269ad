import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sDropAllCapabilities = resourceRule({
  id: "ARGO-K8S-DROP-CAPABILITIES",
  explanation: "containers drop all Linux capabilities (NET_RAW among them) and add back none they do not need",
  level: "error",
  scannerIds: ["CKV_K8S_28", "CKV_K8S_37"],
  resourceType: KUBERNETES_WORKLOADS,
  findings: (attributes) =>
    kubernetesContainers(attributes)
      .filter(({ container }) => {
        const dropped: string[] = single(single(container.security_context)?.capabilities)?.drop ?? [];
        return !dropped.includes("ALL");
      })
      .map(({ container, workload }) => `${workload}/${container.name} keeps the default capabilities`),
});
