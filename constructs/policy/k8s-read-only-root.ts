import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sReadOnlyRoot = resourceRule({
  id: "ARGO-K8S-READ-ONLY-ROOT",
  explanation:
    "containers have a read-only root filesystem and drop all capabilities; an image that must write says why",
  level: "error",
  scannerIds: ["CKV_K8S_22", "CKV_K8S_28", "CKV_K8S_37"],
  resourceType: KUBERNETES_WORKLOADS,
  findings(attributes) {
    return kubernetesContainers(attributes).flatMap(({ container, workload }) => {
      const context = single(container.security_context) ?? {};
      const dropped: string[] = single(context.capabilities)?.drop ?? [];
      const out: string[] = [];
      if (context.read_only_root_filesystem !== true)
        out.push(`${workload}/${container.name} has a writable root filesystem`);
      if (!dropped.includes("ALL")) out.push(`${workload}/${container.name} keeps the default capabilities`);
      return out;
    });
  },
});
