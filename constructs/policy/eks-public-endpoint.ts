import { resourceRule } from "./rule";
import { single } from "./workloads";

export const eksPublicEndpoint = resourceRule({
  id: "ARGO-EKS-PUBLIC-ENDPOINT",
  explanation: "the Kubernetes API is private, or public only to listed ranges, never to the whole internet",
  level: "error",
  scannerIds: ["CKV_AWS_39", "CKV_AWS_38"],
  resourceType: "aws_eks_cluster",
  findings(attributes) {
    const vpc = single(attributes.vpc_config) ?? {};
    if (vpc.endpoint_public_access === false) return [];
    const cidrs: string[] = vpc.public_access_cidrs ?? [];
    if (cidrs.length === 0)
      return [`${attributes.name} has a public endpoint open to 0.0.0.0/0 (no public_access_cidrs)`];
    return cidrs
      .filter((c) => c === "0.0.0.0/0")
      .map(() => `${attributes.name} opens its public endpoint to 0.0.0.0/0`);
  },
});
