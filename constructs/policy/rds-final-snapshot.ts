import { resourceRule } from "./rule";

export const rdsFinalSnapshot = resourceRule({
  id: "ARGO-RDS-FINAL-SNAPSHOT",
  explanation: "a database that is deleted anyway leaves a final snapshot",
  level: "error",
  resourceType: "aws_db_instance",
  findings: (a) => (a.skip_final_snapshot === true ? [`${a.identifier} skips its final snapshot`] : []),
});
