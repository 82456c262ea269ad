import { Lb } from "@cdktf/provider-aws/lib/lb";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { DEFAULT_MANAGED_RULE_GROUPS } from "../../constructs/aws/web-acl";
import { TerraformStack } from "../../constructs/cdktf";
import { applyPolicies } from "../../constructs/policy";
import { envProblemsOf } from "../helpers";
import { awsCopy, ingressAnnotationsOf, synthAws, synthErrors } from "./synth";

const ecs = synthAws("ecs");
const eks = synthAws("eks");

describe("AWS WAF on the public load balancers", () => {
  it("runs the AWS managed rule groups in front of the ECS load balancer, blocking what they match", () => {
    const [acl] = ecs.list("aws_wafv2_web_acl");
    expect(acl).toMatchObject({ name: "argo-ecs-alb", scope: "REGIONAL", default_action: { allow: {} } });
    expect(DEFAULT_MANAGED_RULE_GROUPS).toEqual([
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesSQLiRuleSet",
    ]);
    expect(acl.rule.map((r: any) => [r.priority, r.statement.managed_rule_group_statement, r.override_action])).toEqual(
      DEFAULT_MANAGED_RULE_GROUPS.map((name, i) => [(i + 1) * 10, { name, vendor_name: "AWS" }, { none: {} }]),
    );
    expect(ecs.list("aws_wafv2_web_acl_association")).toEqual([
      expect.objectContaining({
        resource_arn: ecs.ref("aws_lb", "load-balancer_alb", "arn"),
        web_acl_arn: ecs.ref("aws_wafv2_web_acl", "firewall", "arn"),
      }),
    ]);
  });

  it("logs blocked requests, without credentials, to an encrypted log group named as WAF requires", () => {
    const [logging] = ecs.list("aws_wafv2_web_acl_logging_configuration");
    expect(logging.log_destination_configs).toEqual([ecs.ref("aws_cloudwatch_log_group", "firewall_logs", "arn")]);
    expect(logging.redacted_fields).toEqual([
      { single_header: { name: "authorization" } },
      { single_header: { name: "cookie" } },
    ]);
    expect(logging.logging_filter.default_behavior).toBe("DROP");
    const group = ecs.list("aws_cloudwatch_log_group").find((g) => g.name === "aws-waf-logs-argo-ecs");
    expect(group).toMatchObject({ retention_in_days: 365, kms_key_id: expect.stringContaining("aws_kms_key") });
  });

  it("has the load balancer controller associate a web ACL with the EKS load balancer", () => {
    const [acl] = eks.list("aws_wafv2_web_acl");
    expect(acl).toMatchObject({ name: "argo-alb", scope: "REGIONAL" });
    expect(acl.rule.map((r: any) => r.name)).toEqual(DEFAULT_MANAGED_RULE_GROUPS);
    expect(ingressAnnotationsOf(eks)["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toBe(
      eks.ref("aws_wafv2_web_acl", "firewall", "arn"),
    );
    expect(eks.list("aws_wafv2_web_acl_logging_configuration")).toHaveLength(1);
  });

  it("takes the rule groups from the environment, or runs without a firewall when the environment says why", () => {
    const env = awsCopy();
    env.ecs!.webAcl = { kind: "managed-rules", ruleGroups: ["AWSManagedRulesCommonRuleSet"] };
    env.eks!.webAcl = {
      kind: "off",
      reason: "an AWS Firewall Manager policy of the organization attaches its own web ACL",
    };
    const custom = synthAws("ecs", env);
    expect(custom.list("aws_wafv2_web_acl")[0].rule.map((r: any) => r.name)).toEqual(["AWSManagedRulesCommonRuleSet"]);
    const off = synthAws("eks", env);
    expect(off.list("aws_wafv2_web_acl")).toEqual([]);
    expect(ingressAnnotationsOf(off)["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toBeUndefined();
    const ingress = off.stack.node.findAll().find((c) => c instanceof IngressV1)!;
    expect(ingress.node.metadata.map((m) => String(m.data))).toContain(
      "[ARGO-ALB-WAF] suppressed: an AWS Firewall Manager policy of the organization attaches its own web ACL",
    );
  });

  it("refuses rule groups that are not AWS managed ones, an empty list and switching off without a reason", () => {
    const env = awsCopy();
    env.ecs!.webAcl = {
      kind: "managed-rules",
      ruleGroups: ["CommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesSQLiRuleSet"],
    };
    env.eks!.webAcl = { kind: "off", reason: "" };
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.aws.ecs.webAcl.ruleGroups[0]: "CommonRuleSet" is not the name of an AWS managed rule group (e.g. AWSManagedRulesCommonRuleSet)',
    );
    expect(problems).toContain(
      'environments.aws.ecs.webAcl.ruleGroups[2]: "AWSManagedRulesSQLiRuleSet" is listed twice',
    );
    expect(problems).toContain(
      "environments.aws.eks.webAcl.reason: is empty: say why this load balancer runs without a web application firewall",
    );
    env.ecs!.webAcl = { kind: "managed-rules", ruleGroups: [] };
    expect(envProblemsOf(env)).toContain(
      'environments.aws.ecs.webAcl.ruleGroups: is empty: list AWS managed rule groups, or use { kind: "off", reason } to run without a firewall',
    );
  });

  it("records the firewall with the routes on both stacks", () => {
    const routes = (synth: ReturnType<typeof synthAws>) =>
      synth.stack.node
        .findAll()
        .flatMap((c: any) => c.records ?? [])
        .find((r: any) => r.intent === "routes" && r.service === "*");
    expect(routes(ecs).realization).toContain(
      "AWS WAF web ACL in front (AWS managed rule groups AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet",
    );
    expect(routes(eks).realization).toContain("AWS WAF web ACL in front");
  });
});

describe("policy rule ARGO-ALB-WAF (CKV2_AWS_28)", () => {
  const stackWith = (build: (stack: TerraformStack) => void) =>
    synthErrors((app) => {
      const stack = new TerraformStack(app, "waf-policy");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new KubernetesProvider(stack, "kubernetes", {});
      build(stack);
      applyPolicies(stack);
    });
  const lb = (stack: TerraformStack, internal = false) =>
    new Lb(stack, "lb", {
      name: "lb",
      internal,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: "logs", enabled: true },
    });
  const ingress = (stack: TerraformStack, annotations: Record<string, string>) =>
    new IngressV1(stack, "ingress", {
      metadata: {
        name: "web",
        annotations: {
          "alb.ingress.kubernetes.io/scheme": "internet-facing",
          "alb.ingress.kubernetes.io/load-balancer-attributes":
            "access_logs.s3.enabled=true,access_logs.s3.bucket=logs",
          ...annotations,
        },
      },
      spec: { ingressClassName: "alb", rule: [] },
    });

  it("fails synth for an internet-facing load balancer without a web ACL, and for an ALB Ingress without the controller's annotation", () => {
    expect(stackWith((s) => lb(s))).toContain("[ARGO-ALB-WAF] load balancer lb has no web ACL association");
    expect(stackWith((s) => ingress(s, {}))).toContain(
      "[ARGO-ALB-WAF] Ingress web has no alb.ingress.kubernetes.io/wafv2-acl-arn annotation",
    );
  });

  it("accepts an associated load balancer, an internal one and an annotated Ingress", () => {
    expect(
      stackWith((s) => {
        const balancer = lb(s);
        new Wafv2WebAclAssociation(s, "association", {
          resourceArn: balancer.arn,
          webAclArn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1",
        });
      }),
    ).toBe("");
    expect(stackWith((s) => lb(s, true))).toBe("");
    expect(
      stackWith((s) =>
        ingress(s, {
          "alb.ingress.kubernetes.io/wafv2-acl-arn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1",
        }),
      ),
    ).toBe("");
  });
});
