import { ARGO } from "../constructs/model/argo";
import type { Environment, RdsBinding } from "./types";

/**
 * ARGO on AWS (seed 001's design for Sqills): EKS and ECS/Fargate side by side, in eu-west-1 over three
 * availability zones. The account number below is AWS's documentation example; a real deployment replaces it
 * (certificate, admin roles) with its own, and supplies credentials through the AWS credential chain.
 */

const REGION = "eu-west-1";
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

const POSTGRES: RdsBinding = {
  kind: "rds",
  instanceClass: "db.t4g.medium",
  engineVersion: "16.4",
  allocatedStorageGiB: 50,
  maxAllocatedStorageGiB: 200,
  backupRetentionDays: 14,
  multiAz: true,
};

export const AWS: Environment = {
  name: "aws",
  description: "ARGO on AWS: EKS and ECS/Fargate, each in its own VPC over three availability zones.",
  application: ARGO,
  selection: { optionalServices: [] },
  // The office's public range (documentation range here): the only source allowed on admin routes.
  adminCidrs: ["203.0.113.0/24"],
  backend: { kind: "s3", bucket: "argo-terraform-state-111122223333", keyPrefix: "argo", region: REGION },
  eks: {
    stackName: "eks",
    region: REGION,
    clusterName: "argo",
    kubernetesVersion: "1.31",
    network: {
      vpcCidr: "10.20.0.0/16",
      availabilityZones: ZONES,
      natGateways: "one-per-az",
      flowLogRetentionDays: 365,
    },
    publicEndpointCidrs: [],
    clusterAdminArns: ["arn:aws:iam::111122223333:role/platform-admins"],
    nodeGroup: { instanceTypes: ["m6i.large"], minSize: 3, maxSize: 6, desiredSize: 3, diskGiB: 50 },
    namespace: "argo",
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/0b5a2e8c-4c1f-4f7e-9d7a-2f4d8c6e1a3b",
    logRetentionDays: 365,
    bindings: { postgres: POSTGRES },
  },
  ecs: {
    stackName: "ecs",
    region: REGION,
    // Account-wide names (IAM roles, KMS aliases, the database identifier) derive from it: not the EKS cluster's.
    clusterName: "argo-ecs",
    network: {
      vpcCidr: "10.30.0.0/16",
      availabilityZones: ZONES,
      natGateways: "one-per-az",
      flowLogRetentionDays: 365,
    },
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/0b5a2e8c-4c1f-4f7e-9d7a-2f4d8c6e1a3b",
    logRetentionDays: 365,
    bindings: {
      postgres: POSTGRES,
      memcached: { kind: "elasticache", nodeType: "cache.t4g.small", engineVersion: "1.6.22" },
    },
  },
};
