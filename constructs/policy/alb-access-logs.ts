import { attributesOfType, labelOf } from "./resource-attributes";
import { single } from "./workloads";
import type { PolicyRule } from "./rule";

export const albAccessLogs: PolicyRule = {
  id: "ARGO-ALB-ACCESS-LOGS",
  explanation: "load balancers write access logs, the record of who reached the public entrypoint",
  level: "error",
  scannerIds: ["CKV_AWS_91"],
  check(node) {
    const lb = attributesOfType(node, "aws_lb");
    if (!lb) return [];
    const logs = single(lb.access_logs);
    return logs?.bucket && logs.enabled !== false ? [] : [`load balancer ${labelOf(node, lb)} writes no access logs`];
  },
};
