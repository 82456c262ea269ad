import { resourceRule } from "./rule";
import { resolved, siblingsOfType } from "./vpc-flow-logs";

export const vpcDefaultSecurityGroupClosed = resourceRule({
  id: "ARGO-VPC-DEFAULT-SG-CLOSED",
  explanation: "the VPC's default security group allows nothing, so a resource created without a group is isolated",
  level: "error",
  scannerIds: ["CKV2_AWS_12"],
  resourceType: "aws_vpc",
  findings(attributes, node) {
    const vpcId = resolved(node, (node as unknown as { id: string }).id);
    const group = siblingsOfType(node, "aws_default_security_group").find((g) => resolved(node, g.vpc_id) === vpcId);
    if (!group)
      return [
        `VPC ${attributes.tags?.Name ?? node.node.path} leaves its default security group open (no aws_default_security_group)`,
      ];
    const rules = [...(group.ingress ?? []), ...(group.egress ?? [])];
    return rules.length
      ? [`the default security group of VPC ${attributes.tags?.Name} has ${rules.length} rule(s)`]
      : [];
  },
});
