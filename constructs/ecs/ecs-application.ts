import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition, type EcsTaskDefinitionVolume } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { ElasticacheCluster } from "@cdktf/provider-aws/lib/elasticache-cluster";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { ServiceDiscoveryPrivateDnsNamespace } from "@cdktf/provider-aws/lib/service-discovery-private-dns-namespace";
import { ServiceDiscoveryService } from "@cdktf/provider-aws/lib/service-discovery-service";
import * as path from "path";
import type { EcsTarget } from "./target";
import { AwsAccount } from "../aws/account";
import { actingFor, assumeRolePolicy, policyDocument, type PolicyStatement } from "../aws/iam";
import { EncryptionKey, logEncryptionKey } from "../aws/kms-key";
import { AwsNetwork } from "../aws/network";
import { DATABASE_ID, databasePropsOf, PostgresDatabase } from "../aws/postgres-database";
import { PrivateServiceEndpoints } from "../aws/vpc-endpoints";
import { LoadBalancerFirewall, managedRuleGroupsOf } from "../aws/web-acl";
import { CapabilityReport, type CapabilityRecord } from "../capabilities";
import { Construct } from "../cdktf";
import {
  DEFAULT_HEALTH_FAILURE_THRESHOLD,
  edgesOf,
  healthTimingOf,
  imageRef,
  portNamed,
  renderEnvValue,
  secretsIn,
  withoutServices,
  updatePolicyOf,
  ValidationError,
  type Application,
  type EnvResolver,
  type ServiceSpec,
} from "../model";
import { albWebAcl, ecsReadOnlyRoot, healthCheckRequired, suppressRule } from "../policy";
import { ApplicationSecrets } from "../secrets/application-secrets";
import { ecsCapabilities, type EcsRendering } from "./capabilities";
import { mainContainer, secretEnvOf, type ContainerDefinition, type EcsSecretSource } from "./container-definition";
import { FileStorage, NFS_PORT } from "./file-storage";
import { PublicLoadBalancer, type LoadBalancerTarget } from "./load-balancer";
import { deploymentPercents, PASSWORD_ROTATION_SCHEDULE, planEcs, type EcsPlan, type EcsServicePlan } from "./plan";
import { ecsObservability } from "./observability";
import {
  alarmSubscriptionsOf,
  alertRulesFor,
  configFilesOf,
  observabilityRecords,
  type ConfigFile,
  type ObservabilityPlatform,
} from "../observability";
import { EcsAlarms } from "./alarms";
import { SecurityGroups } from "./security-groups";

export interface EcsApplicationProps {
  readonly app: Application;
  readonly target: EcsTarget;
  readonly adminCidrs: readonly string[];
}

const HTTPS = 443;
const ANYWHERE = "0.0.0.0/0";
/** Fargate's platform version, pinned (LATEST moves under a running service). */
export const FARGATE_PLATFORM_VERSION = "1.4.0";
const CONFIG_INIT_DIR = "/config";
/** A shell for the configuration writer, pinned; ECR Public serves Docker's official images without a pull limit. */
export const CONFIG_WRITER_IMAGE = "public.ecr.aws/docker/library/busybox:1.36.1";
const TMP_VOLUME = "tmp";

type TaskPlan = Extract<EcsServicePlan, { kind: "task" }>;

/**
 * An application on ECS Fargate behind an ALB, in its own VPC: one Fargate service per replicated model
 * service, in private subnets without public addresses, found by name through Cloud Map; PostgreSQL as RDS
 * and memcached as ElastiCache where the environment says so; persistent volumes on EFS; security groups that
 * admit exactly the model's talks-to pairs; secrets from Secrets Manager only.
 */
export class EcsApplication extends Construct {
  readonly plan: EcsPlan;
  readonly network: AwsNetwork;
  readonly cluster: EcsCluster;
  readonly namespace: string;
  /** AWS APIs inside the VPC (ECR, CloudWatch Logs, Secrets Manager, S3 for image layers). */
  readonly endpoints: PrivateServiceEndpoints;
  /** Services whose tasks pull an image from outside this region's ECR, with those images: only they reach the internet. */
  readonly internetPulls = new Map<string, readonly string[]>();
  readonly observability: ObservabilityPlatform;
  readonly alarms: EcsAlarms;
  private readonly observedApp: Application;
  readonly securityGroups: SecurityGroups;
  readonly loadBalancer: PublicLoadBalancer;
  /** The load balancer's web ACL, unless the environment switches it off. */
  readonly firewall?: LoadBalancerFirewall;
  readonly database?: PostgresDatabase;
  readonly cache?: ElasticacheCluster;
  readonly storage?: FileStorage;
  readonly taskDefinitions = new Map<string, EcsTaskDefinition>();
  readonly containerDefinitions = new Map<string, readonly ContainerDefinition[]>();
  readonly services = new Map<string, EcsService>();
  readonly executionRoles = new Map<string, IamRole>();
  readonly taskRoles = new Map<string, IamRole>();
  /** Secrets Manager secrets made by this stack, by key (a model secret, or `<service>/<VARIABLE>`). */
  readonly secrets = new Map<string, SecretsmanagerSecret>();

  private readonly props: EcsApplicationProps;
  private readonly name: string;
  private readonly logKey: EncryptionKey;
  private readonly secretsKey: EncryptionKey;
  /** Secret ARNs and KMS keys each service's execution role may read, by service. */
  private readonly readableSecrets = new Map<string, { arns: Set<string>; keys: Set<string> }>();

  constructor(scope: Construct, id: string, props: EcsApplicationProps) {
    super(scope, id);
    this.props = props;
    const { app, target } = props;
    this.name = target.clusterName;
    this.plan = planEcs(app, target);
    if (this.plan.problems.length > 0) throw new ValidationError(`The ecs target of ${app.name}`, this.plan.problems);
    const tasks = [...this.plan.services.values()].filter((p): p is TaskPlan => p.kind === "task");

    this.network = new AwsNetwork(this, "network", { name: this.name, config: target.network });
    this.logKey = logEncryptionKey(this, "log-key", {
      alias: `${this.name}-ecs-logs`,
      description: `Encrypts the ECS logs and ECS Exec sessions of ${this.name}`,
    });
    this.secretsKey = new EncryptionKey(this, "secrets-key", {
      alias: `${this.name}-secrets`,
      description: `Encrypts the application secrets of ${this.name}`,
    });

    const execLogs = new CloudwatchLogGroup(this, "exec-logs", {
      name: `/ecs/${this.name}/exec`,
      retentionInDays: target.logRetentionDays,
      kmsKeyId: this.logKey.arn,
    });
    this.cluster = new EcsCluster(this, "cluster", {
      name: this.name,
      setting: [{ name: "containerInsights", value: "enabled" }],
      configuration: {
        executeCommandConfiguration: {
          kmsKeyId: this.logKey.arn,
          logging: "OVERRIDE",
          logConfiguration: { cloudWatchLogGroupName: execLogs.name, cloudWatchEncryptionEnabled: true },
        },
      },
    });
    this.namespace = target.serviceDiscoveryNamespace ?? `${app.name}.internal`;
    // What is observed here: everything but the services Fargate cannot run (one per node).
    this.observedApp = withoutServices(
      app,
      [...this.plan.services].filter(([, p]) => p.kind === "not-on-fargate").map(([name]) => name),
    );
    this.observability = ecsObservability(
      this.observedApp,
      this.namespace,
      (s) => this.plan.services.get(s)?.kind === "task",
    );
    const namespace = new ServiceDiscoveryPrivateDnsNamespace(this, "namespace", {
      name: this.namespace,
      description: `Service discovery of ${app.name}: <service>.${this.namespace}`,
      vpc: this.network.vpc.id,
    });

    // Security groups: one per member; flows are added once every member exists.
    const groups = (this.securityGroups = new SecurityGroups(this, "security-groups", {
      vpcId: this.network.vpc.id,
      prefix: this.name,
    }));
    groups.add(
      "alb",
      `Public load balancer of ${this.name}: HTTPS and the HTTP redirect from anywhere, out only to routed services`,
    );
    for (const task of tasks)
      groups.add(task.service.name, `${task.service.name} tasks of ${this.name}: in from its callers only`);

    const postgres = this.managed("rds");
    if (postgres) {
      const clients = Object.fromEntries(
        this.callersOf(postgres.service.name).map((caller) => [caller, groups.idOf(caller)]),
      );
      this.database = new PostgresDatabase(this, DATABASE_ID, {
        name: this.name,
        network: this.network,
        ...databasePropsOf(postgres, app.name),
        masterPassword: { kind: "managed" },
        clients,
      });
      groups.adopt(postgres.service.name, this.database.securityGroup.id);
      new SecretsmanagerSecretRotation(this, "postgres-password-rotation", {
        secretId: this.database.masterSecretArn,
        rotationRules: { scheduleExpression: PASSWORD_ROTATION_SCHEDULE, duration: "2h" },
      });
    }
    const memcached = this.managed("elasticache");
    if (memcached) {
      groups.add(memcached.service.name, `ElastiCache memcached of ${this.name}: in from its callers only`);
      this.cache = this.memcachedCluster(memcached, groups.idOf(memcached.service.name));
    }

    for (const edge of edgesOf(app)) {
      const from = this.plan.services.get(edge.from.name);
      const to = this.plan.services.get(edge.to.name);
      if (from?.kind !== "task" || !to || to.kind === "not-on-fargate") continue;
      const verb = edge.kind === "scrape" ? "scrapes" : "calls";
      groups.allow(
        edge.from.name,
        edge.to.name,
        this.portOf(to, edge.port.name),
        `${edge.from.name} ${verb} ${edge.to.name} on ${edge.port.name}`,
        {
          ingress: to.kind !== "rds",
        },
      );
    }
    groups.allowFromCidrs("alb", [ANYWHERE], HTTPS, "HTTPS from the internet");
    groups.allowFromCidrs("alb", [ANYWHERE], 80, "HTTP from the internet, redirected to HTTPS");
    const targets = this.loadBalancerTargets(tasks);
    for (const t of targets)
      groups.allow("alb", t.service, t.port, `the load balancer forwards routes to ${t.service}`);
    // AWS APIs through VPC endpoints; the internet (through the NAT gateways) only for images ECR does not hold here.
    groups.add("endpoints", `AWS API endpoints of ${this.name}: HTTPS from the tasks only`);
    this.endpoints = new PrivateServiceEndpoints(this, "endpoints", {
      name: this.name,
      network: this.network,
      region: target.region,
      securityGroupId: groups.idOf("endpoints"),
    });
    for (const task of tasks) {
      const name = task.service.name;
      groups.allow(
        name,
        "endpoints",
        HTTPS,
        `${name} calls ECR, CloudWatch Logs and Secrets Manager through the VPC endpoints`,
      );
      groups.allowToPrefixList(
        name,
        this.endpoints.s3PrefixListId,
        HTTPS,
        `${name} reads image layers from S3 through the gateway endpoint`,
      );
      const outside = this.imagesOf(task.service).filter((image) => !ecrRepositoryOf(image, target.region));
      if (outside.length === 0) continue;
      this.internetPulls.set(name, outside);
      const registries = [...new Set(outside.map(registryOf))].join(", ");
      groups.allowToCidr(
        name,
        ANYWHERE,
        HTTPS,
        `${name} pulls images from ${registries} (not ECR in ${target.region}) through the NAT gateways`,
      );
    }

    const volumes = tasks.flatMap((t) =>
      (t.service.volumes ?? []).flatMap((v) =>
        v.kind === "persistent" ? [{ service: t.service.name, volume: v }] : [],
      ),
    );
    if (volumes.length > 0) {
      groups.add("efs", `EFS mount targets of ${this.name}: NFS from the services with persistent volumes only`);
      this.storage = new FileStorage(this, "volumes", {
        name: this.name,
        privateSubnetIds: this.network.privateSubnetIds,
        securityGroupId: groups.idOf("efs"),
        volumes: volumes.map(({ volume }) => ({ name: volume.name, ownerUid: volume.ownerUid })),
      });
      for (const service of new Set(volumes.map((v) => v.service)))
        groups.allow(service, "efs", NFS_PORT, `${service} mounts its persistent volumes`);
    }

    const ruleGroups = managedRuleGroupsOf(target.webAcl);
    if (ruleGroups) {
      this.firewall = new LoadBalancerFirewall(this, "firewall", {
        name: this.name,
        ruleGroups,
        logRetentionDays: target.logRetentionDays,
        logKeyArn: this.logKey.arn,
      });
    }
    this.loadBalancer = new PublicLoadBalancer(this, "load-balancer", {
      name: this.name,
      vpcId: this.network.vpc.id,
      publicSubnetIds: this.network.publicSubnetIds,
      securityGroupId: groups.idOf("alb"),
      certificateArn: target.certificateArn,
      targets,
      routes: app.routes.map((route) => ({
        pathPrefix: route.pathPrefix,
        targetKey: `${route.service}-${route.port}`,
        sourceCidrs: route.adminOnly ? props.adminCidrs : undefined,
      })),
      logRetentionDays: target.logRetentionDays,
      webAclArn: this.firewall?.webAcl.arn,
    });
    if (target.webAcl?.kind === "off") suppressRule(this.loadBalancer.loadBalancer, albWebAcl, target.webAcl.reason);

    const secretSource = this.secretSource(app, tasks);
    const resolver: EnvResolver = {
      // Plain environment holds no secret (model validation); secret environment goes through secretEnvOf.
      secret: (name) => {
        throw new Error(`secret "${name}" reached the plain environment of a task`);
      },
      endpoint: (service, port) => this.endpoint(service, port),
    };
    for (const task of tasks)
      this.addService(task, {
        namespaceId: namespace.id,
        resolver,
        secretSource,
        routedPorts: new Set(targets.filter((t) => t.service === task.service.name).map((t) => t.portName)),
      });

    const minimumTasks = new Map(
      tasks.map((t) => [
        t.service.name,
        t.service.autoscaling?.minReplicas ??
          (t.service.placement.kind === "replicated" ? t.service.placement.replicas : 1),
      ]),
    );
    this.alarms = new EcsAlarms(this, "alarms", {
      name: this.name,
      clusterName: this.cluster.name,
      services: minimumTasks,
      loadBalancer: this.loadBalancer.loadBalancer.arnSuffix,
      database:
        this.database && postgres
          ? { identifier: this.database.instance.identifier, allocatedStorageGiB: postgres.binding.allocatedStorageGiB }
          : undefined,
      subscriptions: alarmSubscriptionsOf(app, target.alarmSubscriptions),
    });

    const report = CapabilityReport.of(this);
    const rendering: EcsRendering = {
      plan: this.plan,
      target,
      app,
      namespace: this.namespace,
      containers: this.containerDefinitions,
      routedServices: new Set(targets.map((t) => t.service)),
      internetPulls: this.internetPulls,
    };
    for (const entry of ecsCapabilities(rendering)) report.record(this, entry);
    for (const entry of this.observabilityRecords(minimumTasks)) report.record(this, entry);
  }

  /**
   * Observability records in the other platforms' words; services Prometheus cannot count here are watched
   * by their CloudWatch alarm instead.
   */
  private observabilityRecords(minimumTasks: ReadonlyMap<string, number>): CapabilityRecord[] {
    const { target } = this.props;
    const app = this.observedApp;
    const collector = app.services.find((s) => s.collectsMetrics && minimumTasks.has(s.name));
    const records = observabilityRecords(app, {
      platform: "ecs",
      discovery: `Prometheus resolves each scraped service's Cloud Map name (<service>.${this.namespace}, dns_sd_configs): every running task is a target`,
      logs: {
        realization: `CloudWatch Logs: one KMS-encrypted log group per service (/ecs/${this.name}/<service>, awslogs driver), kept ${target.logRetentionDays} days; no per-node collector on Fargate, so Loki receives nothing here`,
        support: "partial",
      },
      rules: collector ? alertRulesFor(app, collector, this.observability) : undefined,
    });
    return records.map((r) =>
      r.intent === "alerts" && r.support === "unsupported" && minimumTasks.has(r.service)
        ? {
            ...r,
            realization: `CloudWatch alarm ${this.name}-${r.service}-running-tasks: fewer than ${minimumTasks.get(r.service)} running task(s) (Container Insights)`,
            support: "native",
          }
        : r,
    );
  }

  /** Every image a service's tasks pull: its own, and the configuration writer's where it has files. */
  private imagesOf(service: ServiceSpec): string[] {
    const files = configFilesOf(this.observedApp, service, this.observability);
    return [imageRef(service), ...(files.length > 0 ? [this.configWriterImage] : [])];
  }

  private get configWriterImage(): string {
    return this.props.target.configWriterImage ?? CONFIG_WRITER_IMAGE;
  }

  /** Services running as tasks that call or scrape `service`. */
  private callersOf(service: string): string[] {
    return edgesOf(this.props.app)
      .filter((e) => e.to.name === service && this.plan.services.get(e.from.name)?.kind === "task")
      .map((e) => e.from.name)
      .filter((name, i, all) => all.indexOf(name) === i);
  }

  private portOf(plan: EcsServicePlan, portName: string): number {
    if (plan.kind === "rds") return this.database!.port;
    return portNamed(plan.service, portName).containerPort;
  }

  /** How a task reaches another service: RDS and ElastiCache endpoints, Cloud Map names for tasks. */
  private endpoint(service: string, port: string): { host: string; port: number } {
    const plan = this.plan.services.get(service);
    if (plan?.kind === "rds") return { host: this.database!.address, port: this.database!.port };
    if (plan?.kind === "elasticache")
      return { host: this.cache!.clusterAddress, port: portNamed(plan.service, port).containerPort };
    if (plan?.kind === "task")
      return { host: `${service}.${this.namespace}`, port: portNamed(plan.service, port).containerPort };
    throw new Error(
      `service "${service}" does not run on ECS (${plan?.kind ?? "unknown"}), so nothing can reach it there`,
    );
  }

  /** The service the plan runs as this managed AWS service, if any (a stack creates at most one of each). */
  private managed<K extends "rds" | "elasticache">(kind: K): Extract<EcsServicePlan, { kind: K }> | undefined {
    return [...this.plan.services.values()].find((p): p is Extract<EcsServicePlan, { kind: K }> => p.kind === kind);
  }

  private memcachedCluster(
    cache: Extract<EcsServicePlan, { kind: "elasticache" }>,
    securityGroupId: string,
  ): ElasticacheCluster {
    const { service, binding: settings } = cache;
    const subnets = new ElasticacheSubnetGroup(this, "memcached-subnets", {
      name: `${this.name}-memcached`,
      description: `Private subnets of ${this.name}`,
      subnetIds: this.network.privateSubnetIds,
    });
    const nodes = service.placement.kind === "replicated" ? service.placement.replicas : 1;
    return new ElasticacheCluster(this, "memcached", {
      clusterId: `${this.name}-memcached`,
      engine: "memcached",
      engineVersion: settings.engineVersion,
      nodeType: settings.nodeType,
      numCacheNodes: nodes,
      azMode: nodes > 1 ? "cross-az" : "single-az",
      port: portNamed(service, cache.provided.port).containerPort,
      parameterGroupName: "default.memcached1.6",
      subnetGroupName: subnets.name,
      securityGroupIds: [securityGroupId],
      // Only where every client can use TLS (the model says why not, recorded in the capability report).
      transitEncryptionEnabled: cache.provided.clientTls.supported,
      maintenanceWindow: "sun:05:00-sun:06:00",
    });
  }

  /** One target group per routed (service, port) of a service running as tasks. */
  private loadBalancerTargets(
    tasks: readonly TaskPlan[],
  ): (LoadBalancerTarget & { service: string; portName: string })[] {
    const seen = new Set<string>();
    const out: (LoadBalancerTarget & { service: string; portName: string })[] = [];
    for (const route of this.props.app.routes) {
      const task = tasks.find((t) => t.service.name === route.service);
      const key = `${route.service}-${route.port}`;
      if (!task || seen.has(key)) continue;
      seen.add(key);
      const check = task.service.healthCheck;
      const httpCheck = check?.type === "http" && check.port === route.port ? check : undefined;
      out.push({
        key,
        service: route.service,
        portName: route.port,
        port: portNamed(task.service, route.port).containerPort,
        healthPath: httpCheck?.path,
        healthIntervalSec: Math.max(check?.intervalSec ?? 10, 5),
        healthTimeoutSec: Math.min(Math.max(check?.timeoutSec ?? 5, 2), Math.max(check?.intervalSec ?? 10, 5) - 1),
        healthFailureThreshold: check ? healthTimingOf(check).failureThreshold : DEFAULT_HEALTH_FAILURE_THRESHOLD,
      });
    }
    return out;
  }

  /** Secrets Manager as the secret store: generated values stored under `<cluster>/<secret>`, the DB password managed by RDS. */
  private secretSource(app: Application, tasks: readonly TaskPlan[]): EcsSecretSource {
    const managed = this.managed("rds")?.provided.passwordSecret;
    const used = new Set(tasks.flatMap((t) => Object.values(t.service.secretEnv ?? {}).flatMap((v) => secretsIn(v))));
    const values = new ApplicationSecrets(this, "secrets", {
      ...app,
      secrets: app.secrets.filter((s) => used.has(s.name) && s.name !== managed),
    });
    const store = (key: string, description: string, value: string) => {
      const secret = new SecretsmanagerSecret(this, `secret-${key.replace(/\//g, "-")}`, {
        name: `${this.name}/${key}`,
        description,
        kmsKeyId: this.secretsKey.arn,
        recoveryWindowInDays: 7,
      });
      new SecretsmanagerSecretVersion(this, `secret-${key.replace(/\//g, "-")}-value`, {
        secretId: secret.id,
        secretString: value,
      });
      this.secrets.set(key, secret);
      return secret.arn;
    };
    for (const secret of app.secrets) {
      if (used.has(secret.name) && secret.name !== managed)
        store(secret.name, secret.description, values.valueOf(secret.name));
    }
    return {
      valueFrom: (secret) =>
        secret === managed ? `${this.database!.masterSecretArn}:password::` : this.secrets.get(secret)!.arn,
      terraformValue: (secret) => (secret === managed ? undefined : values.valueOf(secret)),
      storeComposed: (service, variable, value) =>
        store(`${service}/${variable}`, `${variable} of ${service}, composed from the application's secrets`, value),
    };
  }

  private addService(
    task: TaskPlan,
    ctx: {
      namespaceId: string;
      resolver: EnvResolver;
      secretSource: EcsSecretSource;
      routedPorts: ReadonlySet<string>;
    },
  ): void {
    const { service, size } = task;
    const { target } = this.props;
    const name = service.name;
    const account = AwsAccount.of(this);
    const logGroup = new CloudwatchLogGroup(this, `${name}-logs`, {
      name: `/ecs/${this.name}/${name}`,
      retentionInDays: target.logRetentionDays,
      kmsKeyId: this.logKey.arn,
    });

    // Secrets: the source records which ARNs this service reads, for its execution role.
    const readable = { arns: new Set<string>(), keys: new Set<string>() };
    this.readableSecrets.set(name, readable);
    const tracked: EcsSecretSource = {
      valueFrom: (secret) => {
        const valueFrom = ctx.secretSource.valueFrom(secret);
        this.noteReadable(readable, valueFrom, ctx.secretSource.terraformValue(secret) === undefined);
        return valueFrom;
      },
      terraformValue: (secret) => ctx.secretSource.terraformValue(secret),
      storeComposed: (s, variable, value) => {
        const arn = ctx.secretSource.storeComposed(s, variable, value);
        this.noteReadable(readable, arn, false);
        return arn;
      },
    };
    const secretEnv = secretEnvOf(service, ctx.resolver, tracked);
    const environment = Object.fromEntries(
      Object.entries(service.env ?? {}).map(([k, v]) => [k, renderEnvValue(v, ctx.resolver)]),
    );

    const readonlyRoot = !service.securityExceptions?.writableRootFs;
    const volumes: EcsTaskDefinitionVolume[] = [];
    const mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[] = [];
    const efsStatements: PolicyStatement[] = [];
    for (const volume of service.volumes ?? []) {
      if (volume.kind === "persistent") {
        const accessPoint = this.storage!.accessPoints.get(volume.name)!;
        volumes.push({
          name: volume.name,
          efsVolumeConfiguration: {
            fileSystemId: this.storage!.fileSystem.id,
            transitEncryption: "ENABLED",
            authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
          },
        });
        efsStatements.push({
          Effect: "Allow",
          Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
          Resource: this.storage!.fileSystem.arn,
          Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": accessPoint.arn } },
        });
      } else {
        volumes.push({ name: volume.name });
      }
      mountPoints.push({ sourceVolume: volume.name, containerPath: volume.mountPath, readOnly: false });
    }
    if (readonlyRoot) {
      volumes.push({ name: TMP_VOLUME });
      mountPoints.push({ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false });
    }

    const containers: ContainerDefinition[] = [];
    let dependsOn: ContainerDefinition["dependsOn"];
    const files = configFilesOf(this.observedApp, service, this.observability);
    if (files.length > 0) {
      // Fargate mounts no files: an init container writes them into task volumes the service mounts read-only.
      const directories = [...new Set(files.map((f) => path.posix.dirname(f.path)))];
      directories.forEach((directory, i) => {
        volumes.push({ name: configVolumeOf(service, i) });
        mountPoints.push({ sourceVolume: configVolumeOf(service, i), containerPath: directory, readOnly: true });
      });
      containers.push(
        configInitContainer(service, files, directories, logGroup.name, target.region, this.configWriterImage),
      );
      dependsOn = [{ containerName: configContainerOf(service), condition: "SUCCESS" }];
    }
    const routedHealth =
      service.healthCheck && service.healthCheck.type !== "command" && ctx.routedPorts.has(service.healthCheck.port);
    containers.unshift(
      mainContainer({
        service,
        size,
        environment,
        secretEnv,
        logGroup: logGroup.name,
        region: target.region,
        containerHealthCheck: !routedHealth,
        readonlyRootFilesystem: readonlyRoot,
        mountPoints,
        dependsOn,
      }),
    );
    this.containerDefinitions.set(name, containers);

    const executionRole = new IamRole(this, `${name}-execution-role`, {
      name: `${this.name}-${name}-execution`,
      description: `ECS pulls the image of ${name}, reads its secrets and ships its logs`,
      assumeRolePolicy: ecsTasksAssumeRole(account),
    });
    const statements: PolicyStatement[] = [
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroup.arn}:*`,
      },
    ];
    const repositories = [
      ...new Set(
        containers
          .map((c) => ecrRepositoryOf(c.image, target.region))
          .filter((r): r is EcrRepository => r !== undefined)
          .map(repositoryArn),
      ),
    ];
    if (repositories.length > 0) {
      statements.push({ Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
      statements.push({
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: repositories,
      });
    }
    if (readable.arns.size > 0) {
      statements.push({
        Sid: "Secrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [...readable.arns],
      });
      statements.push({ Sid: "SecretKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: [...readable.keys] });
    }
    new IamRolePolicy(this, `${name}-execution-policy`, {
      role: executionRole.id,
      name: "task-execution",
      policy: policyDocument(statements),
    });
    this.executionRoles.set(name, executionRole);

    const taskRole = new IamRole(this, `${name}-task-role`, {
      name: `${this.name}-${name}-task`,
      description: `Identity of ${name}'s own processes; separate from the execution role, allowed only what they need`,
      assumeRolePolicy: ecsTasksAssumeRole(account),
    });
    if (efsStatements.length > 0)
      new IamRolePolicy(this, `${name}-task-policy`, {
        role: taskRole.id,
        name: "volumes",
        policy: policyDocument(efsStatements),
      });
    this.taskRoles.set(name, taskRole);

    const taskDefinition = new EcsTaskDefinition(this, `${name}-task`, {
      family: `${this.name}-${name}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(size.cpu),
      memory: String(size.memoryMiB),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify(containers),
      volume: volumes,
    });
    this.taskDefinitions.set(name, taskDefinition);
    if (!service.healthCheck && service.healthCheckExemption)
      suppressRule(taskDefinition, healthCheckRequired, service.healthCheckExemption);
    if (routedHealth) {
      suppressRule(
        taskDefinition,
        healthCheckRequired,
        `the load balancer's target group checks ${service.name} on its routed port; ECS replaces tasks it finds unhealthy, and no probe tool is needed in the image`,
      );
    }
    if (!readonlyRoot) suppressRule(taskDefinition, ecsReadOnlyRoot, service.securityExceptions!.writableRootFs!);

    const discovery = new ServiceDiscoveryService(this, `${name}-discovery`, {
      name,
      description: `Tasks of ${name}`,
      dnsConfig: { namespaceId: ctx.namespaceId, routingPolicy: "MULTIVALUE", dnsRecords: [{ ttl: 10, type: "A" }] },
      healthCheckCustomConfig: {},
    });

    const replicas = service.placement.kind === "replicated" ? service.placement.replicas : 1;
    const deployment = deploymentPercents(service, replicas);
    const routedTargets = [...ctx.routedPorts].map((port) => ({
      targetGroupArn: this.loadBalancer.targetGroups.get(`${name}-${port}`)!.arn,
      containerName: name,
      containerPort: portNamed(service, port).containerPort,
    }));
    const ecsService = new EcsService(this, `${name}-service`, {
      name,
      cluster: this.cluster.id,
      taskDefinition: taskDefinition.arn,
      desiredCount: replicas,
      launchType: "FARGATE",
      platformVersion: FARGATE_PLATFORM_VERSION,
      networkConfiguration: {
        subnets: this.network.privateSubnetIds,
        securityGroups: [this.securityGroups.idOf(name)],
        assignPublicIp: false,
      },
      deploymentController: { type: "ECS" },
      deploymentCircuitBreaker: { enable: true, rollback: updatePolicyOf(service).autoRollback },
      deploymentMinimumHealthyPercent: deployment.minimumHealthyPercent,
      deploymentMaximumPercent: deployment.maximumPercent,
      loadBalancer: routedTargets.length ? routedTargets : undefined,
      healthCheckGracePeriodSeconds: routedTargets.length ? updatePolicyOf(service).healthyDeadlineSec : undefined,
      serviceRegistries: { registryArn: discovery.arn },
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      enableExecuteCommand: false,
      // `cdktf deploy` waits for each rollout, like the Nomad stack does.
      waitForSteadyState: true,
      lifecycle: service.autoscaling ? { ignoreChanges: ["desired_count"] } : undefined,
      // A target group must belong to the load balancer (through a rule) before a service may use it.
      dependsOn: routedTargets.length ? this.loadBalancer.rules : undefined,
    });
    this.services.set(name, ecsService);

    if (service.autoscaling) {
      const scaling = new AppautoscalingTarget(this, `${name}-scaling-target`, {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: `service/${this.cluster.name}/${ecsService.name}`,
        minCapacity: service.autoscaling.minReplicas,
        maxCapacity: service.autoscaling.maxReplicas,
      });
      new AppautoscalingPolicy(this, `${name}-scaling-policy`, {
        name: `${name}-cpu-${service.autoscaling.targetCpuPercent}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: scaling.serviceNamespace,
        scalableDimension: scaling.scalableDimension,
        resourceId: scaling.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: service.autoscaling.targetCpuPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      });
    }
  }

  /** `arn[:json key::]` → the secret's ARN, and the key that decrypts it. */
  private noteReadable(readable: { arns: Set<string>; keys: Set<string> }, valueFrom: string, managed: boolean): void {
    const arn = managed ? this.database!.masterSecretArn : valueFrom;
    readable.arns.add(arn);
    readable.keys.add(managed ? this.database!.key.arn : this.secretsKey.arn);
  }
}

export interface EcrRepository {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly repository: string;
}

/**
 * The private ECR repository of `region` an image reference names (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@digest]`):
 * what tasks pull through the VPC endpoints, with the execution role's permission. Anything else (Docker Hub, ECR
 * Public, another region) is pulled through the NAT gateways.
 */
export function ecrRepositoryOf(image: string, region: string): EcrRepository | undefined {
  const match =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+?)(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?$/.exec(
      image,
    );
  if (!match || match[2] !== region) return undefined;
  return { partition: match[3] ? "aws-cn" : "aws", account: match[1], region: match[2], repository: match[4] };
}

/** The registry host of an image reference (`docker.io` when it names none). */
export function registryOf(image: string): string {
  const first = image.split("/")[0];
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? first
    : "docker.io";
}

const repositoryArn = (r: EcrRepository) =>
  `arn:${r.partition}:ecr:${r.region}:${r.account}:repository/${r.repository}`;

function ecsTasksAssumeRole(account: AwsAccount): string {
  return assumeRolePolicy(
    { Service: "ecs-tasks.amazonaws.com" },
    {
      condition: actingFor(account.accountId, `arn:${account.partition}:ecs:${account.region}:${account.accountId}:*`),
    },
  );
}

/**
 * Writes Prometheus' configuration into a task volume and exits; Prometheus starts once it succeeded. The
 * configuration holds no secret (service names and ports), so an environment variable carries it. It runs as
 * root with every capability dropped: Fargate creates task volumes owned by root.
 */
const configContainerOf = (service: ServiceSpec) => `${service.name}-config`;
const configVolumeOf = (service: ServiceSpec, index: number) =>
  index === 0 ? `${service.name}-config` : `${service.name}-config-${index}`;
/**
 * `/etc/prometheus/prometheus.yml` → `ETC_PROMETHEUS_PROMETHEUS_YML`: the variable that carries a file's content
 * to the init container. From the whole path, since two files of one service may share a base name (Grafana's
 * provisioning files are both `argo.yaml`).
 */
const contentVariableOf = (file: ConfigFile) =>
  file.path
    .replace(/^\/+/, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "_");

/** Writes a service's configuration files (passed as environment variables) into its config volumes, then exits. */
function configInitContainer(
  service: ServiceSpec,
  files: readonly ConfigFile[],
  directories: readonly string[],
  logGroup: string,
  region: string,
  image: string,
): ContainerDefinition {
  const targetOf = (file: ConfigFile) =>
    path.posix.join(
      CONFIG_INIT_DIR,
      String(directories.indexOf(path.posix.dirname(file.path))),
      path.posix.basename(file.path),
    );
  const name = configContainerOf(service);
  return {
    name,
    image,
    essential: false,
    user: "0",
    entryPoint: ["/bin/sh", "-c"],
    command: [files.map((f) => `printf '%s' "$${contentVariableOf(f)}" > ${targetOf(f)}`).join(" && ")],
    environment: files.map((f) => ({ name: contentVariableOf(f), value: f.content })),
    secrets: [],
    portMappings: [],
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": name },
    },
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { initProcessEnabled: false, capabilities: { drop: ["ALL"] } },
    mountPoints: directories.map((_, i) => ({
      sourceVolume: configVolumeOf(service, i),
      containerPath: path.posix.join(CONFIG_INIT_DIR, String(i)),
      readOnly: false,
    })),
  };
}
