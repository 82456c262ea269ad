import type { IConstruct } from "../cdktf";
import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";
import { resolved, siblingsOfType } from "./vpc-flow-logs";
import { single } from "./workloads";

/** The annotation with which the AWS Load Balancer Controller associates a WAF web ACL with an Ingress' ALB. */
export const INGRESS_WEB_ACL_ANNOTATION = "alb.ingress.kubernetes.io/wafv2-acl-arn";

/**
 * The annotations of an Ingress the AWS Load Balancer Controller turns into an internet-facing ALB, or undefined
 * for any other resource.
 */
export function internetFacingIngressAnnotations(
  node: IConstruct,
): { name: string; annotations: Record<string, string> } | undefined {
  const ingress = attributesOfType(node, "kubernetes_ingress_v1");
  if (!ingress) return undefined;
  const metadata = single(ingress.metadata) ?? {};
  const annotations: Record<string, string> = metadata.annotations ?? {};
  const className = single(ingress.spec)?.ingress_class_name ?? annotations["kubernetes.io/ingress.class"];
  if (className !== "alb" || annotations["alb.ingress.kubernetes.io/scheme"] !== "internet-facing") return undefined;
  return { name: typeof metadata.name === "string" ? metadata.name : node.node.path, annotations };
}

export const albWebAcl: PolicyRule = {
  id: "ARGO-ALB-WAF",
  explanation:
    "internet-facing application load balancers filter requests through an AWS WAF web ACL before any rule routes them",
  level: "error",
  scannerIds: ["CKV2_AWS_28"],
  check(node) {
    const lb = attributesOfType(node, "aws_lb");
    if (lb) {
      if (lb.internal === true || (lb.load_balancer_type ?? "application") !== "application") return [];
      const arn = resolved(node, (node as unknown as { arn: string }).arn);
      const associated = siblingsOfType(node, "aws_wafv2_web_acl_association").some(
        (a) => resolved(node, a.resource_arn) === arn,
      );
      return associated ? [] : [`load balancer ${labelOf(node, lb)} has no web ACL association`];
    }
    // checkov never sees the controller's ALB: the Ingress' annotation is the only place the association is made.
    const ingress = internetFacingIngressAnnotations(node);
    if (!ingress) return [];
    return ingress.annotations[INGRESS_WEB_ACL_ANNOTATION]?.trim()
      ? []
      : [`Ingress ${ingress.name} has no ${INGRESS_WEB_ACL_ANNOTATION} annotation`];
  },
};
