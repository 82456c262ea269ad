import { TerraformResource, type IConstruct } from "../cdktf";
import { attributesOf } from "./workloads";

/** The synthesized attributes of `node` when it is a resource of `type`, for rules that judge one resource type. */
export function attributesOfType(node: IConstruct, type: string): Record<string, any> | undefined {
  if (!(node instanceof TerraformResource) || node.terraformResourceType !== type) return undefined;
  return attributesOf(node);
}

/** The name a finding uses for a resource: its `name` attribute when it is plain text, else its construct path. */
export function labelOf(node: IConstruct, attributes: Record<string, any>, field = "name"): string {
  const value = attributes[field];
  return typeof value === "string" && !value.includes("${") ? value : node.node.path;
}
