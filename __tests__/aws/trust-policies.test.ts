import { synthAws, type SynthesizedAws } from "./synth";

const ecs = synthAws("ecs");
const eks = synthAws("eks");

const trustOf = (synth: SynthesizedAws, keyPart: string) => {
  const [role] = Object.entries(synth.resources("aws_iam_role")).filter(([key]) => key.includes(keyPart));
  return JSON.parse(role[1].assume_role_policy).Statement[0];
};
const ACCOUNT = "${data.aws_caller_identity.AwsAccount_caller_BC4E4DF3.account_id}";
const ARN = (service: string, resource: string) =>
  `arn:\${data.aws_partition.AwsAccount_partition_9398575A.partition}:${service}:\${data.aws_region.AwsAccount_region_AC079546.region}:${ACCOUNT}:${resource}`;

describe("service trust policies name the account (and resource) the service acts for", () => {
  it("lets VPC flow logs assume their role only for this account's flow logs, on both AWS stacks", () => {
    for (const [synth, key] of [
      [ecs, "network_flow-log-role"],
      [eks, "network_flow-log-role"],
    ] as const) {
      expect(trustOf(synth, key)).toEqual({
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnLike: { "aws:SourceArn": ARN("ec2", "vpc-flow-log/*") },
        },
      });
    }
  });

  it("lets RDS Enhanced Monitoring assume its role only for the stack's database instance", () => {
    expect(trustOf(ecs, "postgres_monitoring-role").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": ARN("rds", "db:argo-ecs-postgres") },
    });
    expect(trustOf(eks, "postgres_monitoring-role").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": ARN("rds", "db:argo-postgres") },
    });
  });

  it("lets EKS assume the cluster role only for the stack's cluster", () => {
    expect(trustOf(eks, "cluster-role")).toEqual({
      Effect: "Allow",
      Principal: { Service: "eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": ARN("eks", "cluster/argo") },
      },
    });
  });

  it("keeps ECS tasks' roles to this account's ECS, and the EC2 node role without a source condition EC2 does not send", () => {
    for (const key of ["query-api-execution-role", "query-api-task-role"]) {
      expect(trustOf(ecs, key).Condition).toEqual({
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": ARN("ecs", "*") },
      });
    }
    expect(trustOf(eks, "node-role")).toEqual({
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
  });
});
