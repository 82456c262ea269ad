import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const albDeletionProtection: PolicyRule = {
  id: "ARGO-ALB-DELETION-PROTECTION",
  explanation:
    "load balancers have deletion protection: the public entrypoint (and its DNS name) is not lost to a mistaken destroy",
  level: "error",
  scannerIds: ["CKV_AWS_150"],
  check(node) {
    const lb = attributesOfType(node, "aws_lb");
    return lb && lb.enable_deletion_protection !== true
      ? [`load balancer ${labelOf(node, lb)} has no deletion protection`]
      : [];
  },
};
