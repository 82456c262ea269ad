import {
  imageRef,
  portNamed,
  renderEnvValue,
  restartPolicyOf,
  runtimeDirCovers,
  updatePolicyOf,
  type Application,
  type EnvResolver,
  type HealthCheck,
  type RouteSpec,
  type ServiceSpec,
} from "../model";
import { dockerHealthcheck } from "../docker-healthcheck";
import type { NomadTarget } from "./target";
import {
  seconds,
  type Job,
  type JobFile,
  type Port,
  type ServiceCheck,
  type Service,
  type Task,
  type TaskGroup,
  type Template,
} from "./jobspec";
import { DOCKER_API_PROXY_RESOURCES } from "../docker-api-proxy";
import { dockerApiProxyTask, dockerApiReadOf, NOMAD_DOCKER_API_SOCKET } from "./docker-api-proxy";
import { nodeMountsOf, nodeVolumeMounts, nodeVolumeRequests } from "./node-volumes";
import { consulServiceName, METRICS_LISTENER, type ServicePlan } from "./plan";

export interface ServiceJobContext {
  readonly app: Application;
  readonly target: NomadTarget;
  readonly adminCidrs: readonly string[];
  readonly plans: ReadonlyMap<string, ServicePlan>;
  /** The value of a secret as the platform refers to it (a Terraform expression, never a literal). */
  readonly secretValue: (name: string) => string;
}

/** Platform additions to a service's task: configuration files and the secrets they read. */
export interface TaskExtras {
  readonly templates?: readonly Template[];
  readonly volumes?: readonly string[];
  /** The task reads Consul itself: Nomad gets it a Consul token from its workload identity (consul-task-policies.ts). */
  readonly readsConsul?: boolean;
}

export interface RenderedServiceJob {
  readonly file: JobFile;
  /** Nomad Variable path the job's tasks read their secrets from (readable by this job only). */
  readonly variablePath: string;
  /** Secret environment of the job, rendered with Terraform references to the generated secrets. */
  readonly secretItems: Readonly<Record<string, string>>;
}

/** Consul's metadata key that tells Prometheus which host port serves an instance's metrics. */
export const METRICS_PORT_META = "metrics_port";
export const METRICS_PATH_META = "metrics_path";

export function variablePathOf(jobId: string): string {
  return `nomad/jobs/${jobId}`;
}

export function workloadConstraint(target: NomadTarget) {
  return { LTarget: "${node.class}", RTarget: target.workloadNodeClass, Operand: "=" };
}

/** Nomad schedules CPU in MHz; the model speaks in thousandths of a core. */
export function cpuMhz(millicores: number, target: NomadTarget): number {
  return Math.max(1, Math.round((millicores / 1000) * target.cpuMhzPerCore));
}

/** Fabio route tag; admin-only routes carry an IP allow-list of the admin CIDRs plus the edge proxies. */
export function fabioTag(route: RouteSpec, ctx: Pick<ServiceJobContext, "adminCidrs" | "target">): string {
  if (!route.adminOnly) return `urlprefix-${route.pathPrefix}`;
  const allowed = [...ctx.adminCidrs, ...ctx.target.edgeProxies.map((a) => `${a}/32`)];
  return `urlprefix-${route.pathPrefix} allow=${allowed.map((c) => `ip:${c}`).join(",")}`;
}

export function renderServiceJob(
  service: ServiceSpec,
  ctx: ServiceJobContext,
  extras: TaskExtras = {},
): RenderedServiceJob {
  const plan = ctx.plans.get(service.name);
  if (!plan) throw new Error(`no network plan for service "${service.name}"`);
  const jobId = service.name;
  const variablePath = variablePathOf(jobId);
  const resolver: EnvResolver = {
    secret: ctx.secretValue,
    endpoint: (target, port) => {
      const upstream = plan.upstreams.find((u) => u.service.name === target && u.port.name === port);
      if (!upstream) throw new Error(`"${service.name}" refers to ${target}:${port} without a talks-to entry`);
      return { host: "127.0.0.1", port: upstream.localBindPort };
    },
  };
  const env = Object.fromEntries(Object.entries(service.env ?? {}).map(([k, v]) => [k, renderEnvValue(v, resolver)]));
  const secretEnv = Object.fromEntries(
    Object.entries(service.secretEnv ?? {}).map(([k, v]) => [k, renderEnvValue(v, resolver)]),
  );

  const perNode = service.placement.kind === "per-node";
  const group: TaskGroup = {
    Name: service.name,
    Count: service.placement.kind === "replicated" ? service.placement.replicas : 1,
    Networks: [{ Mode: "bridge", DynamicPorts: dynamicPorts(service, plan) }],
    Services: consulServices(service, plan, ctx),
    Tasks: [
      task(service, plan, ctx, env, variablePath, Object.keys(secretEnv), extras),
      ...dockerApiProxyTasks(service, ctx.target),
    ],
    Volumes: hostVolumes(service, ctx.target),
    RestartPolicy: restartPolicy(service),
    Update: perNode ? systemUpdate(service) : serviceUpdate(service),
    Scaling: scalingPolicy(service),
    Meta: { zones: service.zones.join(",") },
  };
  const job: Job = {
    ID: jobId,
    Name: jobId,
    Type: perNode ? "system" : "service",
    Region: ctx.target.region,
    Namespace: "default",
    Datacenters: [ctx.target.datacenter],
    Constraints: [workloadConstraint(ctx.target)],
    Meta: { application: ctx.app.name },
    TaskGroups: [group],
  };
  return { file: { Job: job }, variablePath, secretItems: secretEnv };
}

function dynamicPorts(service: ServiceSpec, plan: ServicePlan): Port[] {
  const ports: Port[] = plan.mappedPorts.map((name) => ({ Label: name, To: portNamed(service, name).containerPort }));
  if (plan.metrics?.exposeFrom) ports.push({ Label: METRICS_LISTENER, To: -1 });
  return ports;
}

function consulServices(service: ServiceSpec, plan: ServicePlan, ctx: ServiceJobContext): Service[] | undefined {
  if (service.ports.length === 0) {
    // A pure client (ot-app) still needs a mesh identity and a sidecar to reach its upstreams.
    return plan.inMesh
      ? [{ Name: service.name, Provider: "consul", Connect: connect(plan, ctx.target, undefined) }]
      : undefined;
  }
  return service.ports.map((port, index): Service => {
    const primary = index === 0;
    const mapped = plan.mappedPorts.includes(port.name);
    const routes = plan.routes.filter((r) => r.port === port.name);
    const checks = primary && service.healthCheck ? [check(service, service.healthCheck, plan)] : undefined;
    const meta: Record<string, string> = {};
    if (primary && plan.metrics) {
      meta[METRICS_PORT_META] = `\${NOMAD_HOST_PORT_${plan.metrics.hostPortLabel}}`;
      meta[METRICS_PATH_META] = plan.metrics.path;
    }
    return {
      Name: consulServiceName(service, port),
      // A mapped port is registered by label (host address); an unmapped one by number, reachable through the mesh.
      PortLabel: mapped ? port.name : String(port.containerPort),
      Provider: "consul",
      Tags: routes.length > 0 ? routes.map((r) => fabioTag(r, ctx)) : undefined,
      Meta: Object.keys(meta).length > 0 ? meta : undefined,
      AddressMode: mapped ? "host" : "alloc",
      Checks: checks,
      Connect: primary && plan.inMesh ? connect(plan, ctx.target, port.containerPort) : undefined,
    };
  });
}

/** The one tag of every Connect sidecar's Consul service (any tag but the service's own routes). */
export const SIDECAR_TAG = "connect-sidecar";

/**
 * The sidecar forwards inbound mesh traffic to the task's own port. Stated, because Consul's default is the
 * registered service's port, which for a port mapped on the host (Fabio routes to it) is the host port, not the
 * one the task listens on inside the allocation.
 */
function connect(plan: ServicePlan, target: NomadTarget, localServicePort: number | undefined): Service["Connect"] {
  const exposeFrom = plan.metrics?.exposeFrom;
  const sidecar = target.connectSidecar;
  return {
    SidecarTask: sidecar
      ? {
          Driver: "docker",
          Config: { image: sidecar.image },
          Env: sidecar.env && Object.keys(sidecar.env).length ? sidecar.env : undefined,
        }
      : undefined,
    SidecarService: {
      // Consul gives a sidecar without tags its service's tags: Fabio would route public requests to its mTLS port.
      Tags: [SIDECAR_TAG],
      Proxy: {
        LocalServicePort: localServicePort,
        Upstreams: plan.upstreams.length
          ? plan.upstreams.map((u) => ({ DestinationName: u.destinationName, LocalBindPort: u.localBindPort }))
          : undefined,
        Expose: exposeFrom
          ? {
              Paths: [
                {
                  Path: plan.metrics!.path,
                  Protocol: "http",
                  LocalPathPort: exposeFrom.containerPort,
                  ListenerPort: METRICS_LISTENER,
                },
              ],
            }
          : undefined,
      },
    },
  };
}

/**
 * The model's health check as a Consul check run by the node's agent: on the host port where the port is
 * mapped, through an `expose` path of the sidecar for HTTP in the mesh, inside the task for TCP in the mesh
 * (Nomad allows no TCP check on a Connect service) and for commands, on the allocation address otherwise.
 */
function check(service: ServiceSpec, health: HealthCheck, plan: ServicePlan): ServiceCheck {
  const common = {
    Name: `${service.name}-health`,
    Interval: seconds(health.intervalSec),
    Timeout: seconds(health.timeoutSec),
  };
  if (health.type === "command") {
    return {
      ...common,
      Type: "script",
      Command: health.command[0],
      Args: health.command.slice(1),
      TaskName: service.name,
    };
  }
  const port = portNamed(service, health.port);
  const mapped = plan.mappedPorts.includes(port.name);
  if (health.type === "http") {
    if (mapped) return { ...common, Type: "http", Path: health.path, PortLabel: port.name };
    if (plan.inMesh && port.name === plan.primaryPort?.name)
      return { ...common, Type: "http", Path: health.path, Expose: true };
    return { ...common, Type: "http", Path: health.path, PortLabel: String(port.containerPort), AddressMode: "alloc" };
  }
  if (mapped) return { ...common, Type: "tcp", PortLabel: port.name };
  // Nomad refuses TCP checks on Connect services: the task itself opens the connection, as Docker's check does.
  if (plan.inMesh) {
    const [command, ...args] = dockerHealthcheck(service, health).test.slice(1);
    return { ...common, Type: "script", Command: command, Args: args, TaskName: service.name };
  }
  return { ...common, Type: "tcp", PortLabel: String(port.containerPort), AddressMode: "alloc" };
}

function task(
  service: ServiceSpec,
  plan: ServicePlan,
  ctx: ServiceJobContext,
  env: Record<string, string>,
  variablePath: string,
  secretNames: readonly string[],
  extras: TaskExtras,
): Task {
  const volumes = service.volumes ?? [];
  const dockerApi = dockerApiReadOf(service);
  // An empty /run where a host volume would show the node's sockets (the Docker engine's: root on the node).
  const runtimeCovers = runtimeDirCovers(service).map((c) => ({
    type: "tmpfs" as const,
    target: c.mountPath,
    readonly: true,
  }));
  const volumeMounts = [
    ...volumes.flatMap((v) =>
      v.kind === "persistent" ? [{ Volume: v.name, Destination: v.mountPath, ReadOnly: false }] : [],
    ),
    // The engine's socket is the proxy task's alone: this task reads the filtered one in the allocation directory.
    ...nodeVolumeMounts(nodeMountsOf(service, ctx.target).filter((m) => m.name !== dockerApi?.volume.name)),
  ];
  const endpointFlag =
    dockerApi?.volume.dockerApi?.access === "read" ? dockerApi.volume.dockerApi.endpointFlag : undefined;
  const args = endpointFlag
    ? [...(service.args ?? []), `${endpointFlag}=unix://${NOMAD_DOCKER_API_SOCKET}`]
    : service.args;
  const scratch = [
    ...volumes.flatMap((v) => (v.kind === "ephemeral" ? [`local/${v.name}:${v.mountPath}`] : [])),
    ...(extras.volumes ?? []),
  ];
  const templates = [
    ...(secretNames.length ? [secretEnvTemplate(variablePath, secretNames)] : []),
    ...(extras.templates ?? []),
  ];
  return {
    Name: service.name,
    Driver: "docker",
    Config: {
      image: imageRef(service),
      ports: plan.mappedPorts.length ? plan.mappedPorts : undefined,
      entrypoint: service.command,
      args,
      mount: runtimeCovers.length ? runtimeCovers : undefined,
      volumes: scratch.length ? scratch : undefined,
    },
    Env: Object.keys(env).length ? env : undefined,
    Templates: templates.length ? templates : undefined,
    Consul: extras.readsConsul ? {} : undefined,
    Resources: { CPU: cpuMhz(service.resources!.cpuMillicores, ctx.target), MemoryMB: service.resources!.memoryMiB },
    VolumeMounts: volumeMounts.length ? volumeMounts : undefined,
  };
}

/**
 * Renders secrets from the job's Nomad Variable into the task environment at start (and restarts the task when
 * they change). The jobspec holds only the variable's path and key names, never a value.
 */
export function secretEnvTemplate(variablePath: string, keys: readonly string[]) {
  const lines = keys.map((k) => `${k}={{ .${k} }}`);
  return {
    EmbeddedTmpl: `{{ with nomadVar "${variablePath}" }}\n${lines.join("\n")}\n{{ end }}\n`,
    DestPath: "secrets/env.env",
    ChangeMode: "restart" as const,
    Envvars: true,
  };
}

/**
 * The Consul token Nomad got the task from its workload identity (the task has a Consul block), under the name
 * a program reads it from: Nomad puts it in the task's environment as CONSUL_TOKEN before templates render.
 */
export function consulTokenEnvTemplate(name: string) {
  return {
    EmbeddedTmpl: `${name}={{ env "CONSUL_TOKEN" }}\n`,
    DestPath: "secrets/consul-token.env",
    ChangeMode: "restart" as const,
    Envvars: true,
  };
}

/**
 * The same token as a file the task's user can read: Nomad's own copy (secrets/consul_token) is root's, and an
 * image that runs as another user (Prometheus as nobody) could not open it.
 */
export function consulTokenFileTemplate(destPath: string, uid: number | undefined): Template {
  return {
    EmbeddedTmpl: '{{ env "CONSUL_TOKEN" }}',
    DestPath: destPath,
    ChangeMode: "restart",
    Perms: "0400",
    ...(uid === undefined ? {} : { Uid: uid, Gid: uid }),
  };
}

/** The filtering Docker API proxy beside a service that reads the engine's API (docker-api-proxy.ts). */
function dockerApiProxyTasks(service: ServiceSpec, target: NomadTarget): Task[] {
  const dockerApi = dockerApiReadOf(service);
  const socket = dockerApi && nodeMountsOf(service, target).find((m) => m.name === dockerApi.volume.name);
  if (!dockerApi || !socket) return [];
  return [
    dockerApiProxyTask(service, socket, dockerApi.resources, cpuMhz(DOCKER_API_PROXY_RESOURCES.cpuMillicores, target)),
  ];
}

/** The group's host volumes: its persistent volumes (placed by the environment) and the node paths it reads. */
function hostVolumes(service: ServiceSpec, target: NomadTarget): TaskGroup["Volumes"] {
  const persistent = (service.volumes ?? []).filter((v) => v.kind === "persistent");
  const volumes = {
    ...Object.fromEntries(
      persistent.map((v) => [v.name, { Name: v.name, Type: "host" as const, Source: v.name, ReadOnly: false }]),
    ),
    ...nodeVolumeRequests(nodeMountsOf(service, target)),
  };
  return Object.keys(volumes).length ? volumes : undefined;
}

function restartPolicy(service: ServiceSpec): TaskGroup["RestartPolicy"] {
  const restart = restartPolicyOf(service);
  return {
    Attempts: restart.maxAttempts,
    Interval: seconds(restart.windowSec),
    Delay: seconds(restart.delaySec),
    Mode: "fail",
  };
}

/**
 * Nomad replaces allocations stop-first; its start-first is canaries. A start-first update without canaries of
 * its own starts `parallelism` new allocations next to the old ones and promotes them once healthy, so a release
 * that fails never stopped an old allocation: its rollback only discards the canaries.
 */
export function startsFirstAsCanaries(service: ServiceSpec): boolean {
  const update = updatePolicyOf(service);
  return update.order === "start-first" && update.canaries === 0;
}

function serviceUpdate(service: ServiceSpec): TaskGroup["Update"] {
  const update = updatePolicyOf(service);
  const startFirst = startsFirstAsCanaries(service);
  return {
    MaxParallel: update.parallelism,
    Stagger: seconds(update.delaySec),
    HealthCheck: service.healthCheck ? "checks" : "task_states",
    MinHealthyTime: seconds(update.minHealthySec),
    HealthyDeadline: seconds(update.healthyDeadlineSec),
    // Nomad's progress deadline 0 fails the deployment at the first unhealthy allocation.
    ProgressDeadline: update.failFast ? 0 : seconds(update.progressDeadlineSec),
    AutoRevert: update.autoRollback,
    AutoPromote: startFirst || (update.canaries > 0 && update.autoPromote),
    Canary: startFirst ? update.parallelism : update.canaries,
  };
}

/** System jobs roll node by node; Nomad has no deployments (and so no auto-revert) for them. */
function systemUpdate(service: ServiceSpec): TaskGroup["Update"] {
  const update = updatePolicyOf(service);
  return { MaxParallel: update.parallelism, Stagger: seconds(update.delaySec) };
}

/** The autoscaling intent as a Nomad Autoscaler policy on average allocated CPU (open-source nomad-apm source). */
function scalingPolicy(service: ServiceSpec): TaskGroup["Scaling"] {
  const scaling = service.autoscaling;
  if (!scaling) return undefined;
  return {
    Min: scaling.minReplicas,
    Max: scaling.maxReplicas,
    Enabled: true,
    Type: "horizontal",
    Policy: {
      cooldown: "1m",
      evaluation_interval: "30s",
      check: [
        {
          "avg-cpu": [
            {
              source: "nomad-apm",
              query: "avg_cpu-allocated",
              strategy: [{ "target-value": [{ target: scaling.targetCpuPercent }] }],
            },
          ],
        },
      ],
    },
  };
}
