import { resourceRule } from "./rule";
import { kubernetesContainers, KUBERNETES_WORKLOADS, single } from "./workloads";

export const k8sNoPrivilegeEscalation = resourceRule({
  id: "ARGO-K8S-NO-PRIVILEGE-ESCALATION",
  explanation:
    "containers may not gain privileges beyond their parent process (setuid binaries), even those that start as root",
  level: "error",
  scannerIds: ["CKV_K8S_20"],
  resourceType: KUBERNETES_WORKLOADS,
  findings: (attributes) =>
    kubernetesContainers(attributes)
      .filter(({ container }) => single(container.security_context)?.allow_privilege_escalation !== false)
      .map(({ container, workload }) => `${workload}/${container.name} allows privilege escalation`),
});
