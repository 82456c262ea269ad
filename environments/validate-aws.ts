import { checkBindings } from "../constructs/aws/bindings";
import { CLOUDWATCH_RETENTION_DAYS, planSubnets } from "../constructs/aws/subnet-plan";
import { EKS_ADDON_VERSIONS } from "../constructs/eks/versions";
import { MAX_ADMIN_CIDRS, planEcs } from "../constructs/ecs/plan";
import { parseCidr, selectApplication, type Problem } from "../constructs/model";
import type { AwsTargetBase, EcsTarget, EksTarget, Environment } from "./types";

type Add = (path: string, message: string) => void;

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** Cluster, bucket and role names derived from these must stay valid DNS-style names. */
const RESOURCE_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Problems shared by every AWS target: region, network plan, certificate, retention, database choice. */
export function checkAwsTarget(target: AwsTargetBase, field: "eks" | "ecs", env: Environment, add: Add): void {
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

export function checkEks(eks: EksTarget, env: Environment, add: Add): void {
  checkAwsTarget(eks, "eks", env, add);
  if (!RESOURCE_NAME.test(eks.clusterName))
    add(
      "eks.clusterName",
      `"${eks.clusterName}" must be 3-32 lowercase letters, digits and dashes, starting with a letter`,
    );
  if (!/^1\.\d{2}$/.test(eks.kubernetesVersion)) {
    add("eks.kubernetesVersion", `"${eks.kubernetesVersion}" is not a Kubernetes minor version such as 1.31`);
  } else if (!EKS_ADDON_VERSIONS[eks.kubernetesVersion]) {
    add(
      "eks.kubernetesVersion",
      `${eks.kubernetesVersion} has no pinned add-on versions (pinned: ${Object.keys(EKS_ADDON_VERSIONS).join(", ")}); add them to constructs/eks/versions.ts`,
    );
  }
  if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(eks.namespace))
    add("eks.namespace", `"${eks.namespace}" is not a lowercase DNS label`);
  eks.publicEndpointCidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (typeof parsed === "string") add(`eks.publicEndpointCidrs[${i}]`, `"${cidr}" is not a valid CIDR: ${parsed}`);
    else if (parsed.prefixLength === 0)
      add(
        `eks.publicEndpointCidrs[${i}]`,
        `${cidr} opens the Kubernetes API to the whole internet; list the ranges that need it, or none to keep the endpoint private`,
      );
  });
  if (eks.clusterAdminArns.length === 0) {
    add(
      "eks.clusterAdminArns",
      "is empty: no one could administer the cluster; list the IAM roles or users that get cluster-admin",
    );
  }
  eks.clusterAdminArns.forEach((arn, i) => {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(arn)) {
      add(`eks.clusterAdminArns[${i}]`, `"${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)`);
    }
  });
  const group = eks.nodeGroup;
  if (group.instanceTypes.length === 0)
    add("eks.nodeGroup.instanceTypes", "is empty; name at least one instance type such as m6i.large");
  group.instanceTypes.forEach((type, i) => {
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type))
      add(`eks.nodeGroup.instanceTypes[${i}]`, `"${type}" is not an EC2 instance type such as m6i.large`);
  });
  for (const key of ["minSize", "maxSize", "desiredSize", "diskGiB"] as const) {
    if (!Number.isInteger(group[key]) || group[key] < (key === "minSize" ? 0 : 1))
      add(`eks.nodeGroup.${key}`, `must be a positive whole number (got ${group[key]})`);
  }
  if (!(group.minSize <= group.desiredSize && group.desiredSize <= group.maxSize)) {
    add(
      "eks.nodeGroup",
      `needs minSize <= desiredSize <= maxSize (got ${group.minSize} <= ${group.desiredSize} <= ${group.maxSize})`,
    );
  }
  if (group.minSize < 2)
    add(
      "eks.nodeGroup.minSize",
      `${group.minSize} leaves the cluster on a single node; use at least 2 so a node can be replaced without downtime`,
    );
}

export function checkEcsBase(ecs: EcsTarget, env: Environment, add: Add): void {
  checkAwsTarget(ecs, "ecs", env, add);
  if (!RESOURCE_NAME.test(ecs.clusterName))
    add(
      "ecs.clusterName",
      `"${ecs.clusterName}" must be 3-32 lowercase letters, digits and dashes, starting with a letter`,
    );
  if (env.eks && env.eks.clusterName === ecs.clusterName) {
    add(
      "ecs.clusterName",
      `"${ecs.clusterName}" is also eks.clusterName; both stacks name account-wide resources after it (IAM roles, KMS aliases, the database), which would clash in one account (choose e.g. "${ecs.clusterName}-ecs")`,
    );
  }
  const namespace = ecs.serviceDiscoveryNamespace;
  if (namespace !== undefined && !/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(namespace)) {
    add("ecs.serviceDiscoveryNamespace", `"${namespace}" is not a private DNS domain such as argo.internal`);
  }
  if (
    ecs.configWriterImage !== undefined &&
    !/^\S+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(ecs.configWriterImage.replace(/:latest$/, ""))
  ) {
    add(
      "ecs.configWriterImage",
      `"${ecs.configWriterImage}" is not a pinned image reference (repository:tag or repository@sha256:digest, never latest)`,
    );
  }
  (ecs.alarmSubscriptions ?? []).forEach((subscription, i) => {
    const path = `ecs.alarmSubscriptions[${i}]`;
    if (subscription.protocol === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(subscription.endpoint))
      add(`${path}.endpoint`, `"${subscription.endpoint}" is not an e-mail address`);
    else if (subscription.protocol === "https" && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(subscription.endpoint))
      add(
        `${path}.endpoint`,
        `"${subscription.endpoint}" is not an https:// URL (SNS delivers alarms over HTTPS only here)`,
      );
    else if (subscription.protocol !== "email" && subscription.protocol !== "https")
      add(`${path}.protocol`, `"${subscription.protocol}" is not email or https`);
  });
  if (env.adminCidrs.length > MAX_ADMIN_CIDRS) {
    add(
      "adminCidrs",
      `lists ${env.adminCidrs.length} ranges, but the ecs stack's admin-only ALB rules hold at most ${MAX_ADMIN_CIDRS} (an ALB rule takes 5 condition values and one is its path); merge ranges or use fewer`,
    );
  }
  for (const problem of planEcs(selectApplication(env.application, env.selection), ecs).problems)
    add(problem.path, problem.message);
}
