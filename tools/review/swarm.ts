/**
 * swarm-lab's resources in model terms: docker_service (a service: image, replicas or one per node, health check,
 * update policy, the zone networks it joins, Traefik routes from its labels, named volumes), docker_network (a
 * zone), docker_secret (a model secret, named after a digest of its value), random_password. The one place that
 * knows how constructs/swarm renders the model.
 */
import { one, randomReadBack, secretNamed, type Fact, type ReadBack } from "./facts";

/** `argo_query-api` → `query-api`: services, networks and volumes are prefixed with the stack's namespace. */
const unprefixed = (name: string) => name.replace(/^[^_]+_/, "");

function labelsOf(values: Record<string, any>): Record<string, string> {
  const labels = values.labels;
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l: any) => [l.label, l.value]));
  return (labels ?? {}) as Record<string, string>;
}

function routes(service: string, labels: Record<string, string>): Fact[] {
  const facts: Fact[] = [];
  for (const [label, value] of Object.entries(labels)) {
    const router = /^traefik\.http\.routers\.([^.]+)\.rule$/.exec(label)?.[1];
    const path = /^PathPrefix\(`([^`]+)`\)$/.exec(value)?.[1];
    if (!router || !path) continue;
    const middlewares = (labels[`traefik.http.routers.${router}.middlewares`] ?? "").split(",").filter(Boolean);
    const cidrs = middlewares.flatMap((m) =>
      (labels[`traefik.http.middlewares.${m.replace(/@\w+$/, "")}.ipallowlist.sourcerange`] ?? "")
        .split(",")
        .filter(Boolean),
    );
    const adminOnly = middlewares.some(
      (m) => labels[`traefik.http.middlewares.${m.replace(/@\w+$/, "")}.ipallowlist.sourcerange`] !== undefined,
    );
    facts.push({ kind: "route", path, service, adminOnly, cidrs: cidrs.sort() });
  }
  return facts;
}

function serviceFacts(values: Record<string, any>, networkName: (id: string) => string | undefined): Fact[] {
  const service = unprefixed(String(values.name));
  const task = one(values.task_spec) ?? {};
  const container = one(task.container_spec) ?? {};
  const mode = one(values.mode) ?? {};
  const health = one(container.healthcheck);
  const update = one(values.update_config);
  const facts: Fact[] = [
    { kind: "service", service, aspect: "exists", value: mode.global ? "global" : "replicated" },
    { kind: "service", service, aspect: "image", value: String(container.image) },
    {
      kind: "service",
      service,
      aspect: "replicas",
      value: mode.global ? "one per node" : String(one(mode.replicated)?.replicas ?? 1),
    },
    {
      kind: "service",
      service,
      aspect: "health",
      value: health?.test?.length
        ? `${health.test.slice(1).join(" ")} every ${health.interval}, timeout ${health.timeout}`
        : "none",
    },
    {
      kind: "service",
      service,
      aspect: "update",
      value: update
        ? `${update.parallelism} at a time, ${update.order}, delay ${update.delay}, on failure ${update.failure_action}`
        : "none",
    },
  ];
  const zones: string[] = [];
  for (const network of task.networks_advanced ?? []) {
    const name = networkName(String(network.name)) ?? String(network.name);
    const zone = unprefixed(name);
    zones.push(zone);
    facts.push({ kind: "edge", from: service, to: `zone ${zone}`, via: "Swarm network" });
  }
  facts.push({ kind: "service", service, aspect: "zones", value: zones.sort().join(", ") });
  facts.push(...routes(service, labelsOf(values)));
  for (const mount of container.mounts ?? [])
    if (mount.type === "volume")
      facts.push({
        kind: "data",
        name: unprefixed(String(mount.source)),
        service,
        where: `Docker volume ${mount.source} on the node`,
        survivesResource: true,
      });
  return facts;
}

export const swarmReadBack: ReadBack = (resource, context) => {
  const { type, values } = resource;
  // Services name their networks by ID; the review resolves IDs to names across the plan.
  const nameOfId = context.nameOfId ?? (() => undefined);
  if (type === "docker_service") return serviceFacts(values, nameOfId);
  if (type === "docker_network") return [];
  if (type === "docker_secret") {
    const secret = secretNamed(String(values.name ?? resource.name), context);
    const value = resource.unknown?.name === true ? "(known after apply)" : String(values.name);
    return secret ? [{ kind: "secret", secret, held: "store", value }] : undefined;
  }
  if (type === "docker_config") return [];
  return randomReadBack(resource, context);
};
