import {
  selectApplication,
  type AddProblem,
  type Application,
  type ApplicationSelection,
  type Problem,
} from "../model";
import { checkBindings } from "./bindings";
import { CLOUDWATCH_RETENTION_DAYS, planSubnets } from "./subnet-plan";
import type { AwsTargetBase } from "./target";

/** What validating an AWS target reads of the environment around it. */
export interface AwsTargetContext {
  readonly name: string;
  readonly application: Application;
  readonly selection: ApplicationSelection;
}

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** Cluster, bucket and role names derived from these must stay valid DNS-style names (EKS and ECS). */
export const RESOURCE_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Problems shared by every AWS target: region, network plan, certificate, retention, database choice. */
export function validateAwsTarget(
  target: AwsTargetBase,
  field: "eks" | "ecs",
  env: AwsTargetContext,
  add: AddProblem,
): void {
  if (!AWS_REGION.test(target.region))
    add(`${field}.region`, `"${target.region}" is not an AWS region such as eu-west-1`);
  target.network.availabilityZones.forEach((zone, i) => {
    if (!zone.startsWith(target.region) || !/^[a-z]$/.test(zone.slice(target.region.length))) {
      add(
        `${field}.network.availabilityZones[${i}]`,
        `"${zone}" is not an availability zone of ${target.region} (expected e.g. ${target.region}a)`,
      );
    }
  });
  const plan = planSubnets(target.network, `environments.${env.name}.${field}.network`);
  if (Array.isArray(plan))
    plan.forEach((p: Problem) => add(p.path.slice(`environments.${env.name}.`.length), p.message));

  const certificate = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/.exec(target.certificateArn);
  if (!certificate) {
    add(
      `${field}.certificateArn`,
      `"${target.certificateArn}" is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
    );
  } else if (certificate[1] !== target.region) {
    add(
      `${field}.certificateArn`,
      `the certificate is in ${certificate[1]}, but the load balancer is in ${target.region}; an ALB can only use a certificate of its own region`,
    );
  }
  for (const [path, days] of [
    ["logRetentionDays", target.logRetentionDays],
    ["network.flowLogRetentionDays", target.network.flowLogRetentionDays],
  ] as const) {
    if (!CLOUDWATCH_RETENTION_DAYS.includes(days)) {
      add(
        `${field}.${path}`,
        `${days} is not a CloudWatch retention period (allowed: ${CLOUDWATCH_RETENTION_DAYS.join(", ")})`,
      );
    }
  }
  checkBindings(selectApplication(env.application, env.selection), target, field, add);
  const acl = target.webAcl;
  if (acl?.kind === "off" && !acl.reason?.trim()) {
    add(`${field}.webAcl.reason`, "is empty: say why this load balancer runs without a web application firewall");
  }
  if (acl?.kind === "managed-rules" && acl.ruleGroups) {
    if (acl.ruleGroups.length === 0)
      add(
        `${field}.webAcl.ruleGroups`,
        'is empty: list AWS managed rule groups, or use { kind: "off", reason } to run without a firewall',
      );
    acl.ruleGroups.forEach((group, i) => {
      if (!/^AWSManagedRules[A-Za-z0-9]+$/.test(group))
        add(
          `${field}.webAcl.ruleGroups[${i}]`,
          `"${group}" is not the name of an AWS managed rule group (e.g. AWSManagedRulesCommonRuleSet)`,
        );
      else if (acl.ruleGroups!.indexOf(group) !== i)
        add(`${field}.webAcl.ruleGroups[${i}]`, `"${group}" is listed twice`);
    });
  }
  for (const key of Object.keys(target.tags ?? {})) {
    if (key.startsWith("aws:")) add(`${field}.tags.${key}`, `tag keys starting with "aws:" are reserved by AWS`);
  }
}
