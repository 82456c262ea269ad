import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sNonRoot = resourceRule({
  id: "ARGO-K8S-NON-ROOT",
  explanation: "containers run as a non-root user without privilege escalation; an image that needs root says why",
  level: "error",
  scannerIds: ["CKV_K8S_23", "CKV_K8S_20", "CKV_K8S_16"],
  resourceType: KUBERNETES_WORKLOADS,
  findings(attributes) {
    return kubernetesContainers(attributes).flatMap(({ container, pod, workload }) => {
      const context = single(container.security_context) ?? {};
      const out: string[] = [];
      if (context.run_as_non_root !== true && pod.run_as_non_root !== true)
        out.push(`${workload}/${container.name} may run as root`);
      if (context.allow_privilege_escalation !== false)
        out.push(`${workload}/${container.name} allows privilege escalation`);
      if (context.privileged === true) out.push(`${workload}/${container.name} is privileged`);
      return out;
    });
  },
});
