/** The conformance checks: each returns what the synthesized output does not do as the model says (empty: conforms). */
import { cidrContains } from "../../tools/review/cidr";
import type { TerraformStack } from "../../constructs/cdktf";
import type { CapabilityRecord, Intent } from "../../constructs/capabilities";
import { edgesOf } from "../../constructs/model";
import { noLiteralSecret } from "../../constructs/policy/no-literal-secret";
import type { Synthesized, Workloads } from "./platforms";

const recordOf = (s: Synthesized, service: string, intent: Intent) =>
  s.records.find((r) => r.service === service && r.intent === intent);

/** The platform does not deploy the service: its placement record is `unsupported` and says why. */
function notDeployed(s: Synthesized, service: string): CapabilityRecord | undefined {
  const placement = recordOf(s, service, "placement");
  return placement?.support === "unsupported" ? placement : undefined;
}

/** The service is a managed AWS service, not a container (no replicas, no container health check): its placement record. */
function managed(s: Synthesized, service: string): CapabilityRecord | undefined {
  const placement = recordOf(s, service, "placement");
  return placement && /^Amazon (RDS|ElastiCache)\b/.test(placement.realization) ? placement : undefined;
}

/**
 * Every model pair the output must allow, and what it may allow besides, each exception named by the capability
 * record that says why: a platform that allows by zone (Swarm networks) admits every member of a shared zone; a
 * platform whose scrapes bypass its mesh (Nomad: host ports) says so in its metric-scrape transit record.
 */
export function flowProblems(s: Synthesized, w: Workloads): string[] {
  const problems: string[] = [];
  const wanted = new Set<string>();
  for (const edge of edgesOf(s.application)) {
    const pair = `${edge.from.name} -> ${edge.to.name}`;
    // Not deployed here: the placement record of the missing end says so (and why).
    if (notDeployed(s, edge.from.name) ?? notDeployed(s, edge.to.name)) continue;
    if (edge.kind === "scrape" && s.entry.field === "nomad") {
      const scrapes = s.records.find(
        (r) => r.intent === "encryption in transit" && r.wanted.startsWith("metric scrapes"),
      );
      if (!scrapes || !/host port/.test(scrapes.realization))
        problems.push(`${pair}: a scrape with no intention and no record saying scrapes bypass the mesh`);
      continue;
    }
    wanted.add(pair);
    if (w.zoneMembers.size > 0) {
      const shared = [...w.zoneMembers].some(([, m]) => m.has(edge.from.name) && m.has(edge.to.name));
      if (!shared) problems.push(`${pair}: the two share no network`);
    } else if (!w.flows.has(pair)) problems.push(`${pair}: not allowed by the output`);
  }
  for (const flow of w.flows) if (!wanted.has(flow)) problems.push(`${flow}: allowed, but no talks-to pair`);
  // Allowing by zone: each model zone holds exactly the model's services in it; any other network a service joins
  // is named by its zones record (Swarm: the edge network of the routed services).
  const modelZones = new Set(s.application.zones.map((z) => z.name));
  for (const [zone, members] of w.zoneMembers) {
    if (modelZones.has(zone)) {
      const want = s.application.services
        .filter((x) => x.zones.includes(zone) && !notDeployed(s, x.name))
        .map((x) => x.name);
      const extra = [...members].filter((m) => !want.includes(m));
      if (extra.length) problems.push(`zone ${zone}: ${extra.join(", ")} joined, not in the zone in the model`);
    } else
      for (const member of members)
        if (!new RegExp(`\\b${zone}\\b`).test(recordOf(s, member, "zones")?.realization ?? ""))
          problems.push(`${member}: joins network ${zone}, which its zones record does not name`);
  }
  return problems;
}

export function secretProblems(s: Synthesized, w: Workloads): string[] {
  const problems: string[] = [];
  for (const secret of s.application.secrets) {
    if (w.secrets.has(secret.name)) continue;
    const managed = s.records.find((r) => r.intent === "secrets" && r.wanted === secret.name && r.service !== "*");
    if (!managed) problems.push(`${secret.name}: neither generated nor kept in a store, and no record saying where`);
  }
  return [...problems, ...literalSecrets(s.stack)];
}

function literalSecrets(stack: TerraformStack): string[] {
  return stack.node.findAll().flatMap((node) => noLiteralSecret.check(node).map((m) => `${node.node.path}: ${m}`));
}

export function healthProblems(s: Synthesized, w: Workloads): string[] {
  const problems: string[] = [];
  for (const service of s.application.services) {
    if (notDeployed(s, service.name) ?? managed(s, service.name)) continue;
    const read = w.health.get(service.name);
    if (!w.replicas.has(service.name)) problems.push(`${service.name}: no replicas read back`);
    else {
      const want = service.placement.kind === "per-node" ? "one per node" : String(service.placement.replicas);
      if (w.replicas.get(service.name) !== want)
        problems.push(`${service.name}: ${w.replicas.get(service.name)} replicas, the model asks ${want}`);
    }
    if (read === undefined) {
      problems.push(`${service.name}: no health check read back`);
      continue;
    }
    if (read !== "none") {
      if (!service.healthCheck) problems.push(`${service.name}: checked (${read}) though exempt`);
      continue;
    }
    if (!service.healthCheck) continue; // exempt, and unchecked
    // Unchecked in its container: only where its health record names the check that replaces it.
    const record = recordOf(s, service.name, "health");
    if (!record || !/load balancer's target group health check/.test(record.realization))
      problems.push(`${service.name}: no health check, and no record naming the check that replaces it`);
  }
  return problems;
}

export function routeProblems(s: Synthesized, w: Workloads): string[] {
  const problems: string[] = [];
  const admin = s.entry.environment.adminCidrs;
  const key = (path: string, service: string) => `${path} -> ${service}`;
  const read = new Map(w.routes.map((r) => [key(r.path, r.service), r]));
  const model = new Set(s.application.routes.map((r) => key(r.pathPrefix, r.service)));
  for (const route of s.application.routes) {
    const found = read.get(key(route.pathPrefix, route.service));
    if (!found) problems.push(`${key(route.pathPrefix, route.service)}: not routed`);
    else if (!!route.adminOnly !== found.adminOnly)
      problems.push(`${route.pathPrefix}: ${found.adminOnly ? "admin-only" : "public"}, the model says otherwise`);
    else if (found.adminOnly) {
      const wide = found.cidrs.filter((c) => !admin.some((a) => cidrContains(a, c)));
      if (wide.length) problems.push(`${route.pathPrefix}: admits ${wide.join(", ")}, outside ${admin.join(", ")}`);
    }
  }
  for (const k of read.keys()) if (!model.has(k)) problems.push(`${k}: routed, but not in the model`);
  return problems;
}

/**
 * Intents every platform records for a service, and those only some do: `platform service: intent` for each intent
 * another platform records for the service and this one does not (services a platform does not deploy, or runs
 * as a managed AWS service, are left out: their placement record says so).
 */
export function intentGaps(all: readonly Synthesized[]): string[] {
  const gaps: string[] = [];
  const services = [...new Set(all.flatMap((s) => s.records.map((r) => r.service)))];
  for (const service of services) {
    const present = all.filter((s) => service === "*" || !(notDeployed(s, service) ?? managed(s, service)));
    const union = new Set(present.flatMap((s) => s.records.filter((r) => r.service === service).map((r) => r.intent)));
    for (const s of present)
      for (const intent of union)
        if (!recordOf(s, service, intent)) gaps.push(`${s.entry.field} ${service}: ${intent}`);
  }
  return gaps.sort();
}

/**
 * Where the platforms' records do not line up yet, by platform and intent: each is a gap in the records (the
 * platform does something, or nothing, and does not say which), not an exemption. The suite fails when one is
 * closed (remove it here) or a new one opens.
 */
export const KNOWN_INTENT_GAPS: Readonly<Record<string, string>> = {
  "nomad security": "only ECS records each container's user, root filesystem and privileges",
  "swarm security": "only ECS records each container's user, root filesystem and privileges",
  "eks security": "only ECS records each container's user, root filesystem and privileges (policy checks them)",
  "nomad notifications": "only ECS records where alerts go as its own intent (the others in the alerts record)",
  "swarm notifications": "only ECS records where alerts go as its own intent (the others in the alerts record)",
  "eks notifications": "only ECS records where alerts go as its own intent (the others in the alerts record)",
  "nomad egress": "only ECS records outbound access",
  "swarm egress": "only ECS records outbound access",
  "eks egress": "only ECS records outbound access",
  "nomad discovery": "only ECS records how services find each other",
  "swarm discovery": "only ECS records how services find each other",
  "eks discovery": "only ECS records how services find each other",
};

/**
 * Flows the suite cannot show yet, by platform: EKS realizes a call to its RDS database as an egress NetworkPolicy
 * to the database subnets, which the review's Kubernetes read-back does not read, and the database's security group
 * admits the cluster security group (every node) on 5432, so at the VPC level every pod may connect; no capability
 * record says so. The suite fails when this list is wrong either way.
 */
export const KNOWN_FLOW_GAPS: Readonly<Record<string, readonly string[]>> = {
  eks: [
    "query-api -> postgres: not allowed by the output",
    "admin-api -> postgres: not allowed by the output",
    "postgres-exporter -> postgres: not allowed by the output",
  ],
};
