import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "../cdktf";
import type { RdsBinding } from "./target";
import type { ClientTls } from "../model";
import { AwsAccount } from "./account";
import type { BoundDatabase } from "./bindings";
import { actingFor, assumeRolePolicy } from "./iam";
import { EncryptionKey } from "./kms-key";
import type { AwsNetwork } from "./network";

export type RdsSettings = RdsBinding;

/** Construct id of a stack's database: frozen, its resources' Terraform addresses derive from it. */
export const DATABASE_ID = "postgres";

/**
 * The parameter group's description where clients cannot use TLS. Frozen: a changed description replaces the
 * parameter group, and a deployed database keeps this one (ARGO's); the reason is the model's clientTls.reason.
 */
export const PLAINTEXT_PARAMETERS_DESCRIPTION = (application: string) =>
  `${application.toUpperCase()} PostgreSQL settings (see PLAINTEXT_DATABASE_REASON for rds.force_ssl)`;

/** What the capability report says of a database that accepts plaintext because its clients need it. */
export function plaintextDatabaseRealization(reason: string): string {
  return `plaintext allowed (rds.force_ssl = 0): ${reason}, and RDS PostgreSQL 15+ refuses plaintext unless rds.force_ssl is 0; traffic stays inside the VPC's private subnets and the database security group admits only the model's callers`;
}

export interface PostgresDatabaseProps {
  /** DB identifier and name prefix. */
  readonly name: string;
  readonly network: AwsNetwork;
  readonly settings: RdsSettings;
  readonly databaseName: string;
  readonly username: string;
  /** The application whose database this is (named in the parameter group's description). */
  readonly application: string;
  /** Whether every client can connect over TLS: then the database refuses plaintext (rds.force_ssl = 1). */
  readonly clientTls: ClientTls;
  /**
   * `managed`: RDS generates the master password and keeps it in Secrets Manager, encrypted with this
   * database's key. `value`: a password generated elsewhere in the stack (a Terraform reference).
   */
  readonly masterPassword: { readonly kind: "managed" } | { readonly kind: "value"; readonly value: string };
  /** Security groups whose members may connect on the database port (the model's callers). */
  readonly clients: Readonly<Record<string, string>>;
}

/**
 * PostgreSQL on Amazon RDS: private, encrypted at rest with its own KMS key, Multi-AZ when the environment says
 * so, automated backups kept, deletion protection and a final snapshot, logs exported to CloudWatch, enhanced
 * monitoring and Performance Insights on, minor versions upgraded automatically.
 */
export class PostgresDatabase extends Construct {
  readonly instance: DbInstance;
  readonly securityGroup: SecurityGroup;
  /** Encrypts the storage, snapshots and the managed master secret: its readers need kms:Decrypt on it. */
  readonly key: EncryptionKey;
  readonly port = 5432;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    const { settings, network, name } = props;
    const account = AwsAccount.of(this);
    const key = (this.key = new EncryptionKey(this, "key", {
      alias: `${name}-postgres`,
      description: `Encrypts the ${name} PostgreSQL database, its snapshots and its master secret`,
    }));

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${name}-postgres`,
      description: `PostgreSQL of ${name}: reachable only from the application's database clients`,
      vpcId: network.vpc.id,
      tags: { Name: `${name}-postgres` },
    });
    for (const [client, groupId] of Object.entries(props.clients)) {
      new VpcSecurityGroupIngressRule(this, `from-${client}`, {
        securityGroupId: this.securityGroup.id,
        description: `${client} connects to PostgreSQL`,
        ipProtocol: "tcp",
        fromPort: this.port,
        toPort: this.port,
        referencedSecurityGroupId: groupId,
      });
    }
    const subnets = new DbSubnetGroup(this, "subnets", {
      name: `${name}-postgres`,
      description: `Private subnets of ${name}`,
      subnetIds: network.privateSubnetIds,
    });
    const major = settings.engineVersion.split(".")[0];
    const parameters = new DbParameterGroup(this, "parameters", {
      name: `${name}-postgres${major}`,
      family: `postgres${major}`,
      description: props.clientTls.supported
        ? `PostgreSQL settings of ${name}: clients connect over TLS only (rds.force_ssl 1)`
        : PLAINTEXT_PARAMETERS_DESCRIPTION(props.application),
      parameter: [
        { name: "rds.force_ssl", value: props.clientTls.supported ? "1" : "0" },
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
        { name: "log_min_duration_statement", value: "1000" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });
    const monitoringRole = new IamRole(this, "monitoring-role", {
      name: `${name}-rds-monitoring`,
      // Enhanced Monitoring sends the account and the instance's ARN when it assumes the role (RDS user guide).
      assumeRolePolicy: assumeRolePolicy(
        { Service: "monitoring.rds.amazonaws.com" },
        {
          condition: actingFor(
            account.accountId,
            `arn:${account.partition}:rds:${account.region}:${account.accountId}:db:${name}-postgres`,
          ),
        },
      ),
    });
    new IamRolePolicyAttachment(this, "monitoring-role-policy", {
      role: monitoringRole.name,
      policyArn: `arn:${account.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
    });

    const password =
      props.masterPassword.kind === "managed"
        ? { manageMasterUserPassword: true, masterUserSecretKmsKeyId: key.arn }
        : { password: props.masterPassword.value };
    this.instance = new DbInstance(this, "instance", {
      identifier: `${name}-postgres`,
      engine: "postgres",
      engineVersion: settings.engineVersion,
      instanceClass: settings.instanceClass,
      allocatedStorage: settings.allocatedStorageGiB,
      maxAllocatedStorage: settings.maxAllocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: key.arn,
      dbName: props.databaseName,
      username: props.username,
      ...password,
      port: this.port,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: settings.multiAz,
      backupRetentionPeriod: settings.backupRetentionDays,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${name}-postgres-final`,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      iamDatabaseAuthenticationEnabled: true,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      monitoringInterval: 30,
      monitoringRoleArn: monitoringRole.arn,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.arn,
      performanceInsightsRetentionPeriod: 7,
      lifecycle: { preventDestroy: true },
    });
  }

  get address(): string {
    return this.instance.address;
  }

  /** ARN of the Secrets Manager secret RDS keeps the master credentials in (managed passwords only). */
  get masterSecretArn(): string {
    return this.instance.masterUserSecret.get(0).secretArn;
  }
}

/** How the capability report and the EKS stack describe a database on RDS. */
export function rdsRealization(rds: RdsBinding): string {
  return `Amazon RDS PostgreSQL ${rds.engineVersion} (${rds.instanceClass}${rds.multiAz ? ", Multi-AZ" : ""}, encrypted, ${rds.backupRetentionDays} days of backups, deletion protection)`;
}

/** The props of a database on RDS from what the model's service provides and the target's binding. */
export function databasePropsOf(
  bound: BoundDatabase,
  application: string,
): Pick<PostgresDatabaseProps, "settings" | "databaseName" | "username" | "application" | "clientTls"> {
  return {
    settings: bound.binding,
    databaseName: bound.provided.databaseName,
    username: bound.provided.user,
    application,
    clientTls: bound.provided.clientTls,
  };
}
