import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const albDropInvalidHeaders: PolicyRule = {
  id: "ARGO-ALB-DROP-INVALID-HEADERS",
  explanation:
    "application load balancers drop invalid HTTP header fields instead of passing them to the services (request smuggling)",
  level: "error",
  scannerIds: ["CKV_AWS_131"],
  check(node) {
    const lb = attributesOfType(node, "aws_lb");
    if (!lb || (lb.load_balancer_type ?? "application") !== "application") return [];
    return lb.drop_invalid_header_fields === true
      ? []
      : [`load balancer ${labelOf(node, lb)} passes invalid header fields on`];
  },
};
