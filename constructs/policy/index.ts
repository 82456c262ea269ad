import { Annotations, Aspects, type IAspect, type IConstruct } from "../cdktf";
import { healthCheckRequired } from "./health-check-required";
import { imageTagPinned } from "./image-tag-pinned";
import { noLiteralSecret } from "./no-literal-secret";
import { resourcesRequired } from "./resources-required";
import { suppressionOf, type PolicyRule } from "./rule";

export { suppressRule, type PolicyRule } from "./rule";
export { imageTagPinned, healthCheckRequired, resourcesRequired, noLiteralSecret };

export const ALL_RULES: readonly PolicyRule[] = [imageTagPinned, healthCheckRequired, resourcesRequired, noLiteralSecret];

/** Runs every rule on every construct of the tree it is added to; errors make synth fail. */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[] = ALL_RULES) {}

  visit(node: IConstruct): void {
    for (const rule of this.rules) {
      const findings = rule.check(node);
      if (findings.length === 0) continue;
      const reason = suppressionOf(node, rule.id);
      const annotations = Annotations.of(node);
      if (reason) {
        annotations.addInfo(`[${rule.id}] suppressed: ${reason}`);
        continue;
      }
      for (const finding of findings) {
        const message = `[${rule.id}] ${finding}: ${rule.explanation}`;
        if (rule.level === "error") annotations.addError(message);
        else annotations.addWarning(message);
      }
    }
  }
}

export function applyPolicies(scope: IConstruct, rules: readonly PolicyRule[] = ALL_RULES): void {
  Aspects.of(scope).add(new PolicyAspect(rules));
}
