import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const cloudwatchLogRetention: PolicyRule = {
  id: "ARGO-LOG-RETENTION",
  explanation:
    "CloudWatch log groups state how long they keep logs (never expiring is a cost and privacy decision nobody made)",
  level: "error",
  scannerIds: ["CKV_AWS_66"],
  check(node) {
    const group = attributesOfType(node, "aws_cloudwatch_log_group");
    return group && !(Number(group.retention_in_days) > 0)
      ? [`log group ${labelOf(node, group)} keeps logs forever`]
      : [];
  },
};

/** Days CKV_AWS_338 expects logs to be kept. */
export const ONE_YEAR_DAYS = 365;

export const cloudwatchLogRetentionYear: PolicyRule = {
  id: "ARGO-LOG-RETENTION-YEAR",
  explanation: "CloudWatch log groups keep logs for at least a year, long enough to investigate an incident found late",
  level: "warning",
  scannerIds: ["CKV_AWS_338"],
  check(node) {
    const group = attributesOfType(node, "aws_cloudwatch_log_group");
    const days = Number(group?.retention_in_days);
    return group && days > 0 && days < ONE_YEAR_DAYS
      ? [`log group ${labelOf(node, group)} keeps logs ${days} days`]
      : [];
  },
};
