import { resourceRule } from "./rule";

const REQUIRED = ["api", "audit", "authenticator"];

export const eksControlPlaneLogs = resourceRule({
  id: "ARGO-EKS-CONTROL-PLANE-LOGS",
  explanation: "the EKS control plane logs API, audit and authenticator events, so access can be investigated",
  level: "error",
  scannerIds: ["CKV_AWS_37"],
  resourceType: "aws_eks_cluster",
  findings(attributes) {
    const enabled: string[] = attributes.enabled_cluster_log_types ?? [];
    return REQUIRED.filter((t) => !enabled.includes(t)).map((t) => `${attributes.name} does not log "${t}"`);
  },
});
