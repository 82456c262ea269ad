import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const cloudwatchLogEncrypted: PolicyRule = {
  id: "ARGO-LOG-ENCRYPTED",
  explanation:
    "CloudWatch log groups are encrypted with a customer-managed KMS key (application logs can carry personal data)",
  level: "error",
  scannerIds: ["CKV_AWS_158"],
  check(node) {
    const group = attributesOfType(node, "aws_cloudwatch_log_group");
    return group && !group.kms_key_id ? [`log group ${labelOf(node, group)} has no KMS key`] : [];
  },
};
