import { attributesOfType } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const efsEncrypted: PolicyRule = {
  id: "ARGO-EFS-ENCRYPTED",
  explanation: "EFS file systems are encrypted at rest with a customer-managed KMS key",
  level: "error",
  scannerIds: ["CKV_AWS_42", "CKV_AWS_184"],
  check(node) {
    const fs = attributesOfType(node, "aws_efs_file_system");
    if (!fs) return [];
    if (fs.encrypted !== true) return [`file system ${node.node.path} is not encrypted`];
    return fs.kms_key_id
      ? []
      : [`file system ${node.node.path} is encrypted with the AWS-managed key, not a customer-managed one`];
  },
};
