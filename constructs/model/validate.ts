import { cidrsOverlap, parseCidr, type Cidr } from "./cidr";
import { restartPolicyOf, talksToKind, updatePolicyOf } from "./defaults";
import { knownList, unknownName, type Problem } from "./problems";
import { runtimeDirOf } from "./host-volumes";
import { endpointsIn, secretsIn } from "./refs";
import type { Application, DockerApiAccess, DockerApiResource, EnvValue, HealthCheck, ServiceSpec } from "./types";
import { validateDecisions } from "./validate-decisions";

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Checks an application model and returns every problem found (an empty list when it is sound). */
export function validateApplication(app: Application): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const zoneNames = checkUniqueNames(app.zones, "zones", "zone", add);
  checkZoneSubnets(app, add);
  const secretNames = checkUniqueNames(app.secrets, "secrets", "secret", add);
  app.secrets.forEach((secret) => {
    const path = `secrets.${secret.name}`;
    if (secret.source.kind === "generate" && (!Number.isInteger(secret.source.length) || secret.source.length < 16)) {
      add(`${path}.source.length`, `must be a whole number of at least 16 characters (got ${secret.source.length})`);
    }
    if (secret.source.kind === "supplied" && !/^[a-z][a-z0-9_]*$/.test(secret.source.variable)) {
      add(
        `${path}.source.variable`,
        `"${secret.source.variable}" is not a Terraform variable name (expected lowercase letters, digits and _)`,
      );
    }
  });

  const serviceNames = checkUniqueNames(app.services, "services", "service", add);
  const servicesByName = new Map(app.services.map((s) => [s.name, s]));
  for (const service of app.services) {
    checkService(service, { app, servicesByName, serviceNames, zoneNames, secretNames, add });
  }
  checkPersistentVolumeNames(app, add);
  checkRoutes(app, servicesByName, serviceNames, add);
  problems.push(...validateDecisions(app));
  return problems;
}

type Add = (path: string, message: string) => void;

interface Context {
  readonly app: Application;
  readonly servicesByName: ReadonlyMap<string, ServiceSpec>;
  readonly serviceNames: readonly string[];
  readonly zoneNames: readonly string[];
  readonly secretNames: readonly string[];
  readonly add: Add;
}

function checkUniqueNames(items: readonly { name: string }[], field: string, noun: string, add: Add): string[] {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    if (!DNS_LABEL.test(item.name)) {
      add(
        `${field}[${index}].name`,
        `"${item.name}" is not a valid ${noun} name (expected a lowercase DNS label such as "query-api")`,
      );
    }
    const earlier = firstIndex.get(item.name);
    if (earlier !== undefined) {
      add(`${field}[${index}].name`, `duplicate ${noun} name "${item.name}" (already used by ${field}[${earlier}])`);
    } else {
      firstIndex.set(item.name, index);
    }
  });
  return [...firstIndex.keys()];
}

/** Environments place persistent volumes by name (nomad.hostVolumes, swarm.volumeNodes, EFS access points). */
function checkPersistentVolumeNames(app: Application, add: Add): void {
  const owners = new Map<string, string>();
  for (const service of app.services) {
    (service.volumes ?? []).forEach((volume, i) => {
      if (volume.kind !== "persistent") return;
      const owner = owners.get(volume.name);
      if (owner !== undefined && owner !== service.name) {
        add(
          `services.${service.name}.volumes[${i}].name`,
          `duplicate persistent volume name "${volume.name}" (already a volume of service "${owner}"); environments place persistent volumes by name, so each needs its own (expected a name no other service's persistent volume has)`,
        );
      } else owners.set(volume.name, service.name);
    });
  }
}

function checkZoneSubnets(app: Application, add: Add): void {
  const parsed: { name: string; cidr: Cidr }[] = [];
  for (const zone of app.zones) {
    const cidr = parseCidr(zone.subnet);
    if (typeof cidr === "string") {
      add(`zones.${zone.name}.subnet`, `"${zone.subnet}" is not a valid subnet: ${cidr}`);
      continue;
    }
    for (const other of parsed) {
      if (cidrsOverlap(cidr, other.cidr)) {
        add(`zones.${zone.name}.subnet`, `${zone.subnet} overlaps zones.${other.name}.subnet ${other.cidr.text}`);
      }
    }
    parsed.push({ name: zone.name, cidr });
  }
}

function checkService(service: ServiceSpec, ctx: Context): void {
  const { add } = ctx;
  const path = `services.${service.name}`;
  const portNames = checkPorts(service, path, add);
  const knownPort = (field: string, port: string) => {
    if (!portNames.includes(port)) {
      add(field, unknownName("port", port, portNames, "known", ` on service "${service.name}"`));
    }
  };

  const { tag, repository, digest } = service.image;
  if (!tag || tag === "latest") {
    add(`${path}.image.tag`, `"${tag ?? ""}" is not a pinned tag (expected a fixed version such as "16.4")`);
  } else if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    add(`${path}.image.tag`, `"${tag}" is not a valid image tag`);
  }
  if (!repository.trim()) {
    add(`${path}.image.repository`, `is empty (expected an image repository such as "postgres" or "grafana/grafana")`);
  } else if (/[:@]/.test(repository.split("/").pop() ?? "")) {
    add(`${path}.image.repository`, `"${repository}" contains a tag or digest (put it in image.tag or image.digest)`);
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    add(`${path}.image.digest`, `"${digest}" is not a digest (expected sha256: followed by 64 hex digits)`);
  }

  if (service.zones.length === 0) add(`${path}.zones`, "a service must join at least one zone");
  service.zones.forEach((zone, i) => {
    if (!ctx.zoneNames.includes(zone)) {
      add(`${path}.zones[${i}]`, unknownName("zone", zone, ctx.zoneNames));
    }
  });

  (service.talksTo ?? []).forEach((edge, i) => {
    const field = `${path}.talksTo[${i}]`;
    const target = ctx.servicesByName.get(edge.service);
    if (!target) {
      add(field, unknownName("service", edge.service, ctx.serviceNames));
      return;
    }
    if (target.name === service.name) {
      add(field, `a service does not need a talks-to entry for itself`);
      return;
    }
    const targetPorts = target.ports.map((p) => p.name);
    if (!targetPorts.includes(edge.port)) {
      add(
        `${field}.port`,
        `service "${target.name}" exposes no port "${edge.port}" (its ports: ${knownList(targetPorts) || "none"})`,
      );
    }
    if (!service.zones.some((z) => target.zones.includes(z))) {
      add(
        field,
        `"${service.name}" (zones: ${service.zones.join(", ")}) shares no zone with "${target.name}" (zones: ${target.zones.join(", ")}), so it could not reach it`,
      );
    }
    if (talksToKind(edge) === "scrape" && target.metrics?.port !== edge.port) {
      add(
        `${field}.kind`,
        `scrapes "${target.name}" on port "${edge.port}", but "${target.name}" declares no metrics on that port`,
      );
    }
    if (target.optional && !service.optional) {
      add(field, `core service "${service.name}" depends on optional service "${target.name}"`);
    }
  });

  checkEnv(service, service.env, `${path}.env`, false, ctx);
  checkEnv(service, service.secretEnv, `${path}.secretEnv`, true, ctx);
  for (const name of Object.keys(service.secretFiles ?? {})) {
    if (!(service.secretEnv ?? {})[name])
      add(
        `${path}.secretFiles.${name}`,
        `names no variable of secretEnv (its variables: ${knownList(Object.keys(service.secretEnv ?? {})) || "none"})`,
      );
  }
  const unwrapped = Object.keys(service.secretEnv ?? {}).filter((name) => !service.secretFiles?.[name]);
  if (unwrapped.length > 0 && !service.command?.length) {
    add(
      `${path}.command`,
      `missing: ${unwrapped.join(", ")} must be exported from a secret file on Swarm, which wraps the command; state the image's command, or name its file variable in secretFiles`,
    );
  }

  if (service.healthCheck) {
    checkHealthCheck(service.healthCheck, `${path}.healthCheck`, knownPort, add);
    if (service.healthCheck.type === "tcp" && service.image.probeTool !== "bash") {
      add(
        `${path}.image.probeTool`,
        `is ${JSON.stringify(service.image.probeTool ?? "wget")} (the default), but the tcp health check runs bash inside the container: set probeTool "bash" if the image has it, or use an http or command check`,
      );
    }
  } else if (!service.healthCheckExemption?.trim()) {
    add(
      `${path}.healthCheck`,
      "missing: a long-running service needs a health check (http, tcp or command), or a healthCheckExemption saying why it has none",
    );
  }

  if (!service.resources) {
    add(`${path}.resources`, "missing: every service needs cpuMillicores and memoryMiB");
  } else {
    positiveInteger(service.resources.cpuMillicores, `${path}.resources.cpuMillicores`, add);
    positiveInteger(service.resources.memoryMiB, `${path}.resources.memoryMiB`, add);
  }

  if (service.placement.kind === "replicated") {
    positiveInteger(service.placement.replicas, `${path}.placement.replicas`, add);
  }
  const scaling = service.autoscaling;
  if (scaling) {
    const field = `${path}.autoscaling`;
    positiveInteger(scaling.minReplicas, `${field}.minReplicas`, add);
    positiveInteger(scaling.maxReplicas, `${field}.maxReplicas`, add);
    if (scaling.minReplicas > scaling.maxReplicas) {
      add(field, `minReplicas (${scaling.minReplicas}) is greater than maxReplicas (${scaling.maxReplicas})`);
    }
    if (!(scaling.targetCpuPercent > 0 && scaling.targetCpuPercent <= 100)) {
      add(`${field}.targetCpuPercent`, `must be between 1 and 100 (got ${scaling.targetCpuPercent})`);
    }
    if (service.placement.kind === "per-node") {
      add(field, "a per-node service runs once on every node and cannot be autoscaled");
    } else {
      const { replicas } = service.placement;
      if (replicas < scaling.minReplicas || replicas > scaling.maxReplicas) {
        add(
          `${path}.placement.replicas`,
          `${replicas} lies outside the autoscaling range ${scaling.minReplicas}-${scaling.maxReplicas}`,
        );
      }
    }
  }

  const volumeNames = new Set<string>();
  const mountPaths = new Set<string>();
  (service.volumes ?? []).forEach((volume, i) => {
    const field = `${path}.volumes[${i}]`;
    if (volumeNames.has(volume.name)) add(`${field}.name`, `duplicate volume name "${volume.name}"`);
    volumeNames.add(volume.name);
    if (!DNS_LABEL.test(volume.name))
      add(`${field}.name`, `"${volume.name}" is not a valid volume name (expected a lowercase DNS label)`);
    if (!volume.mountPath.startsWith("/")) add(`${field}.mountPath`, `"${volume.mountPath}" must be an absolute path`);
    if (mountPaths.has(volume.mountPath)) add(`${field}.mountPath`, `"${volume.mountPath}" is mounted twice`);
    mountPaths.add(volume.mountPath);
    if (volume.kind === "host" && !volume.hostPath.startsWith("/")) {
      add(`${field}.hostPath`, `"${volume.hostPath}" must be an absolute path`);
    }
    if (volume.kind === "host" && volume.dockerApi) validateDockerApi(volume.dockerApi, `${field}.dockerApi`, add);
    const runtimeDir = volume.kind === "host" && !volume.dockerApi ? runtimeDirOf(volume.hostPath) : undefined;
    if (volume.kind === "host" && runtimeDir) {
      add(
        `${field}.hostPath`,
        `"${volume.hostPath}" lies in the node's runtime directory ${runtimeDir}, whose sockets (Docker, containerd) give root on the node even mounted read-only (expected a path outside ${runtimeDir}, or the Docker socket with dockerApi stating what the service reads)`,
      );
    }
  });

  const update = updatePolicyOf(service);
  positiveInteger(update.parallelism, `${path}.update.parallelism`, add);
  if (!(update.minHealthySec < update.healthyDeadlineSec)) {
    add(
      `${path}.update.healthyDeadlineSec`,
      `must be longer than minHealthySec (${update.minHealthySec} s); got ${update.healthyDeadlineSec} s`,
    );
  }
  if (!(update.healthyDeadlineSec < update.progressDeadlineSec)) {
    add(
      `${path}.update.progressDeadlineSec`,
      `must be longer than healthyDeadlineSec (${update.healthyDeadlineSec} s); got ${update.progressDeadlineSec} s`,
    );
  }
  if (!Number.isInteger(update.canaries) || update.canaries < 0) {
    add(`${path}.update.canaries`, `must be a whole number of at least 0 (got ${update.canaries})`);
  }
  if (update.order === "start-first" && (service.volumes ?? []).some((v) => v.kind === "persistent")) {
    add(
      `${path}.update.order`,
      `start-first would run two instances on the same persistent volume during an update (expected stop-first)`,
    );
  }
  if (update.delaySec < 0) add(`${path}.update.delaySec`, `must not be negative (got ${update.delaySec})`);
  const restart = restartPolicyOf(service);
  if (!Number.isInteger(restart.maxAttempts) || restart.maxAttempts < 0) {
    add(`${path}.restart.maxAttempts`, `must be a whole number of at least 0 (got ${restart.maxAttempts})`);
  }
  if (!(restart.windowSec > restart.delaySec)) {
    add(
      `${path}.restart.windowSec`,
      `must be longer than restart.delaySec (${restart.delaySec} s); got ${restart.windowSec} s`,
    );
  }

  const scrapes = (service.talksTo ?? []).filter((e) => talksToKind(e) === "scrape");
  if (scrapes.length > 0 && !service.collectsMetrics) {
    add(
      `${path}.collectsMetrics`,
      `missing: "${service.name}" scrapes ${scrapes.map((e) => e.service).join(", ")} but declares no scrape configuration file`,
    );
  }
  if (service.metrics) {
    knownPort(`${path}.metrics.port`, service.metrics.port);
    if (!service.metrics.path.startsWith("/"))
      add(`${path}.metrics.path`, `"${service.metrics.path}" must start with /`);
    checkMetricFamilies(service, `${path}.metrics.families`, add);
  }
  checkObservability(service, path, ctx);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkMetricFamilies(service: ServiceSpec, path: string, add: Add): void {
  const families = service.metrics?.families ?? [];
  if (families.length === 0) {
    add(
      path,
      `missing: declare the metric families "${service.name}" exports (name, type, labels); generated alerts and dashboards may use nothing else`,
    );
  }
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!METRIC_NAME.test(family.name)) {
      add(
        `${path}[${i}].name`,
        `"${family.name}" is not a Prometheus metric name (expected letters, digits, _ and :, not starting with a digit)`,
      );
    }
    if (seen.has(family.name)) add(`${path}[${i}].name`, `duplicate metric family "${family.name}"`);
    seen.add(family.name);
    if (!["counter", "gauge", "histogram", "summary"].includes(family.type)) {
      add(
        `${path}[${i}].type`,
        `"${family.type}" is not a metric type (expected counter, gauge, histogram or summary)`,
      );
    }
  });
}

/** Metrics collectors, alert receivers, log stores, log collectors and dashboards, and how they must connect. */
function checkObservability(service: ServiceSpec, path: string, ctx: Context): void {
  const { add } = ctx;
  const absolute = (field: string, file: string) => {
    if (!file.startsWith("/")) add(field, `"${file}" must be an absolute path`);
  };
  const calls = (service.talksTo ?? [])
    .filter((e) => talksToKind(e) === "call")
    .map((e) => ctx.servicesByName.get(e.service))
    .filter((s) => s !== undefined);

  const collector = service.collectsMetrics;
  if (collector) {
    absolute(`${path}.collectsMetrics.configFile`, collector.configFile);
    absolute(`${path}.collectsMetrics.rulesFile`, collector.rulesFile);
    positiveInteger(collector.retentionDays, `${path}.collectsMetrics.retentionDays`, add);
    const flag = `--storage.tsdb.retention.time=${collector.retentionDays}d`;
    if (!(service.args ?? []).includes(flag)) {
      add(`${path}.args`, `must pass ${flag} to match collectsMetrics.retentionDays (${collector.retentionDays})`);
    }
  }
  if (service.receivesAlerts) {
    absolute(`${path}.receivesAlerts.configFile`, service.receivesAlerts.configFile);
    const senders = ctx.app.services.filter(
      (s) =>
        s.collectsMetrics && (s.talksTo ?? []).some((e) => e.service === service.name && talksToKind(e) === "call"),
    );
    if (senders.length === 0) {
      add(
        `${path}.receivesAlerts`,
        `no metrics collector sends alerts to "${service.name}" (expected a call talks-to entry from a collectsMetrics service)`,
      );
    }
  }
  if (service.storesLogs) {
    absolute(`${path}.storesLogs.configFile`, service.storesLogs.configFile);
    positiveInteger(service.storesLogs.retentionHours, `${path}.storesLogs.retentionHours`, add);
  }
  if (service.collectsLogs) {
    absolute(`${path}.collectsLogs.configFile`, service.collectsLogs.configFile);
    if (service.placement.kind !== "per-node") {
      add(
        `${path}.placement`,
        `a log collector (collectsLogs) must run one per node to read every node's containers (expected placement per-node)`,
      );
    }
    if (!calls.some((s) => s.storesLogs)) {
      add(
        `${path}.collectsLogs`,
        `"${service.name}" sends its logs nowhere: it needs a call talks-to entry to a service that stores logs (storesLogs)`,
      );
    }
  }
  if (service.dashboards) {
    absolute(`${path}.dashboards.provisioningDir`, service.dashboards.provisioningDir);
    absolute(`${path}.dashboards.dashboardsDir`, service.dashboards.dashboardsDir);
    if (!calls.some((s) => s.collectsMetrics)) {
      add(
        `${path}.dashboards`,
        `"${service.name}" has no data source: it needs a call talks-to entry to a service that collects metrics (collectsMetrics)`,
      );
    }
  }
}

function checkPorts(service: ServiceSpec, path: string, add: Add): string[] {
  const names: string[] = [];
  service.ports.forEach((port, i) => {
    const field = `${path}.ports[${i}]`;
    if (names.includes(port.name)) add(`${field}.name`, `duplicate port name "${port.name}"`);
    // The strictest common form: Kubernetes forbids "_", Nomad port labels forbid "-".
    if (!/^[a-z][a-z0-9]{0,14}$/.test(port.name)) {
      add(
        `${field}.name`,
        `"${port.name}" is not a valid port name (expected up to 15 lowercase letters and digits, starting with a letter)`,
      );
    }
    names.push(port.name);
    if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) {
      add(`${field}.containerPort`, `must be a port number from 1 to 65535 (got ${port.containerPort})`);
    }
    if (!["http", "tcp", "udp", "grpc"].includes(port.protocol)) {
      add(`${field}.protocol`, `"${port.protocol}" is not a protocol (expected http, tcp, udp or grpc)`);
    }
  });
  return names;
}

function checkEnv(
  service: ServiceSpec,
  env: Readonly<Record<string, EnvValue>> | undefined,
  path: string,
  secret: boolean,
  ctx: Context,
): void {
  for (const [name, value] of Object.entries(env ?? {})) {
    const field = `${path}.${name}`;
    if (!ENV_NAME.test(name)) add(field, `"${name}" is not a valid environment variable name`);
    const secrets = secretsIn(value);
    if (!secret && secrets.length > 0) {
      ctx.add(
        field,
        `refers to secret "${secrets[0]}"; move it to secretEnv so platforms deliver it through their secret store`,
      );
    }
    if (secret && secrets.length === 0) {
      ctx.add(field, "contains no secret reference; move it to env");
    }
    for (const secretName of secrets) {
      if (!ctx.secretNames.includes(secretName)) {
        ctx.add(field, unknownName("secret", secretName, ctx.secretNames));
      }
    }
    for (const { endpoint } of endpointsIn(value)) {
      const target = ctx.servicesByName.get(endpoint.service);
      if (!target) {
        ctx.add(field, unknownName("service", endpoint.service, ctx.serviceNames));
        continue;
      }
      if (!target.ports.some((p) => p.name === endpoint.port)) {
        ctx.add(field, `service "${target.name}" exposes no port "${endpoint.port}"`);
        continue;
      }
      const declared = (service.talksTo ?? []).some(
        (edge) => edge.service === endpoint.service && edge.port === endpoint.port && talksToKind(edge) === "call",
      );
      if (!declared) {
        ctx.add(
          field,
          `refers to ${endpoint.service}:${endpoint.port}, but "${service.name}" has no talksTo entry for it (every platform would block that traffic)`,
        );
      }
    }
  }
  function add(field: string, message: string) {
    ctx.add(field, message);
  }
}

function checkHealthCheck(
  check: HealthCheck,
  path: string,
  knownPort: (field: string, port: string) => void,
  add: Add,
): void {
  if (check.type === "http" || check.type === "tcp") knownPort(`${path}.port`, check.port);
  if (check.type === "http" && !check.path.startsWith("/")) add(`${path}.path`, `"${check.path}" must start with /`);
  if (check.type === "command" && check.command.length === 0) add(`${path}.command`, "must name a command to run");
  positiveInteger(check.intervalSec, `${path}.intervalSec`, add);
  positiveInteger(check.timeoutSec, `${path}.timeoutSec`, add);
  if (check.timeoutSec > check.intervalSec) {
    add(`${path}.timeoutSec`, `must not exceed intervalSec (${check.intervalSec} s); got ${check.timeoutSec} s`);
  }
}

function checkRoutes(
  app: Application,
  services: ReadonlyMap<string, ServiceSpec>,
  serviceNames: readonly string[],
  add: Add,
): void {
  const seen = new Map<string, number>();
  app.routes.forEach((route, i) => {
    const path = `routes[${i}]`;
    if (!route.pathPrefix.startsWith("/")) add(`${path}.pathPrefix`, `"${route.pathPrefix}" must start with /`);
    const earlier = seen.get(route.pathPrefix);
    if (earlier !== undefined) {
      add(`${path}.pathPrefix`, `duplicate route "${route.pathPrefix}" (already routed by routes[${earlier}])`);
    } else {
      seen.set(route.pathPrefix, i);
    }
    const target = services.get(route.service);
    if (!target) {
      add(`${path}.service`, unknownName("service", route.service, serviceNames));
      return;
    }
    const port = target.ports.find((p) => p.name === route.port);
    if (!port) {
      add(
        `${path}.port`,
        `service "${target.name}" exposes no port "${route.port}" (its ports: ${knownList(target.ports.map((p) => p.name)) || "none"})`,
      );
    } else if (port.protocol !== "http") {
      add(
        `${path}.port`,
        `port "${route.port}" of "${target.name}" speaks ${port.protocol}; public routes need an http port`,
      );
    }
  });
}

function positiveInteger(value: number, path: string, add: Add): void {
  if (!Number.isInteger(value) || value < 1) add(path, `must be a positive whole number (got ${value})`);
}

const DOCKER_API_RESOURCES: readonly DockerApiResource[] = [
  "system",
  "containers",
  "container-logs",
  "images",
  "networks",
  "services",
  "tasks",
  "nodes",
];

function validateDockerApi(access: DockerApiAccess, path: string, add: Add): void {
  if (access.access === "full") {
    if (!access.reason?.trim())
      add(`${path}.reason`, "full access to the Docker API (root on the node) needs a reason");
    return;
  }
  if (access.access !== "read") {
    add(`${path}.access`, `"${String((access as { access: unknown }).access)}" is neither "read" nor "full"`);
    return;
  }
  if (access.resources.length === 0)
    add(`${path}.resources`, "read access names no resource (list what the service reads)");
  access.resources.forEach((resource, i) => {
    if (!DOCKER_API_RESOURCES.includes(resource))
      add(`${path}.resources[${i}]`, `"${resource}" is not one of ${DOCKER_API_RESOURCES.join(", ")}`);
  });
  if (access.endpointFlag !== undefined && !/^--?[a-z][a-z0-9.-]*$/.test(access.endpointFlag))
    add(`${path}.endpointFlag`, `"${access.endpointFlag}" is not a command-line flag (expected e.g. --docker)`);
}
