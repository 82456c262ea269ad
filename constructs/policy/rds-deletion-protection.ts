import { resourceRule } from "./rule";

export const rdsDeletionProtection = resourceRule({
  id: "ARGO-RDS-DELETION-PROTECTION",
  explanation: "databases have deletion protection, automated backups and a final snapshot",
  level: "error",
  scannerIds: ["CKV_AWS_293", "CKV_AWS_133"],
  resourceType: "aws_db_instance",
  findings(a) {
    const out: string[] = [];
    if (a.deletion_protection !== true) out.push(`${a.identifier} has no deletion protection`);
    if (!(a.backup_retention_period > 0)) out.push(`${a.identifier} keeps no automated backups`);
    if (a.skip_final_snapshot === true) out.push(`${a.identifier} skips its final snapshot`);
    return out;
  },
});
