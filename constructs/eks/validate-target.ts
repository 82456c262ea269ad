import { parseCidr, type AddProblem } from "../model";
import { RESOURCE_NAME, validateAwsTarget, type AwsTargetContext } from "../aws/validate-target";
import type { EksTarget } from "./target";
import { EKS_ADDON_VERSIONS } from "./versions";

/** Every problem of an EKS target (its backend is checked with the environment's); paths start with `eks.`. */
export function validateEksTarget(eks: EksTarget, env: AwsTargetContext, add: AddProblem): void {
  validateAwsTarget(eks, "eks", env, add);
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
