import { resourceRule } from "./rule";

export const rdsPrivate = resourceRule({
  id: "ARGO-RDS-PRIVATE",
  explanation: "databases are never publicly accessible",
  level: "error",
  scannerIds: ["CKV_AWS_17"],
  resourceType: "aws_db_instance",
  findings: (a) => (a.publicly_accessible === false ? [] : [`${a.identifier} is publicly accessible`]),
});
