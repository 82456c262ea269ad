import { internetFacingIngressAnnotations } from "./alb-web-acl";
import { attributesOfType, labelOf } from "./resource-attributes";
import { single } from "./workloads";
import type { PolicyRule } from "./rule";

/** The ALB attributes an Ingress asks the AWS Load Balancer Controller for, by name. */
export function ingressLoadBalancerAttributes(annotations: Readonly<Record<string, string>>): Map<string, string> {
  const text = annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] ?? "";
  return new Map(
    text
      .split(",")
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as [string, string]),
  );
}

export const albAccessLogs: PolicyRule = {
  id: "ARGO-ALB-ACCESS-LOGS",
  explanation: "load balancers write access logs, the record of who reached the public entrypoint",
  level: "error",
  scannerIds: ["CKV_AWS_91"],
  check(node) {
    const lb = attributesOfType(node, "aws_lb");
    if (lb) {
      const logs = single(lb.access_logs);
      return logs?.bucket && logs.enabled !== false ? [] : [`load balancer ${labelOf(node, lb)} writes no access logs`];
    }
    // The controller's ALB is configured through the Ingress' annotations, which checkov does not read.
    const ingress = internetFacingIngressAnnotations(node);
    if (!ingress) return [];
    const attributes = ingressLoadBalancerAttributes(ingress.annotations);
    return attributes.get("access_logs.s3.enabled") === "true" && attributes.get("access_logs.s3.bucket")
      ? []
      : [
          `Ingress ${ingress.name} asks for no access logs (load-balancer-attributes without access_logs.s3.enabled=true and a bucket)`,
        ];
  },
};
