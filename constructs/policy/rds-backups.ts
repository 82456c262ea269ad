import { resourceRule } from "./rule";

export const rdsBackups = resourceRule({
  id: "ARGO-RDS-BACKUPS",
  explanation: "databases keep automated backups, so data can be restored to a point in time",
  level: "error",
  scannerIds: ["CKV_AWS_133"],
  resourceType: "aws_db_instance",
  findings: (a) => (a.backup_retention_period > 0 ? [] : [`${a.identifier} keeps no automated backups`]),
});
