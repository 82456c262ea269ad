/**
 * Versions of everything the eks stack installs, in one place. Add-on builds differ per Kubernetes minor
 * version: a cluster version without an entry here is refused by validation rather than left to "latest".
 * List candidates with `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`.
 */
export const EKS_ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<EksAddonName, string>>>> = {
  "1.31": {
    "vpc-cni": "v1.19.0-eksbuild.1",
    coredns: "v1.11.3-eksbuild.1",
    "kube-proxy": "v1.31.2-eksbuild.3",
    "aws-ebs-csi-driver": "v1.37.0-eksbuild.1",
    // Horizontal Pod Autoscalers read CPU from the metrics API, which EKS does not serve without it.
    "metrics-server": "v0.7.2-eksbuild.1",
  },
};

export type EksAddonName = "vpc-cni" | "coredns" | "kube-proxy" | "aws-ebs-csi-driver" | "metrics-server";

/** The AWS Load Balancer Controller: Helm chart and the IAM policy published with the same release. */
export const LOAD_BALANCER_CONTROLLER = {
  chartRepository: "https://aws.github.io/eks-charts",
  chart: "aws-load-balancer-controller",
  chartVersion: "1.11.0",
  appVersion: "v2.11.0",
  iamPolicyUrl:
    "https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v2.11.0/docs/install/iam_policy.json",
  /** SHA-256 of that file; the plan fails if the download differs. */
  iamPolicySha256: "c2e3bf2d59df4247d14bcc7373a9776c3a963fda1d71aa12e30af44966378ab5",
} as const;
