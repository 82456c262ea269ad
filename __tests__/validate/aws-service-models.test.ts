/**
 * The AWS API requests of the AWS stacks, judged by botocore's service models (the pinned version, from the
 * toolchain's Python environment: `npm run toolchain`) and by IAM's policy grammar: broken requests and
 * documents are refused with the member named, and the synthesized ecs and eks stacks pass.
 */
import { synthAws } from "../aws/synth";
import { venvTool } from "../../tools/validate/programs";
import type { ResourceOf, SynthesizedStack } from "../../tools/validate/stacks";
import type { Finding } from "../../tools/validate/types";
import { mapResource } from "../../tools/validate/checks/aws-api-requests";
import {
  AWS_SERVICE_MODELS,
  BOTOCORE_VERSION,
  judgeWithoutBotocore,
  ruleQuotaProblems,
  runBotocore,
} from "../../tools/validate/checks/aws-service-models";
import { policyProblems } from "../../tools/validate/checks/iam-policy-grammar";

const python = venvTool("python");
if (!python.found) throw new Error(python.reason);
const pythonPath = python.path;

const stackOf = (resources: Record<string, Record<string, unknown>>): SynthesizedStack => ({
  name: "test",
  dir: "/nonexistent",
  config: { resource: resources as never },
});

const resource = (type: string, body: Record<string, unknown>): ResourceOf => {
  const stack = stackOf({ [type]: { r: body } });
  return { stack, type, name: "r", body, address: `${type}.r` };
};

const containerDefinitions = (definition: Record<string, unknown>) =>
  JSON.stringify([
    {
      name: "query-api",
      image: "cadeke/argo-q-api:v1.0",
      essential: true,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "${aws_cloudwatch_log_group.logs.name}" },
      },
      ...definition,
    },
  ]);

const taskDefinition = (definition: Record<string, unknown>) =>
  resource("aws_ecs_task_definition", {
    family: "argo-query-api",
    network_mode: "awsvpc",
    requires_compatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    execution_role_arn: "${aws_iam_role.execution.arn}",
    container_definitions: containerDefinitions(definition),
  });

const botocoreSays = (r: ResourceOf) => runBotocore(pythonPath, mapResource(r)!.requests).problems.flat();

const IDENTITY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "arn:aws:logs:eu-west-1:123456789012:*" }],
};

describe("botocore's service models judge the requests", () => {
  it("runs the pinned botocore", () => {
    expect(runBotocore(pythonPath, []).version).toBe(BOTOCORE_VERSION);
  });

  it("accepts a well-formed container definition, with its references rendered", () => {
    expect(
      botocoreSays(taskDefinition({ cpu: 256, portMappings: [{ containerPort: 8080, protocol: "tcp" }] })),
    ).toEqual([]);
  });

  it("refuses a misspelled key of a container definition (the provider's JSON decoding would drop it silently)", () => {
    expect(botocoreSays(taskDefinition({ readOnlyRootFilesystem: true }))).toEqual([
      expect.stringMatching(
        /^Unknown parameter in containerDefinitions\[0\]: "readOnlyRootFilesystem", must be one of: .*readonlyRootFilesystem/,
      ),
    ]);
  });

  it("refuses a string where the API takes an integer", () => {
    expect(botocoreSays(taskDefinition({ cpu: "256" }))).toEqual([
      "Invalid type for parameter containerDefinitions[0].cpu, value: 256, type: <class 'str'>, valid types: <class 'int'>",
    ]);
  });

  it("refuses a value outside the shape's enum", () => {
    expect(botocoreSays(taskDefinition({ portMappings: [{ containerPort: 8080, protocol: "http" }] }))).toEqual([
      "containerDefinitions[0].portMappings[0].protocol: 'http' is not one of tcp, udp",
    ]);
  });

  it("maps an ALB rule's condition blocks to CreateRule's conditions and refuses an unknown action type", () => {
    const rule = resource("aws_lb_listener_rule", {
      listener_arn: "${aws_lb_listener.https.arn}",
      priority: 10,
      condition: [{ path_pattern: { values: ["/api/*"] } }, { source_ip: { values: ["203.0.113.0/24"] } }],
      action: [{ type: "forwards", target_group_arn: "${aws_lb_target_group.api.arn}" }],
    });
    expect(mapResource(rule)!.requests[0].params.Conditions).toEqual([
      { Field: "path-pattern", PathPatternConfig: { Values: ["/api/*"] } },
      { Field: "source-ip", SourceIpConfig: { Values: ["203.0.113.0/24"] } },
    ]);
    expect(botocoreSays(rule)).toEqual([
      "Actions[0].Type: 'forwards' is not one of forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response",
    ]);
  });
});

describe("what botocore's shapes do not carry", () => {
  it("reports an attribute no mapping knows, instead of dropping it from the request", () => {
    const judged = judgeWithoutBotocore([
      resource("aws_iam_role_policy", { role: "r", name: "p", policy: JSON.stringify(IDENTITY), polcy: "x" }),
    ]);
    expect(judged[0].problems).toEqual([
      "polcy: no mapping to the API request (tools/validate/checks/aws-api-requests.ts)",
    ]);
  });

  it("counts an ALB rule's condition values against the per-rule quota", () => {
    const values = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24"];
    const rule = resource("aws_lb_listener_rule", {
      listener_arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a/b/c",
      priority: 10,
      condition: [{ path_pattern: { values: ["/admin/*"] } }, { source_ip: { values } }],
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.api.arn}" }],
    });
    expect(ruleQuotaProblems(mapResource(rule)!.requests[0])).toEqual([
      "Conditions: 6 condition values, at most 5 per rule",
    ]);
  });
});

describe("IAM's policy grammar", () => {
  const statement = (s: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [s] });

  it("accepts the identity, trust and resource policies of the stacks' kinds", () => {
    expect(policyProblems(JSON.stringify(IDENTITY), "identity")).toEqual([]);
    expect(
      policyProblems(
        statement({
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        }),
        "trust",
      ),
    ).toEqual([]);
  });

  it("reports every problem of a document in one run, each with its path", () => {
    expect(
      policyProblems(
        JSON.stringify({
          Statement: [
            {
              Sid: "first-one",
              Effect: "allow",
              Principal: { Service: "ecs-tasks" },
              Action: "sts:AssumeRole",
              Resource: "*",
              Condition: {
                StringEqual: { "aws:SourceAccount": "123456789012" },
                Bool: { "aws:SecureTransport": "no" },
              },
            },
            { Effect: "Deny", Action: ["s3:*"], NotAction: "s3:GetObject", Principal: "*" },
          ],
        }),
        "trust",
      ),
    ).toEqual([
      'Version: undefined (expected "2012-10-17")',
      'Statement[0].Sid: "first-one" (expected letters and digits only)',
      'Statement[0].Effect: "allow" (expected "Allow" or "Deny")',
      'Statement[0].Principal.Service: "ecs-tasks" (expected a service principal like ecs-tasks.amazonaws.com)',
      "Statement[0].Resource: a trust policy must not name a resource",
      expect.stringMatching(
        /^Statement\[0\]\.Condition\.StringEqual: not a condition operator \(expected one of StringEquals, /,
      ),
      'Statement[0].Condition.Bool.aws:SecureTransport: "no" (expected "true" or "false" for Bool)',
      "Statement[1]: both Action and NotAction (expected exactly one)",
    ]);
  });

  it("refuses a principal in an identity policy, and a resource policy without one", () => {
    const s = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
    expect(policyProblems(statement(s), "identity")).toEqual([
      "Statement[0].Principal: a policy attached to an identity must not name a principal",
    ]);
    const { Principal: _p, ...withoutPrincipal } = s;
    expect(policyProblems(statement(withoutPrincipal), "resource")).toEqual([
      "Statement[0]: no Principal and NotPrincipal (expected exactly one)",
    ]);
    expect(policyProblems(statement({ ...withoutPrincipal, Resource: "bucket/*" }), "identity")).toEqual([
      'Statement[0].Resource: "bucket/*" (expected "*" or an ARN)',
    ]);
  });

  it("enforces the size quota of the document's kind", () => {
    const big = statement({ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${"b".repeat(3000)}` });
    expect(
      policyProblems(big, "identity", { maxCharacters: 2048, ignoresWhitespace: true, quota: "a test quota" }),
    ).toEqual([`${big.length} characters, above the 2048 of a test quota`]);
  });
});

describe("the synthesized AWS stacks", () => {
  it.each(["ecs", "eks"] as const)(
    "%s: every mapped request passes botocore and every policy document the grammar",
    (kind) => {
      const { json } = synthAws(kind);
      const stack: SynthesizedStack = { name: kind, dir: "/nonexistent", config: json };
      const findings = AWS_SERVICE_MODELS.run([stack], "/nonexistent") as Finding[];
      const failed = findings.filter((f) => f.outcome === "failed");
      expect(failed).toEqual([]);
      const ok = findings.filter((f) => f.outcome === "ok").map((f) => f.artifact.split(" ").slice(-2).join(" "));
      // The operations the issue names are among those judged.
      const wanted =
        kind === "ecs"
          ? [
              "ecs RegisterTaskDefinition",
              "elbv2 CreateRule",
              "iam PutRolePolicy",
              "iam CreateRole",
              "kms CreateKey",
              "s3 PutBucketPolicy",
              "sns CreateTopic",
              "efs PutFileSystemPolicy",
              "ec2 CreateVpcEndpoint",
              "secretsmanager CreateSecret",
            ]
          : [
              "eks CreateNodegroup",
              "ec2 CreateLaunchTemplate",
              "iam CreateRole",
              "kms CreateKey",
              "s3 PutBucketPolicy",
            ];
      expect([...new Set(ok)]).toEqual(expect.arrayContaining(wanted));
    },
  );
});
