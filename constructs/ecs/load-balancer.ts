import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { accessLogBucket } from "../aws/alb-access-logs";
import { Construct } from "../cdktf";

/** TLS 1.3 and 1.2 only, with forward-secret ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Where the load balancer sends one (service, port) and how it checks the targets' health. */
export interface LoadBalancerTarget {
  /** `<service>-<port name>`, unique. */
  readonly key: string;
  readonly port: number;
  /** HTTP path answered with 200 by a healthy target; `undefined` accepts any HTTP answer on `/`. */
  readonly healthPath?: string;
  readonly healthIntervalSec: number;
  readonly healthTimeoutSec: number;
  /** Consecutive failed checks that take a task out of the target group (the model's failure threshold). */
  readonly healthFailureThreshold: number;
}

/** One public route: a path prefix to a target, optionally for the admin ranges only. */
export interface LoadBalancerRoute {
  readonly pathPrefix: string;
  readonly targetKey: string;
  readonly sourceCidrs?: readonly string[];
}

export interface PublicLoadBalancerProps {
  /** Prefix of resource names (load balancer, target groups, bucket). */
  readonly name: string;
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly certificateArn: string;
  readonly targets: readonly LoadBalancerTarget[];
  readonly routes: readonly LoadBalancerRoute[];
  /** Days access logs are kept. */
  readonly logRetentionDays: number;
  /** AWS WAF web ACL associated with the load balancer. @default none */
  readonly webAclArn?: string;
}

/**
 * The one public entrypoint: an internet-facing ALB in the public subnets with an HTTPS listener (TLS 1.2+,
 * the environment's certificate), HTTP redirected to HTTPS, a 404 for every path the model does not route,
 * one rule per route (admin-only routes also match on the client's source address) and one IP target group
 * per routed service port. Access logs go to a private, versioned, encrypted bucket; the web ACL, when given,
 * filters every request before the rules see it.
 */
export class PublicLoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly httpsListener: LbListener;
  readonly targetGroups = new Map<string, LbTargetGroup>();
  readonly rules: LbListenerRule[] = [];
  readonly logBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    const logs = accessLogBucket(this, { name: props.name, logRetentionDays: props.logRetentionDays });
    this.logBucket = logs.bucket;

    this.loadBalancer = new Lb(this, "alb", {
      name: props.name,
      loadBalancerType: "application",
      internal: false,
      subnets: [...props.publicSubnetIds],
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      desyncMitigationMode: "strictest",
      idleTimeout: 60,
      accessLogs: { bucket: this.logBucket.bucket, prefix: logs.prefix, enabled: true },
      // The load balancer checks at creation that it may write to the bucket.
      dependsOn: [logs.policy],
    });

    new LbListener(this, "http", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    this.httpsListener = new LbListener(this, "https", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [
        {
          type: "fixed-response",
          fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" },
        },
      ],
    });

    for (const target of props.targets) {
      this.targetGroups.set(
        target.key,
        new LbTargetGroup(this, `target-${target.key}`, {
          name: targetGroupName(props.name, target.key),
          port: target.port,
          protocol: "HTTP",
          targetType: "ip",
          vpcId: props.vpcId,
          deregistrationDelay: "30",
          healthCheck: {
            enabled: true,
            protocol: "HTTP",
            port: "traffic-port",
            path: target.healthPath ?? "/",
            matcher: target.healthPath ? "200" : "200-499",
            interval: target.healthIntervalSec,
            timeout: target.healthTimeoutSec,
            healthyThreshold: 2,
            unhealthyThreshold: target.healthFailureThreshold,
          },
        }),
      );
    }

    if (props.webAclArn)
      new Wafv2WebAclAssociation(this, "web-acl", { resourceArn: this.loadBalancer.arn, webAclArn: props.webAclArn });

    listenerRulePlan(props.routes).forEach(({ route, priority }) => {
      this.rules.push(
        new LbListenerRule(this, `route-${ruleId(route.pathPrefix)}`, {
          listenerArn: this.httpsListener.arn,
          priority,
          condition: [
            { pathPattern: { values: [pathPattern(route.pathPrefix)] } },
            ...(route.sourceCidrs ? [{ sourceIp: { values: [...route.sourceCidrs] } }] : []),
          ],
          action: [{ type: "forward", targetGroupArn: this.targetGroups.get(route.targetKey)!.arn }],
        }),
      );
    });
  }
}

/** ALB path patterns: a prefix matches itself and everything after it (`*` matches zero or more characters). */
export function pathPattern(prefix: string): string {
  return `${prefix}*`;
}

/**
 * Rule priorities: longer prefixes first, so that a more specific route wins over a shorter one it starts
 * with; equal lengths keep the model's order. Priorities step by 10, leaving room for hand-made rules.
 */
export function listenerRulePlan<R extends { readonly pathPrefix: string }>(
  routes: readonly R[],
): { route: R; priority: number }[] {
  return routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => b.route.pathPrefix.length - a.route.pathPrefix.length || a.index - b.index)
    .map(({ route }, i) => ({ route, priority: (i + 1) * 10 }));
}

function ruleId(prefix: string): string {
  return prefix.replace(/^\/|\/$/g, "").replace(/[^a-zA-Z0-9]+/g, "-") || "root";
}

/** Target group names: at most 32 characters, letters, digits and dashes. */
function targetGroupName(prefix: string, key: string): string {
  return `${prefix}-${key}`.slice(0, 32).replace(/-+$/, "");
}
