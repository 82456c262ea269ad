import { resourceRule } from "./rule";

export const rdsEncrypted = resourceRule({
  id: "ARGO-RDS-ENCRYPTED",
  explanation: "databases are encrypted at rest with a customer-managed KMS key",
  level: "error",
  scannerIds: ["CKV_AWS_16"],
  resourceType: "aws_db_instance",
  findings: (a) =>
    a.storage_encrypted === true && a.kms_key_id ? [] : [`${a.identifier} is not encrypted with a KMS key`],
});
