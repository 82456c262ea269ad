import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "../cdktf";
import type { WebAclSettings } from "./target";

/**
 * AWS managed rule groups a public load balancer's web ACL runs unless the environment lists others, in this
 * order (1,125 of the 1,500 capacity units a web ACL includes): addresses AWS has seen attacking, the OWASP-style
 * common rules, known exploit payloads (Log4j among them), and SQL injection (the query API's requests reach
 * PostgreSQL).
 */
export const DEFAULT_MANAGED_RULE_GROUPS: readonly string[] = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesSQLiRuleSet",
];

/** The rule groups an environment's settings ask for, or undefined when it switches the firewall off. */
export function managedRuleGroupsOf(settings: WebAclSettings | undefined): readonly string[] | undefined {
  if (settings?.kind === "off") return undefined;
  return settings?.ruleGroups ?? DEFAULT_MANAGED_RULE_GROUPS;
}

/** How a stack's capability records describe its firewall. */
export function describeWebAcl(settings: WebAclSettings | undefined): string {
  const groups = managedRuleGroupsOf(settings);
  return groups
    ? `AWS WAF web ACL in front (AWS managed rule groups ${groups.join(", ")}; blocked requests logged to CloudWatch)`
    : `no AWS WAF web ACL (switched off by the environment: ${(settings as Extract<WebAclSettings, { kind: "off" }>).reason})`;
}

export interface LoadBalancerFirewallProps {
  /** Prefix of the web ACL's, its metrics' and its log group's names. */
  readonly name: string;
  /** AWS managed rule groups, evaluated in this order. */
  readonly ruleGroups: readonly string[];
  /** Days the log of blocked requests is kept. */
  readonly logRetentionDays: number;
  /** KMS key of the log group (one CloudWatch Logs may use for this account's groups). */
  readonly logKeyArn: string;
}

/**
 * A regional AWS WAF web ACL for an internet-facing ALB: requests pass unless an AWS managed rule group blocks
 * them. Blocked and counted requests are logged to an encrypted CloudWatch log group (`aws-waf-logs-`, the prefix
 * WAF requires) without their Authorization and Cookie headers; every request is in the ALB's access logs already.
 * The caller associates it with the load balancer.
 */
export class LoadBalancerFirewall extends Construct {
  readonly webAcl: Wafv2WebAcl;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: LoadBalancerFirewallProps) {
    super(scope, id);
    const metric = (suffix: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName: `${props.name}-${suffix}`,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: `${props.name}-alb`,
      description: `Public load balancer of ${props.name}: AWS managed rule groups`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rule: props.ruleGroups.map((group, i) => ({
        name: group,
        priority: (i + 1) * 10,
        // The rule group's own actions (block) apply; `count` here would only watch.
        overrideAction: { none: {} },
        // The statement is free-form in the provider bindings: Terraform's own attribute names.
        statement: { managed_rule_group_statement: { name: group, vendor_name: "AWS" } },
        visibilityConfig: metric(group),
      })),
      visibilityConfig: metric("alb"),
    });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `aws-waf-logs-${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKeyArn,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
      loggingFilter: {
        defaultBehavior: "DROP",
        filter: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            condition: [{ actionCondition: { action: "BLOCK" } }, { actionCondition: { action: "COUNT" } }],
          },
        ],
      },
    });
  }
}
