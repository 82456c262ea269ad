import { selectApplication, type AddProblem } from "../model";
import { RESOURCE_NAME, validateAwsTarget, type AwsTargetContext } from "../aws/validate-target";
import { MAX_ADMIN_CIDRS, planEcs } from "./plan";
import type { EcsTarget } from "./target";

/** What validating an ECS target reads of the environment around it. */
export interface EcsTargetContext extends AwsTargetContext {
  readonly adminCidrs: readonly string[];
  /** The environment's EKS target: account-wide names derive from both cluster names, which must differ. */
  readonly eks?: { readonly clusterName: string };
}

/** Every problem of an ECS target (its backend is checked with the environment's); paths start with `ecs.`. */
export function validateEcsTarget(ecs: EcsTarget, env: EcsTargetContext, add: AddProblem): void {
  validateAwsTarget(ecs, "ecs", env, add);
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
