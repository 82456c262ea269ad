import type { AwsTargetBase } from "../aws/target";

/** Deploying to EKS, as an environment describes it (`Environment.eks`, composed in environments/types.ts). */
export interface EksTarget extends AwsTargetBase {
  /** @default `eks-<environment name>` */
  readonly stackName?: string;
  /** EKS cluster name. */
  readonly clusterName: string;
  /** Kubernetes minor version, e.g. `1.31`. */
  readonly kubernetesVersion: string;
  /** Ranges allowed to reach the public API endpoint; empty keeps the endpoint private only. */
  readonly publicEndpointCidrs: readonly string[];
  /** IAM roles or users given cluster-admin through EKS access entries. */
  readonly clusterAdminArns: readonly string[];
  /** The managed node group (Amazon Linux 2023) in the private subnets. */
  readonly nodeGroup: {
    readonly instanceTypes: readonly string[];
    readonly minSize: number;
    readonly maxSize: number;
    readonly desiredSize: number;
    readonly diskGiB: number;
  };
  /** Namespace of the application's workloads. */
  readonly namespace: string;
  /** Size of each persistent volume's claim (gp3, encrypted), by volume name. @default 20 GiB each */
  readonly persistentVolumeGiB?: Readonly<Record<string, number>>;
}
