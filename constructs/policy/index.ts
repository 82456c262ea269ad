import { Annotations, Aspects, type IAspect, type IConstruct } from "../cdktf";
import { healthCheckRequired } from "./health-check-required";
import { imageTagPinned } from "./image-tag-pinned";
import { noLiteralSecret } from "./no-literal-secret";
import { resourcesRequired } from "./resources-required";
import { suppressionOf, type PolicyRule } from "./rule";
import { albAccessLogs } from "./alb-access-logs";
import { albDeletionProtection } from "./alb-deletion-protection";
import { albDropInvalidHeaders } from "./alb-drop-invalid-headers";
import { albHttpsOnly } from "./alb-https-only";
import { cloudwatchLogEncrypted } from "./cloudwatch-log-encrypted";
import { cloudwatchLogRetention, cloudwatchLogRetentionYear } from "./cloudwatch-log-retention";
import { ecsContainerInsights } from "./ecs-container-insights";
import { ecsNoPublicIp } from "./ecs-no-public-ip";
import { ecsNotPrivileged } from "./ecs-not-privileged";
import { ecsReadOnlyRoot } from "./ecs-read-only-root";
import { ecsSeparateTaskRole } from "./ecs-separate-task-role";
import { efsEncrypted } from "./efs-encrypted";
import { efsTransitEncryption } from "./efs-transit-encryption";

export { suppressRule, type PolicyRule } from "./rule";
export { imageTagPinned, healthCheckRequired, resourcesRequired, noLiteralSecret };

/** ECS, ALB, CloudWatch Logs and EFS rules (the AWS stacks' resources). */
export const ECS_RULES: readonly PolicyRule[] = [
  ecsReadOnlyRoot,
  ecsNotPrivileged,
  ecsNoPublicIp,
  ecsSeparateTaskRole,
  ecsContainerInsights,
  efsTransitEncryption,
  efsEncrypted,
  cloudwatchLogEncrypted,
  cloudwatchLogRetention,
  cloudwatchLogRetentionYear,
  albAccessLogs,
  albDeletionProtection,
  albDropInvalidHeaders,
  albHttpsOnly,
];
export { ecsReadOnlyRoot, ecsNotPrivileged, ecsNoPublicIp, ecsSeparateTaskRole, ecsContainerInsights, efsTransitEncryption, efsEncrypted };
export { cloudwatchLogEncrypted, cloudwatchLogRetention, cloudwatchLogRetentionYear, albAccessLogs, albDeletionProtection, albDropInvalidHeaders, albHttpsOnly };

export const ALL_RULES: readonly PolicyRule[] = [imageTagPinned, healthCheckRequired, resourcesRequired, noLiteralSecret, ...ECS_RULES];

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
