import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { Construct } from "../cdktf";
import { AwsAccount } from "./account";

/** Key prefix of the access logs in their bucket. */
export const ACCESS_LOG_PREFIX = "alb";

export interface AccessLogBucket {
  readonly bucket: S3Bucket;
  /** The load balancer checks at creation that it may write here: create it after this policy. */
  readonly policy: S3BucketPolicy;
  readonly prefix: string;
}

/**
 * The bucket an ALB writes its access logs to, created in `scope` (its resources' ids are part of the stacks'
 * addresses): private, versioned, owner-enforced, the logs expired after `logRetentionDays`, TLS-only, and
 * writable only by ELB's log delivery under this account's prefix. ALB log delivery supports only S3-managed
 * encryption (SSE-S3), not KMS.
 */
export function accessLogBucket(
  scope: Construct,
  props: { readonly name: string; readonly logRetentionDays: number },
): AccessLogBucket {
  const account = AwsAccount.of(scope);
  const bucket = new S3Bucket(scope, "access-logs", {
    bucket: `${props.name}-alb-logs-${account.accountId}-${account.region}`,
    forceDestroy: false,
  });
  new S3BucketPublicAccessBlock(scope, "access-logs-public-access", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, "access-logs-ownership", {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  new S3BucketVersioning(scope, "access-logs-versioning", {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  // ALB access logs can only be written to buckets encrypted with S3-managed keys (SSE-S3), not KMS.
  new S3BucketServerSideEncryptionConfiguration(scope, "access-logs-encryption", {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  new S3BucketLifecycleConfiguration(scope, "access-logs-lifecycle", {
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
      {
        id: "abort-incomplete-uploads",
        status: "Enabled",
        filter: [{}],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      },
    ],
  });
  const policy = new S3BucketPolicy(scope, "access-logs-policy", {
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
  return { bucket, policy, prefix: ACCESS_LOG_PREFIX };
}
