import { resourceRule } from "./rule";
import { single } from "./workloads";

export const eksSecretsEncryption = resourceRule({
  id: "ARGO-EKS-SECRETS-ENCRYPTION",
  explanation: "Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key",
  level: "error",
  scannerIds: ["CKV_AWS_58"],
  resourceType: "aws_eks_cluster",
  findings(attributes) {
    const config = single(attributes.encryption_config);
    const resources: string[] = config?.resources ?? [];
    return resources.includes("secrets") && single(config?.provider)?.key_arn
      ? []
      : [`${attributes.name} does not encrypt Secrets with a KMS key`];
  },
});
