import type { BackendConfig } from "../model";

/*
 * What every AWS target has (EKS and ECS extend it): composed into `Environment.eks` and `Environment.ecs` by
 * environments/types.ts.
 */

/** The VPC an AWS target builds (one implementation, shared by EKS and ECS). */
export interface AwsNetworkConfig {
  /** The VPC's range: a /16 to /24 block, private (RFC 1918) in practice. */
  readonly vpcCidr: string;
  /** At least two; three for production, so that losing one zone leaves a majority. */
  readonly availabilityZones: readonly string[];
  /**
   * `one-per-az`: each private subnet leaves through a NAT gateway in its own zone (survives a zone outage).
   * `single`: one NAT gateway for all zones, cheaper, for non-production.
   */
  readonly natGateways: "one-per-az" | "single";
  /**
   * Explicit subnets, one per zone in the order of `availabilityZones`.
   * @default carved from `vpcCidr`: private subnets of a quarter of the VPC each, public subnets of a sixteenth
   *   from the last quarter (a /16 gives private /18s and public /20s)
   */
  readonly subnets?: { readonly public: readonly string[]; readonly private: readonly string[] };
  /** Retention of the VPC flow logs in CloudWatch, in days (one of CloudWatch's allowed values). */
  readonly flowLogRetentionDays: number;
}

/** A PostgreSQL database (a service that provides `postgres-database`) as Amazon RDS for PostgreSQL. */
export interface RdsBinding {
  readonly kind: "rds";
  /** e.g. `db.t4g.medium` */
  readonly instanceClass: string;
  /** Major.minor of RDS PostgreSQL, e.g. `16.4`. */
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling. */
  readonly maxAllocatedStorageGiB: number;
  /** Days of automated backups (1-35). */
  readonly backupRetentionDays: number;
  /** A standby in a second zone with automatic failover. */
  readonly multiAz: boolean;
}

/** A memcached cache (a service that provides `memcached-cache`) as Amazon ElastiCache for Memcached (ECS only). */
export interface ElastiCacheBinding {
  readonly kind: "elasticache";
  /** e.g. `cache.t4g.small` */
  readonly nodeType: string;
  /** A pinned Memcached 1.6 version, e.g. `1.6.22`. */
  readonly engineVersion: string;
}

/**
 * How an AWS target realizes a dependency a service provides (the model's `provides`): a managed AWS service in
 * the service's place, or the service's own container on the platform.
 */
export type AwsBinding = RdsBinding | ElastiCacheBinding | { readonly kind: "container" };

/** What every AWS target has: where it runs, its network, its public entrypoint and its logs. */
export interface AwsTargetBase {
  /** State backend of this stack. @default the environment's backend */
  readonly backend?: BackendConfig;
  /** e.g. `eu-west-1`; credentials come from the deployer's AWS credential chain, never from here. */
  readonly region: string;
  readonly network: AwsNetworkConfig;
  /** ACM certificate for the HTTPS listener; must be in `region`. */
  readonly certificateArn: string;
  /** Retention of the stack's CloudWatch log groups (application and control-plane logs), in days. */
  readonly logRetentionDays: number;
  /**
   * How each provided dependency is realized here, by the name of the service that provides it: `rds` for a
   * PostgreSQL database, `elasticache` for a memcached cache (ECS only), `container` for the service itself.
   * Validated against what the model's services provide.
   * @default every service runs as its own container
   */
  readonly bindings?: Readonly<Record<string, AwsBinding>>;
  /**
   * AWS WAF on the public load balancer: AWS managed rule groups (`ruleGroups` replaces the default list), or
   * `off` with the reason.
   * @default the managed rule groups DEFAULT_MANAGED_RULE_GROUPS of constructs/aws/web-acl.ts
   */
  readonly webAcl?: WebAclSettings;
  /** Tags on every resource, next to `application` and `environment`. */
  readonly tags?: Readonly<Record<string, string>>;
}

export type WebAclSettings =
  /** AWS managed rule groups by name (`AWSManagedRules...`), evaluated in the order given. */
  | { readonly kind: "managed-rules"; readonly ruleGroups?: readonly string[] }
  | { readonly kind: "off"; readonly reason: string };
