import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AwsAccount } from "../aws/account";
import { Construct } from "../cdktf";

/** TLS 1.3 and 1.2 only, with forward-secret ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
const ACCESS_LOG_PREFIX = "alb";

/** Where the load balancer sends one (service, port) and how it checks the targets' health. */
export interface LoadBalancerTarget {
  /** `<service>-<port name>`, unique. */
  readonly key: string;
  readonly port: number;
  /** HTTP path answered with 200 by a healthy target; `undefined` accepts any HTTP answer on `/`. */
  readonly healthPath?: string;
  readonly healthIntervalSec: number;
  readonly healthTimeoutSec: number;
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
}

/**
 * The one public entrypoint: an internet-facing ALB in the public subnets with an HTTPS listener (TLS 1.2+,
 * the environment's certificate), HTTP redirected to HTTPS, a 404 for every path the model does not route,
 * one rule per route (admin-only routes also match on the client's source address) and one IP target group
 * per routed service port. Access logs go to a private, versioned, encrypted bucket.
 */
export class PublicLoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly httpsListener: LbListener;
  readonly targetGroups = new Map<string, LbTargetGroup>();
  readonly rules: LbListenerRule[] = [];
  readonly logBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    const logs = this.accessLogBucket(props);
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
      accessLogs: { bucket: this.logBucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true },
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
      defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }],
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
            unhealthyThreshold: 3,
          },
        }),
      );
    }

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

  private accessLogBucket(props: PublicLoadBalancerProps): { bucket: S3Bucket; policy: S3BucketPolicy } {
    const account = AwsAccount.of(this);
    const bucket = new S3Bucket(this, "access-logs", { bucket: `${props.name}-alb-logs-${account.accountId}-${account.region}`, forceDestroy: false });
    new S3BucketPublicAccessBlock(this, "access-logs-public-access", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "access-logs-ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketVersioning(this, "access-logs-versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    // ALB access logs can only be written to buckets encrypted with S3-managed keys (SSE-S3), not KMS.
    new S3BucketServerSideEncryptionConfiguration(this, "access-logs-encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "access-logs-lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: `${ACCESS_LOG_PREFIX}/` }],
          expiration: [{ days: props.logRetentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
        },
        // For the whole bucket (an empty filter), not only the logs' prefix: no failed upload is kept anywhere (CKV_AWS_300).
        { id: "abort-incomplete-uploads", status: "Enabled", filter: [{}], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] },
      ],
    });
    const policy = new S3BucketPolicy(this, "access-logs-policy", {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LoadBalancerDeliversAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${account.accountId}/*`,
          },
          {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
    return { bucket, policy };
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
export function listenerRulePlan<R extends { readonly pathPrefix: string }>(routes: readonly R[]): { route: R; priority: number }[] {
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
