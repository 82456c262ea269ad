import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "../cdktf";
import type { AwsPostgresChoice } from "../../environments/types";
import type { Application } from "../model";
import { AwsAccount } from "./account";
import { actingFor, assumeRolePolicy } from "./iam";
import { EncryptionKey } from "./kms-key";
import type { AwsNetwork } from "./network";

export type RdsSettings = Extract<AwsPostgresChoice, { kind: "rds" }>;

/** Why the database accepts unencrypted connections: the application cannot make any other kind. */
export const PLAINTEXT_DATABASE_REASON =
  "the ARGO APIs connect with sslmode=disable (fixed in their code), and RDS PostgreSQL 15+ refuses plaintext unless rds.force_ssl is 0; traffic stays inside the VPC's private subnets and the database security group admits only the model's callers";

export interface PostgresDatabaseProps {
  /** DB identifier and name prefix. */
  readonly name: string;
  readonly network: AwsNetwork;
  readonly settings: RdsSettings;
  readonly databaseName: string;
  readonly username: string;
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
      description: "ARGO PostgreSQL settings (see PLAINTEXT_DATABASE_REASON for rds.force_ssl)",
      parameter: [
        { name: "rds.force_ssl", value: "0" },
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

/** The model's `postgres` service, when an AWS target runs it on RDS: its user, database and password secret. */
export interface ManagedPostgres {
  readonly service: string;
  readonly settings: RdsSettings;
  readonly username: string;
  readonly databaseName: string;
  readonly passwordSecret: string;
  readonly realization: string;
}

/** The model service an AWS target's `postgres` choice applies to. */
export const POSTGRES_SERVICE = "postgres";

/**
 * Reads what RDS must be created with from the postgres service's own environment (POSTGRES_USER,
 * POSTGRES_DB and the secret behind POSTGRES_PASSWORD), so the clients' settings and the database agree.
 */
export function managedPostgresOf(app: Application, choice: AwsPostgresChoice): ManagedPostgres | undefined {
  const service = app.services.find((s) => s.name === POSTGRES_SERVICE);
  if (!service || choice.kind !== "rds") return undefined;
  const plain = (name: string) => {
    const value = service.env?.[name];
    if (typeof value !== "string") throw new Error(`service "${service.name}" needs a plain ${name} to run on RDS`);
    return value;
  };
  const password = service.secretEnv?.POSTGRES_PASSWORD;
  const secret = password && typeof password === "object" && "secret" in password ? password.secret : undefined;
  if (!secret)
    throw new Error(`service "${service.name}" needs POSTGRES_PASSWORD to be a secret reference to run on RDS`);
  return {
    service: service.name,
    settings: choice,
    username: plain("POSTGRES_USER"),
    databaseName: plain("POSTGRES_DB"),
    passwordSecret: secret,
    realization: `Amazon RDS PostgreSQL ${choice.engineVersion} (${choice.instanceClass}${choice.multiAz ? ", Multi-AZ" : ""}, encrypted, ${choice.backupRetentionDays} days of backups, deletion protection)`,
  };
}
