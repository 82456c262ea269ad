import type { IConstruct } from "../cdktf";

export type Level = "error" | "warning";

/** One policy rule: an id, why it matters, how serious it is, and a check over one construct. */
export interface PolicyRule {
  readonly id: string;
  /** One line: what the rule requires and why. */
  readonly explanation: string;
  readonly level: Level;
  /** Matching ids of well-known scanners, where one exists. */
  readonly scannerIds?: readonly string[];
  /** Findings on this construct only (not its children), as messages naming the offending value. */
  check(node: IConstruct): string[];
}

const suppressions = new WeakMap<IConstruct, Map<PolicyRule, string>>();

/**
 * Exempts one construct from one rule, named by the rule object (so a suppression cannot name a rule that does
 * not exist, and waives exactly that one). A written reason is required; it is reported at synth as
 * information, so every exception stays visible.
 */
export function suppressRule(node: IConstruct, rule: PolicyRule, reason: string): void {
  if (!reason.trim()) {
    throw new Error(`suppressing ${rule.id} on ${node.node.path} needs a reason (got an empty string)`);
  }
  const forNode = suppressions.get(node) ?? new Map<PolicyRule, string>();
  forNode.set(rule, reason.trim());
  suppressions.set(node, forNode);
}

export function suppressionOf(node: IConstruct, rule: PolicyRule): string | undefined {
  return suppressions.get(node)?.get(rule);
}

/**
 * A rule over the synthesized attributes of one Terraform resource type: most scanner checks have this shape.
 * `findings` returns what is wrong, each naming the offending value.
 */
export function resourceRule(
  rule: Omit<PolicyRule, "check"> & {
    readonly resourceType: string | readonly string[];
    findings(attributes: Record<string, any>, node: IConstruct): string[];
  },
): PolicyRule {
  const types = typeof rule.resourceType === "string" ? [rule.resourceType] : rule.resourceType;
  return {
    id: rule.id,
    explanation: rule.explanation,
    level: rule.level,
    scannerIds: rule.scannerIds,
    check(node) {
      const type = (node as { terraformResourceType?: string }).terraformResourceType;
      if (!type || !types.includes(type)) return [];
      const attributes = (node as unknown as { synthesizeAttributes?(): Record<string, any> }).synthesizeAttributes?.();
      return attributes ? rule.findings(attributes, node) : [];
    },
  };
}
