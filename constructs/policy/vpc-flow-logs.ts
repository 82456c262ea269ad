import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "../cdktf";
import { resourceRule } from "./rule";

export const vpcFlowLogs = resourceRule({
  id: "ARGO-VPC-FLOW-LOGS",
  explanation: "every VPC logs its accepted and rejected traffic",
  level: "error",
  scannerIds: ["CKV2_AWS_11"],
  resourceType: "aws_vpc",
  findings(attributes, node) {
    const vpcId = resolved(node, (node as unknown as { id: string }).id);
    const logged = siblingsOfType(node, "aws_flow_log").some(
      (log) => resolved(node, log.vpc_id) === vpcId && log.traffic_type === "ALL",
    );
    return logged ? [] : [`VPC ${attributes.tags?.Name ?? node.node.path} has no flow log of all traffic`];
  },
});

/** Synthesized attributes of every resource of a type in the same stack. */
export function siblingsOfType(node: import("../cdktf").IConstruct, type: string): Record<string, any>[] {
  return TerraformStack.of(node)
    .node.findAll()
    .filter((c) => (c as { terraformResourceType?: string }).terraformResourceType === type)
    .map((c) => (c as unknown as { synthesizeAttributes(): Record<string, any> }).synthesizeAttributes());
}

/** A reference as Terraform will see it (`${aws_vpc.x.id}`): tokens of the same attribute compare equal. */
export function resolved(node: import("../cdktf").IConstruct, value: unknown): unknown {
  return Tokenization.resolve(value, {
    scope: TerraformStack.of(node),
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
}
