import { resourceRule } from "./rule";

export const rdsDeletionProtection = resourceRule({
  id: "ARGO-RDS-DELETION-PROTECTION",
  explanation: "databases have deletion protection, so no apply or console click destroys them by accident",
  level: "error",
  scannerIds: ["CKV_AWS_293"],
  resourceType: "aws_db_instance",
  findings: (a) => (a.deletion_protection === true ? [] : [`${a.identifier} has no deletion protection`]),
});
