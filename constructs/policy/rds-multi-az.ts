import { resourceRule } from "./rule";

export const rdsMultiAz = resourceRule({
  id: "ARGO-RDS-MULTI-AZ",
  explanation:
    "databases keep a standby in a second availability zone (fine to turn off outside production, hence a warning)",
  level: "warning",
  scannerIds: ["CKV_AWS_157"],
  resourceType: "aws_db_instance",
  findings: (a) => (a.multi_az === true ? [] : [`${a.identifier} runs in a single availability zone`]),
});
