import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { EfsFileSystem } from "@cdktf/provider-aws/lib/efs-file-system";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { App, Testing, TerraformStack } from "../../constructs/cdktf";
import { applyPolicies, ecsReadOnlyRoot, suppressRule } from "../../constructs/policy";

function awsStack() {
  const app = Testing.app() as App;
  const stack = new TerraformStack(app, "aws-policy-test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  applyPolicies(stack);
  const synth = () => {
    try {
      app.synth();
      return "";
    } catch (error) {
      return String(error);
    }
  };
  return { stack, synth };
}

const container = (overrides: Record<string, unknown> = {}) => ({
  name: "web",
  image: "nginx:1.27.1",
  essential: true,
  cpu: 256,
  memory: 512,
  environment: [{ name: "MODE", value: "production" }],
  healthCheck: { command: ["CMD", "true"] },
  readonlyRootFilesystem: true,
  privileged: false,
  ...overrides,
});

function taskDefinition(
  stack: TerraformStack,
  containers: object[],
  options: { sameRoles?: boolean; efsTransit?: string } = {},
) {
  return new EcsTaskDefinition(stack, "task", {
    family: "web",
    cpu: "256",
    memory: "512",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    executionRoleArn: "arn:aws:iam::111122223333:role/web-execution",
    taskRoleArn: options.sameRoles
      ? "arn:aws:iam::111122223333:role/web-execution"
      : "arn:aws:iam::111122223333:role/web-task",
    containerDefinitions: JSON.stringify(containers),
    volume: options.efsTransit
      ? [
          {
            name: "data",
            efsVolumeConfiguration: { fileSystemId: "fs-12345678", transitEncryption: options.efsTransit },
          },
        ]
      : undefined,
  });
}

describe("ECS, ALB, log and EFS policy rules", () => {
  it("accept a hardened task definition, service, cluster, log group, file system and load balancer", () => {
    const { stack, synth } = awsStack();
    taskDefinition(stack, [container()], { efsTransit: "ENABLED" });
    new EcsService(stack, "service", {
      name: "web",
      networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: false },
    });
    new EcsCluster(stack, "cluster", { name: "c", setting: [{ name: "containerInsights", value: "enabled" }] });
    new CloudwatchLogGroup(stack, "logs", {
      name: "/ecs/web",
      retentionInDays: 365,
      kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1",
    });
    new EfsFileSystem(stack, "fs", { encrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1" });
    const lb = new Lb(stack, "lb", {
      name: "lb",
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: "logs", enabled: true },
    });
    new Wafv2WebAclAssociation(stack, "web-acl", {
      resourceArn: lb.arn,
      webAclArn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/lb/1",
    });
    new LbListener(stack, "http", {
      loadBalancerArn: "arn",
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", statusCode: "HTTP_301" } }],
    });
    new LbListener(stack, "https", {
      loadBalancerArn: "arn",
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain" } }],
    });
    expect(synth()).toBe("");
  });

  it("report every weakness of ECS resources with their checkov ids' rules", () => {
    const { stack, synth } = awsStack();
    taskDefinition(
      stack,
      [
        container({
          readonlyRootFilesystem: false,
          privileged: true,
          image: "nginx:latest",
          healthCheck: undefined,
          environment: [{ name: "DB_PASSWORD", value: "hunter2" }],
        }),
      ],
      { sameRoles: true, efsTransit: "DISABLED" },
    );
    new EcsService(stack, "service", {
      name: "web",
      networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: true },
    });
    new EcsCluster(stack, "cluster", { name: "c" });
    const message = synth();
    for (const finding of [
      "[ARGO-ECS-READ-ONLY-ROOT] container web has a writable root filesystem",
      "[ARGO-ECS-NOT-PRIVILEGED] container web is privileged",
      "[ARGO-ECS-TASK-ROLE] task definition web uses its execution role as its task role",
      "[ARGO-EFS-TRANSIT-ENCRYPTION] task definition web mounts EFS volume data without transit encryption",
      "[ARGO-ECS-NO-PUBLIC-IP] service web assigns public IP addresses to its tasks",
      "[ARGO-ECS-CONTAINER-INSIGHTS] cluster c has Container Insights off",
      '[ARGO-IMAGE-PINNED] web runs image "nginx:latest" by the moving tag latest',
      "[ARGO-HEALTH-CHECK] web has no health check",
      "[ARGO-NO-LITERAL-SECRET] web sets DB_PASSWORD to a literal value in its environment",
    ]) {
      expect(message).toContain(finding);
    }
  });

  it("report unencrypted or ever-lasting logs, unencrypted file systems and unprotected load balancers", () => {
    const { stack, synth } = awsStack();
    new CloudwatchLogGroup(stack, "forever", { name: "/ecs/forever" });
    const short = new CloudwatchLogGroup(stack, "short", {
      name: "/ecs/short",
      retentionInDays: 30,
      kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1",
    });
    new EfsFileSystem(stack, "fs", { encrypted: false });
    new Lb(stack, "lb", { name: "lb" });
    new LbListener(stack, "http", {
      loadBalancerArn: "arn",
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "forward", targetGroupArn: "arn" }],
    });
    new LbListener(stack, "https", {
      loadBalancerArn: "arn",
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-2016-08",
      defaultAction: [{ type: "forward", targetGroupArn: "arn" }],
    });
    const message = synth();
    for (const finding of [
      "[ARGO-LOG-ENCRYPTED] log group /ecs/forever has no KMS key",
      "[ARGO-LOG-RETENTION] log group /ecs/forever keeps logs forever",
      "[ARGO-EFS-ENCRYPTED] file system aws-policy-test/fs is not encrypted",
      "[ARGO-ALB-ACCESS-LOGS] load balancer lb writes no access logs",
      "[ARGO-ALB-DELETION-PROTECTION] load balancer lb has no deletion protection",
      "[ARGO-ALB-DROP-INVALID-HEADERS] load balancer lb passes invalid header fields on",
      "[ARGO-ALB-WAF] load balancer lb has no web ACL association",
      "[ARGO-ALB-HTTPS-ONLY] listener aws-policy-test/http (port 80) serves plain HTTP instead of redirecting to HTTPS",
      "[ARGO-ALB-HTTPS-ONLY] listener aws-policy-test/https (port 443) allows TLS older than 1.2 (policy ELBSecurityPolicy-2016-08)",
    ]) {
      expect(message).toContain(finding);
    }
    // Keeping logs less than a year is a warning, not an error.
    expect(message).not.toContain("ARGO-LOG-RETENTION-YEAR");
    expect(short.node.metadata.map((m) => String(m.data))).toContain(
      "[ARGO-LOG-RETENTION-YEAR] log group /ecs/short keeps logs 30 days: CloudWatch log groups keep logs for at least a year, long enough to investigate an incident found late",
    );
  });

  it("accept a writable root filesystem and an unchecked init container when given a reason", () => {
    const { stack, synth } = awsStack();
    const task = taskDefinition(stack, [
      container({ readonlyRootFilesystem: false }),
      container({ name: "init", essential: false, healthCheck: undefined }),
    ]);
    suppressRule(task, ecsReadOnlyRoot, "nginx writes its pid file under /run");
    expect(synth()).toBe("");
    expect(task.node.metadata.map((m) => String(m.data))).toContain(
      "[ARGO-ECS-READ-ONLY-ROOT] suppressed: nginx writes its pid file under /run",
    );
  });
});
