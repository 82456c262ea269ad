import { Annotations, Aspects, type IAspect, type IConstruct } from "../cdktf";
import { ec2Imdsv2 } from "./ec2-imdsv2";
import { ec2MetadataHopLimit } from "./ec2-metadata-hop-limit";
import { eksControlPlaneLogs } from "./eks-control-plane-logs";
import { eksPublicEndpoint } from "./eks-public-endpoint";
import { eksSecretsEncryption } from "./eks-secrets-encryption";
import { healthCheckRequired } from "./health-check-required";
import { imageTagPinned } from "./image-tag-pinned";
import { k8sDropAllCapabilities } from "./k8s-drop-capabilities";
import { k8sNoPrivilegeEscalation } from "./k8s-no-privilege-escalation";
import { k8sNonRoot } from "./k8s-non-root";
import { k8sNotPrivileged } from "./k8s-not-privileged";
import { k8sReadOnlyRoot } from "./k8s-read-only-root";
import { noLiteralSecret } from "./no-literal-secret";
import { rdsBackups } from "./rds-backups";
import { rdsDeletionProtection } from "./rds-deletion-protection";
import { rdsEncrypted } from "./rds-encrypted";
import { rdsFinalSnapshot } from "./rds-final-snapshot";
import { rdsMultiAz } from "./rds-multi-az";
import { rdsPrivate } from "./rds-private";
import { resourcesRequired } from "./resources-required";
import { suppressionOf, type PolicyRule } from "./rule";
import { vpcDefaultSecurityGroupClosed } from "./vpc-default-security-group";
import { vpcFlowLogs } from "./vpc-flow-logs";
import { albAccessLogs } from "./alb-access-logs";
import { albDeletionProtection } from "./alb-deletion-protection";
import { albDropInvalidHeaders } from "./alb-drop-invalid-headers";
import { albHttpsOnly } from "./alb-https-only";
import { albWebAcl } from "./alb-web-acl";
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
export {
  imageTagPinned,
  healthCheckRequired,
  resourcesRequired,
  noLiteralSecret,
  k8sNonRoot,
  k8sNoPrivilegeEscalation,
  k8sNotPrivileged,
  k8sReadOnlyRoot,
  k8sDropAllCapabilities,
  vpcFlowLogs,
  vpcDefaultSecurityGroupClosed,
  ec2Imdsv2,
  ec2MetadataHopLimit,
  eksPublicEndpoint,
  eksControlPlaneLogs,
  eksSecretsEncryption,
  rdsEncrypted,
  rdsPrivate,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsBackups,
  rdsFinalSnapshot,
};

/** VPC, EKS, EC2, RDS and Kubernetes rules: the checks a scanner (checkov) would run on the eks stack. */
export const EKS_RULES: readonly PolicyRule[] = [
  vpcFlowLogs,
  vpcDefaultSecurityGroupClosed,
  eksPublicEndpoint,
  eksControlPlaneLogs,
  eksSecretsEncryption,
  ec2Imdsv2,
  ec2MetadataHopLimit,
  rdsEncrypted,
  rdsPrivate,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsBackups,
  rdsFinalSnapshot,
  k8sNonRoot,
  k8sNoPrivilegeEscalation,
  k8sNotPrivileged,
  k8sReadOnlyRoot,
  k8sDropAllCapabilities,
];

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
  albWebAcl,
];
export {
  ecsReadOnlyRoot,
  ecsNotPrivileged,
  ecsNoPublicIp,
  ecsSeparateTaskRole,
  ecsContainerInsights,
  efsTransitEncryption,
  efsEncrypted,
};
export {
  cloudwatchLogEncrypted,
  cloudwatchLogRetention,
  cloudwatchLogRetentionYear,
  albAccessLogs,
  albDeletionProtection,
  albDropInvalidHeaders,
  albHttpsOnly,
  albWebAcl,
};

export const ALL_RULES: readonly PolicyRule[] = [
  imageTagPinned,
  healthCheckRequired,
  resourcesRequired,
  noLiteralSecret,
  ...EKS_RULES,
  ...ECS_RULES,
];

/** Runs every rule on every construct of the tree it is added to; errors make synth fail. */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[] = ALL_RULES) {}

  visit(node: IConstruct): void {
    for (const rule of this.rules) {
      const findings = rule.check(node);
      if (findings.length === 0) continue;
      const reason = suppressionOf(node, rule);
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
