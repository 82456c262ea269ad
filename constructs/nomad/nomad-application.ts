import { Job } from "@cdktf/provider-nomad/lib/job";
import { Variable } from "@cdktf/provider-nomad/lib/variable";
import type { NomadTarget } from "./target";
import { CapabilityReport, inTransitRecords, type CapabilityRecord } from "../capabilities";
import { Construct } from "../cdktf";
import {
  dataOwnerUidOf,
  describeWanted,
  startOrder,
  updatePolicyOf,
  type Application,
  type ServiceSpec,
} from "../model";
import { healthCheckRequired, suppressRule } from "../policy";
import { ApplicationSecrets } from "../secrets/application-secrets";
import { consulReadersOf } from "./consul-task-policies";
import { ConsulMesh } from "./consul-mesh";
import { DOCKER_API_PROXY_TASK, NOMAD_DOCKER_API_SOCKET } from "./docker-api-proxy";
import { FABIO_JOB_ID, renderFabioJob } from "./fabio-job";
import type { JobFile } from "./jobspec";
import { planServices, type ServicePlan } from "./plan";
import { alertRulesFor, observabilityRecords, type ObservabilityPlatform } from "../observability";
import { configFilesOf, nomadConfigTemplates, nomadObservability } from "./observability";
import { PROMETHEUS_CONSUL_TOKEN_FILE } from "./prometheus-config";
import {
  consulTokenFileTemplate,
  fabioTag,
  renderServiceJob,
  startsFirstAsCanaries,
  variablePathOf,
  type TaskExtras,
} from "./service-job";
import { escapeTerraformTemplate } from "../builtin/terraform-escape";

export interface NomadApplicationProps {
  readonly app: Application;
  readonly target: NomadTarget;
  readonly adminCidrs: readonly string[];
}

const PLATFORM = "nomad";

/**
 * An application on Nomad + Consul + Fabio: one job per service (each rolls out and reverts on its own),
 * Consul Connect between them with deny-by-default intentions, secrets in Nomad Variables, and Fabio routing
 * the model's public routes.
 */
export class NomadApplication extends Construct {
  /** The `nomad_job` resources by job ID. */
  readonly jobs = new Map<string, Job>();
  /** The jobspecs as sent to Nomad, by job ID. */
  readonly jobFiles = new Map<string, JobFile>();
  readonly variables = new Map<string, Variable>();
  readonly mesh: ConsulMesh;

  constructor(scope: Construct, id: string, props: NomadApplicationProps) {
    super(scope, id);
    const { app, target } = props;
    const secrets = new ApplicationSecrets(this, "secrets", app);
    const plans = planServices(app);
    this.mesh = new ConsulMesh(this, "mesh", { app, plans });
    const report = CapabilityReport.of(this);
    const observability = nomadObservability(app, target, plans);

    for (const service of app.services) {
      const extras = this.observabilityExtras(app, service, observability);
      const rendered = renderServiceJob(
        service,
        { app, target, adminCidrs: props.adminCidrs, plans, secretValue: (n) => secrets.valueOf(n) },
        extras,
      );
      const job = this.addJob(service.name, rendered.file, rendered.variablePath, rendered.secretItems);
      if (!service.healthCheck && service.healthCheckExemption) {
        suppressRule(job, healthCheckRequired, service.healthCheckExemption);
      }
      for (const entry of capabilities(service, plans.get(service.name)!, rendered.file, target))
        report.record(this, entry);
    }

    this.orderByCalls(app);

    this.addJob(FABIO_JOB_ID, renderFabioJob(target), variablePathOf(FABIO_JOB_ID), {});
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "routes",
      wanted: describeWanted.routes(app),
      realization: `Fabio system job on every client (:${target.fabio.httpPort}) from urlprefix- tags; admin-only routes carry allow=ip: the admin CIDRs and the edge proxies (e.g. ${
        app.routes.find((r) => r.adminOnly)
          ? fabioTag(
              app.routes.find((r) => r.adminOnly)!,
              { ...props, target },
            )
          : "none"
      })`,
      support: "native",
    });
    const collector = app.services.find((s) => s.collectsMetrics);
    const logCollector = app.services.find((s) => s.collectsLogs);
    const records = observabilityRecords(app, {
      platform: PLATFORM,
      discovery:
        "Prometheus discovers every registered instance through Consul (consul_sd_configs), at the host port in its metrics_port metadata (the sidecar's expose listener for mesh services)",
      logs: {
        realization: `${logCollector?.name ?? "a collector"} as a system job on every workload client reads the node's containers through the Docker socket (discovery.docker, loki.source.docker); service label from the container name <task>-<allocation>; ships through its mesh upstream`,
        support: "native",
      },
      rules: collector ? alertRulesFor(app, collector, observability) : undefined,
    });
    for (const entry of records) report.record(this, entry);
    const inTransit = inTransitRecords(PLATFORM, app, {
      edge:
        target.edgeProxies.length > 0
          ? {
              encrypted: false,
              how: `TLS ends at the edge proxy (${target.edgeProxies.join(", ")}), which forwards plain HTTP to Fabio's :${target.fabio.httpPort} across the LAN`,
            }
          : undefined,
      ingress: {
        encrypted: false,
        how: "Fabio is outside the mesh: it reaches each routed port on its mapped host port over plain HTTP, limited by the node firewall",
      },
      calls: {
        encrypted: true,
        how: "Consul Connect mutual TLS between the sidecars; intentions admit exactly the talks-to pairs",
      },
      scrapes: {
        encrypted: false,
        how: "Prometheus reaches each instance's host port over plain HTTP (a mesh service's metrics through its sidecar's expose listener, which serves without mTLS)",
      },
      logPushes: { encrypted: true, how: "the log collector pushes through its Connect upstream (mutual TLS)" },
    });
    for (const entry of inTransit) report.record(this, entry);
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "secrets",
      wanted: describeWanted.secrets(app),
      realization:
        "random_password values stored in one Nomad Variable per job (nomad/jobs/<job>, readable by that job only), rendered into the task environment by a template",
      support: "native",
    });
  }

  /**
   * A job is submitted once the jobs it calls have deployed (the provider waits for each deployment), so a
   * client's first start finds its dependencies healthy instead of spending its restarts on them. A call that
   * would close a cycle adds no order: those services must outlast each other's start.
   */
  private orderByCalls(app: Application): void {
    const after = startOrder(app);
    for (const [name, callees] of after) {
      const job = this.jobs.get(name);
      if (job && callees.length)
        job.dependsOn = [
          ...(job.dependsOn ?? []),
          ...callees.map((c) => `nomad_job.${this.jobs.get(c)!.friendlyUniqueId}`),
        ];
    }
  }

  private addJob(
    jobId: string,
    file: JobFile,
    variablePath: string,
    secretItems: Readonly<Record<string, string>>,
  ): Job {
    let variable: Variable | undefined;
    if (Object.keys(secretItems).length > 0) {
      variable = new Variable(this, `${jobId}-secrets`, {
        path: variablePath,
        namespace: "default",
        items: { ...secretItems },
      });
      this.variables.set(jobId, variable);
    }
    const job = new Job(this, jobId, {
      jobspec: escapeTerraformTemplate(JSON.stringify(file, null, 2)),
      json: true,
      // Wait for the deployment: a release that fails its health checks fails the apply (after Nomad reverted it).
      detach: false,
      dependsOn: [...(variable ? [variable] : []), ...this.mesh.serviceDefaults],
    });
    this.jobs.set(jobId, job);
    this.jobFiles.set(jobId, file);
    return job;
  }

  /**
   * The model's configuration files of an observability service, as templates of its task; Prometheus also
   * gets a Consul token for discovery, from its workload identity (the Consul CA is a node mount: node-volumes.ts).
   */
  private observabilityExtras(app: Application, service: ServiceSpec, platform: ObservabilityPlatform): TaskExtras {
    const { templates, volumes } = nomadConfigTemplates(
      configFilesOf(app, service, platform),
      Boolean(service.collectsMetrics),
    );
    if (!(service.name in consulReadersOf(app))) return templates.length ? { templates, volumes } : {};
    const tokenFile = consulTokenFileTemplate(PROMETHEUS_CONSUL_TOKEN_FILE.replace(/^\//, ""), dataOwnerUidOf(service));
    return { templates: [...templates, tokenFile], volumes, readsConsul: true };
  }
}

function capabilities(service: ServiceSpec, plan: ServicePlan, file: JobFile, target: NomadTarget): CapabilityRecord[] {
  const base = { platform: PLATFORM, service: service.name };
  const group = file.Job.TaskGroups[0];
  const update = updatePolicyOf(service);
  const records: CapabilityRecord[] = [];
  records.push(
    service.placement.kind === "per-node"
      ? {
          ...base,
          intent: "placement",
          wanted: describeWanted.placement(service),
          realization: "system job on every workload client",
          support: "native",
        }
      : {
          ...base,
          intent: "placement",
          wanted: describeWanted.placement(service),
          realization: `service job, group count ${group.Count}`,
          support: "native",
        },
  );
  records.push(
    service.healthCheck
      ? {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `Consul ${group.Services?.[0]?.Checks?.[0]?.Type} check run by the node's agent`,
          support: "native",
        }
      : {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `task state only: ${service.healthCheckExemption}`,
          support: "native",
        },
  );
  if (service.autoscaling) {
    records.push({
      ...base,
      intent: "autoscaling",
      wanted: describeWanted.autoscaling(service),
      realization:
        "group scaling policy (target-value on avg_cpu-allocated, nomad-apm); acts only where the Nomad Autoscaler agent runs, which this stack does not deploy",
      support: "partial",
    });
  }
  if (service.placement.kind === "per-node") {
    records.push({
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization: update.autoRollback
        ? "system jobs roll node by node but have no deployments, so Nomad cannot revert them automatically"
        : "system job rolling update",
      support: update.autoRollback ? "unsupported" : "native",
    });
  } else {
    records.push({
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization:
        `update { max_parallel ${update.parallelism}, auto_revert ${update.autoRollback}, healthy_deadline ${update.healthyDeadlineSec}s, ` +
        `progress_deadline ${update.failFast ? "0 (the first unhealthy allocation fails the deployment)" : `${update.progressDeadlineSec}s`}, ` +
        (startsFirstAsCanaries(service)
          ? `canary ${update.parallelism}, auto_promote true }; start-first as canaries: new allocations run next to the old until healthy, and a failed release only discards them`
          : `canary ${update.canaries} }`),
      support: "native",
    });
  }
  records.push(
    plan.inMesh
      ? {
          ...base,
          intent: "zones",
          wanted: describeWanted.zones(service),
          realization: "Consul Connect sidecar; intentions allow exactly the talks-to pairs (stricter than zones)",
          support: "native",
        }
      : {
          ...base,
          intent: "zones",
          wanted: describeWanted.zones(service),
          realization: `not in the mesh (no call traffic): ports ${plan.mappedPorts.join(", ")} are on dynamic host ports, limited by the node firewall`,
          support: "partial",
        },
  );
  for (const volume of service.volumes ?? []) {
    if (volume.kind !== "host" || !volume.dockerApi) continue;
    records.push({
      ...base,
      intent: "docker-api",
      wanted: describeWanted.dockerApi(volume.dockerApi),
      realization:
        volume.dockerApi.access === "read"
          ? `a filtering HAProxy task beside it in its group (${DOCKER_API_PROXY_TASK}), the only task mounting the engine's socket, serves ${NOMAD_DOCKER_API_SOCKET} in the allocation directory: GET and HEAD on ${volume.dockerApi.resources.join(", ")}, 403 for anything else`
          : `the engine's socket ${volume.hostPath}, a host volume of every client, mounted into the task: root on its client, as the model grants`,
      support: "native",
    });
  }
  for (const volume of (service.volumes ?? []).filter((v) => v.kind === "persistent")) {
    const placement = target.hostVolumes[volume.name];
    records.push({
      ...base,
      intent: "persistence",
      wanted: describeWanted.persistence(volume),
      realization: `host volume "${volume.name}" on client ${placement?.client} (${placement?.path}); the group is placed on that client`,
      support: "native",
    });
  }
  return records;
}
