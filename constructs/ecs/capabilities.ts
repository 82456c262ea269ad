import type { EcsTarget } from "./target";
import { plaintextDatabaseRealization } from "../aws/postgres-database";
import { describeWebAcl } from "../aws/web-acl";
import { inTransitRecords, type CapabilityRecord } from "../capabilities";
import { alarmSubscriptionsOf } from "../observability/notifications";
import { describeProbe } from "../docker-healthcheck";
import { describeWanted, edgesOf, updatePolicyOf, type Application, type ServiceSpec } from "../model";
import { ECS_MIN_HEALTH_INTERVAL_SEC, type ContainerDefinition } from "./container-definition";
import { deploymentPercents, PASSWORD_ROTATION_SCHEDULE, type EcsPlan, type EcsServicePlan } from "./plan";

const PLATFORM = "ecs";

/** What the capability records read about the rendered application. */
export interface EcsRendering {
  readonly app: Application;
  readonly target: EcsTarget;
  readonly plan: EcsPlan;
  readonly namespace: string;
  readonly containers: ReadonlyMap<string, readonly ContainerDefinition[]>;
  readonly routedServices: ReadonlySet<string>;
  /** Services that pull images from outside this region's ECR, and those images. */
  readonly internetPulls: ReadonlyMap<string, readonly string[]>;
}

/** Every model intent of every service, as ECS realizes it (or cannot), plus the application-wide ones. */
export function ecsCapabilities(r: EcsRendering): CapabilityRecord[] {
  return [...[...r.plan.services.values()].flatMap((plan) => serviceRecords(plan, r)), ...applicationRecords(r)];
}

function serviceRecords(plan: EcsServicePlan, r: EcsRendering): CapabilityRecord[] {
  const service = plan.service;
  const base = { platform: PLATFORM, service: service.name };
  if (plan.kind === "not-on-fargate") {
    return [
      {
        ...base,
        intent: "placement",
        wanted: describeWanted.placement(service),
        realization: `not deployed: ${plan.reason}`,
        support: "unsupported",
      },
    ];
  }
  if (plan.kind === "rds" || plan.kind === "elasticache") return managedRecords(plan);

  const replicas = service.placement.kind === "replicated" ? service.placement.replicas : 1;
  const update = updatePolicyOf(service);
  const percents = deploymentPercents(service, replicas);
  const [main, ...sidecars] = r.containers.get(service.name) ?? [];
  const records: CapabilityRecord[] = [
    {
      ...base,
      intent: "placement",
      wanted: describeWanted.placement(service),
      realization: `Fargate service of ${replicas} task${replicas === 1 ? "" : "s"} spread over the private subnets; ${plan.size.cpu} CPU units / ${plan.size.memoryMiB} MiB (the model gives ${service.resources!.cpuMillicores} millicores / ${service.resources!.memoryMiB} MiB)`,
      support: "native",
    },
    {
      ...base,
      intent: "health",
      wanted: describeWanted.health(service),
      realization: !service.healthCheck
        ? `task state only: ${service.healthCheckExemption}`
        : main?.healthCheck
          ? `container health check run by ECS inside the container, through ${describeProbe(service)}, every ${main.healthCheck.interval} s${main.healthCheck.interval > service.healthCheck.intervalSec ? ` (the model asks ${service.healthCheck.intervalSec} s; ECS' minimum is ${ECS_MIN_HEALTH_INTERVAL_SEC} s)` : ""}`
          : "the load balancer's target group health check on the routed port (the authoritative check for routed services); ECS replaces tasks it finds unhealthy",
      support: "native",
    },
    {
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization:
        `rolling deployment, minimum ${percents.minimumHealthyPercent} %, maximum ${percents.maximumPercent} %, circuit breaker with rollback ${update.autoRollback ? "on" : "off"}` +
        "; ECS has no progress deadline: the circuit breaker fails a rollout after a number of failed tasks (at least 3)" +
        (update.canaries ? "; rolling deployments have no canaries" : ""),
      support: "partial",
    },
    {
      ...base,
      intent: "zones",
      wanted: describeWanted.zones(service),
      realization: `own security group admitting exactly its talks-to callers${r.routedServices.has(service.name) ? " and the load balancer" : ""} on the target port (stricter than zones)`,
      support: "native",
    },
  ];
  if (service.autoscaling) {
    records.push({
      ...base,
      intent: "autoscaling",
      wanted: describeWanted.autoscaling(service),
      realization: `Application Auto Scaling target tracking on ECSServiceAverageCPUUtilization at ${service.autoscaling.targetCpuPercent} %, ${service.autoscaling.minReplicas}-${service.autoscaling.maxReplicas} tasks`,
      support: "native",
    });
  }
  for (const volume of (service.volumes ?? []).filter((v) => v.kind === "persistent")) {
    records.push({
      ...base,
      intent: "persistence",
      wanted: describeWanted.persistence(volume),
      realization: `EFS access point /${volume.name}${volume.ownerUid === undefined ? "" : ` (as uid ${volume.ownerUid})`} on the encrypted, backed-up file system, mounted over TLS with IAM authorization`,
      support: "native",
    });
  }
  records.push(securityRecord(service, main, sidecars));
  if (service.collectsMetrics) records.push(metricsRecord(service, r));
  return records;
}

/** The Fargate exceptions: where a container keeps a writable root filesystem or runs as root, and why. */
function securityRecord(
  service: ServiceSpec,
  main: ContainerDefinition | undefined,
  sidecars: readonly ContainerDefinition[],
): CapabilityRecord {
  const exceptions = service.securityExceptions ?? {};
  const parts = [
    main?.readonlyRootFilesystem
      ? "read-only root filesystem (writable /tmp and volumes)"
      : `writable root filesystem: ${exceptions.writableRootFs}`,
    "not privileged",
    exceptions.runsAsRoot
      ? `starts as root: ${exceptions.runsAsRoot}`
      : "runs as the image's user (ECS cannot check that it is not root)",
    ...sidecars
      .filter((c) => c.user === "0")
      .map(
        (c) =>
          `its ${c.name} init container runs as root with every capability dropped, to write into the task volume Fargate creates owned by root, and exits`,
      ),
  ];
  return {
    platform: PLATFORM,
    service: service.name,
    intent: "security",
    wanted:
      [exceptions.writableRootFs && "writable root filesystem", exceptions.runsAsRoot && "root"]
        .filter(Boolean)
        .join(", ") || "non-root, read-only root filesystem",
    realization: parts.join("; "),
    support:
      exceptions.writableRootFs || exceptions.runsAsRoot || sidecars.some((c) => c.user === "0") ? "partial" : "native",
  };
}

function metricsRecord(collector: ServiceSpec, r: EcsRendering): CapabilityRecord {
  const edges = edgesOf(r.app).filter((e) => e.from.name === collector.name && e.kind === "scrape");
  const scraped = edges.filter((e) => r.plan.services.get(e.to.name)?.kind === "task").map((e) => e.to.name);
  const missing = edges.filter((e) => r.plan.services.get(e.to.name)?.kind !== "task").map((e) => e.to.name);
  return {
    platform: PLATFORM,
    service: collector.name,
    intent: "metrics",
    wanted: `scrape every instance of ${edges.map((e) => e.to.name).join(", ")}`,
    realization:
      `dns_sd_configs on the Cloud Map names (${scraped.map((s) => `${s}.${r.namespace}`).join(", ")}), one target per task (up to 8 per name)` +
      (missing.length
        ? `; ${missing.join(", ")} do not run on Fargate, so they are not scraped (Container Insights has the per-task metrics)`
        : ""),
    support: missing.length ? "partial" : "native",
  };
}

function managedRecords(plan: Extract<EcsServicePlan, { kind: "rds" | "elasticache" }>): CapabilityRecord[] {
  const service = plan.service;
  const base = { platform: PLATFORM, service: service.name };
  if (plan.kind === "rds") {
    const rds = plan.binding;
    const tls = plan.provided.clientTls;
    return [
      {
        ...base,
        intent: "placement",
        wanted: describeWanted.placement(service),
        realization: `Amazon RDS for PostgreSQL ${rds.engineVersion} (${rds.instanceClass}${rds.multiAz ? ", Multi-AZ standby with automatic failover" : ""}) instead of a container`,
        support: "native",
      },
      {
        ...base,
        intent: "health",
        wanted: describeWanted.health(service),
        realization: "RDS monitors the instance and fails over to the standby",
        support: "native",
      },
      {
        ...base,
        intent: "update",
        wanted: describeWanted.update(service),
        realization: "no container release: RDS applies minor engine upgrades in its maintenance window",
        support: "partial",
      },
      {
        ...base,
        intent: "zones",
        wanted: describeWanted.zones(service),
        realization: "the database's security group admits exactly its talks-to callers on 5432",
        support: "native",
      },
      ...(service.volumes ?? [])
        .filter((v) => v.kind === "persistent")
        .map((volume): CapabilityRecord => ({
          ...base,
          intent: "persistence",
          wanted: describeWanted.persistence(volume),
          realization: `RDS storage (gp3, KMS-encrypted, ${rds.allocatedStorageGiB}-${rds.maxAllocatedStorageGiB} GiB), ${rds.backupRetentionDays} days of automated backups, deletion protection, final snapshot`,
          support: "native" as const,
        })),
      {
        ...base,
        intent: "secrets",
        wanted: "postgres-password",
        realization: `RDS manages the master password in Secrets Manager (KMS-encrypted, never in Terraform state), rotated on ${PASSWORD_ROTATION_SCHEDULE}; tasks read it when they start, so the database clients must be redeployed after each rotation (README: the ecs stack)`,
        support: "partial",
      },
      {
        ...base,
        intent: "encryption in transit",
        wanted: "TLS to the database",
        realization: tls.supported
          ? "required: the database refuses plaintext connections (rds.force_ssl = 1)"
          : plaintextDatabaseRealization(tls.reason),
        support: tls.supported ? "native" : "partial",
      },
    ];
  }
  const cache = plan.binding;
  const tls = plan.provided.clientTls;
  return [
    {
      ...base,
      intent: "placement",
      wanted: describeWanted.placement(service),
      realization: `Amazon ElastiCache for Memcached ${cache?.engineVersion} (${cache?.nodeType}) instead of a container; its memory is the node type's, not the container's ${service.resources?.memoryMiB ?? "(unset)"} MiB or its command-line settings`,
      support: "native",
    },
    {
      ...base,
      intent: "health",
      wanted: describeWanted.health(service),
      realization: "ElastiCache replaces failed nodes",
      support: "native",
    },
    {
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization: "no container release: ElastiCache applies engine updates in its maintenance window",
      support: "partial",
    },
    {
      ...base,
      intent: "zones",
      wanted: describeWanted.zones(service),
      realization: "the cache's security group admits exactly its talks-to callers on 11211",
      support: "native",
    },
    {
      ...base,
      intent: "encryption in transit",
      wanted: "TLS to the cache",
      realization: tls.supported
        ? "on: ElastiCache transit encryption, every client uses TLS"
        : `off: ${tls.reason}; the cache is in private subnets behind its security group`,
      support: tls.supported ? "native" : "partial",
    },
  ];
}

function applicationRecords(r: EcsRendering): CapabilityRecord[] {
  const base = { platform: PLATFORM, service: "*" };
  const admin = r.app.routes.filter((route) => route.adminOnly).length;
  return [
    {
      ...base,
      intent: "routes",
      wanted: `${r.app.routes.length} public routes, ${admin} admin-only`,
      realization: `internet-facing ALB: one HTTPS listener rule per route (path pattern <prefix>*), admin-only rules also match the client's source address against the admin CIDRs; HTTP redirects to HTTPS; anything else is a 404; ${describeWebAcl(r.target.webAcl)}; access logs to S3`,
      support: "native",
    },
    {
      ...base,
      intent: "secrets",
      wanted: r.app.secrets.map((s) => s.name).join(", "),
      realization:
        "Secrets Manager (KMS-encrypted), injected by ECS at task start through valueFrom; each execution role may read exactly its service's secrets; task definitions hold ARNs only",
      support: "native",
    },
    {
      ...base,
      intent: "encryption in transit",
      wanted: "AWS APIs and file storage: encrypted",
      realization:
        "encrypted: TLS to the AWS APIs (ECR, Secrets Manager, CloudWatch Logs) and to EFS (transit encryption on every volume)",
      support: "native",
    },
    ...inTransitRecords(PLATFORM, r.app, {
      ingress: {
        encrypted: false,
        how: "TLS 1.2+ ends at the ALB; it forwards plain HTTP to each task's IP inside the VPC, limited by the security groups",
      },
      calls: {
        encrypted: false,
        how: "plain HTTP/TCP between tasks (no service mesh here), limited by the security groups; the managed database's and cache's TLS are recorded with them",
      },
      scrapes: { encrypted: false, how: "Prometheus scrapes each task's port over plain HTTP" },
      logPushes: {
        encrypted: true,
        how: "no log collector runs on Fargate: the awslogs driver sends each container's logs to CloudWatch Logs over TLS",
      },
    }),
    notificationsRecord(r),
    {
      ...base,
      intent: "egress",
      wanted: "out only to what each service needs",
      realization:
        "AWS APIs (ECR, CloudWatch Logs, Secrets Manager) through interface VPC endpoints and image layers through the S3 gateway endpoint, from the private subnets; " +
        (r.internetPulls.size === 0
          ? "no task reaches the internet (every image is in this region's ECR)"
          : `HTTPS to the internet (through the NAT gateways) only for the tasks that pull images from outside this region's ECR: ${[...r.internetPulls.keys()].join(", ")}; mirrored into ECR (and ecs.configWriterImage), they would need none`),
      support: r.internetPulls.size === 0 ? "native" : "partial",
    },
    {
      ...base,
      intent: "discovery",
      wanted: "services find each other by name",
      realization: `Cloud Map private DNS namespace ${r.namespace}: <service>.${r.namespace} has an A record per healthy task`,
      support: "native",
    },
  ];
}

/** Where the CloudWatch alarms go: the encrypted topic and the environment's subscribers, or nobody. */
function notificationsRecord(r: EcsRendering): CapabilityRecord {
  const own = r.target.alarmSubscriptions ?? [];
  const subscriptions = alarmSubscriptionsOf(r.app, own);
  const protocols = [...new Set(own.map((s) => s.protocol))].map(
    (p) => `${own.filter((s) => s.protocol === p).length} ${p}`,
  );
  const fromReceivers = subscriptions.length - own.length;
  return {
    platform: PLATFORM,
    service: "*",
    intent: "notifications",
    wanted: "alerts reach the people on call",
    realization:
      `CloudWatch alarms publish to the SNS topic ${r.target.clusterName}-alarms, encrypted with its own KMS key that CloudWatch may use for that topic only; ` +
      (subscriptions.length
        ? `it delivers to ${[
            ...(own.length ? [`${protocols.join(" and ")} subscriber(s) of ecs.alarmSubscriptions`] : []),
            ...(fromReceivers ? [`${fromReceivers} e-mail receiver(s) of selection.alertReceivers`] : []),
          ].join(" and ")}`
        : "no subscriber (ecs.alarmSubscriptions is empty): the alarms notify nobody; selection.alertReceivers names no e-mail receiver either"),
    support: subscriptions.length ? "native" : "partial",
  };
}
