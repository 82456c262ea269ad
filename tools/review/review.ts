/**
 * A plan in the model's words: the facts every resource realizes before and after (tools/review/facts.ts),
 * compared intent by intent, grouped by service, with the dangerous changes flagged. Resources no read-back
 * maps, and changes of mapped resources that alter no intent, are listed as "other resources" by address.
 */
import { cidrContains } from "./cidr";
import { factKey, factValue, type Fact, type ReadBack, type ReadBackContext, type ResourceValues } from "./facts";
import { kubernetesReadBack } from "./kubernetes";
import { nomadReadBack } from "./nomad";
import type { PlanJson, ResourceChange } from "./plan";
import { swarmReadBack } from "./swarm";
import { awsReadBack } from "./aws";

/** Every platform's read-back; resource types do not overlap, so the first that maps a resource wins. */
export const READ_BACKS: readonly ReadBack[] = [nomadReadBack, swarmReadBack, kubernetesReadBack, awsReadBack];

/** What the review needs from the model: names it recognizes and which zones keep data. */
export interface ModelContext extends ReadBackContext {
  /** Zones marked `holdsData` in the model. */
  readonly dataZones: readonly string[];
  /** Zones of each service in the model, where the resources do not say. */
  readonly serviceZones: Readonly<Record<string, readonly string[]>>;
}

export interface ReviewLine {
  /** The service the line is about, or a section: "who talks to whom", "secrets", "platform". */
  readonly group: string;
  readonly text: string;
  /** Why this change is dangerous (`--fail-on danger` exits non-zero). */
  readonly danger?: string;
}

export interface OtherResource {
  readonly address: string;
  readonly actions: string;
  readonly note: string;
}

export interface Review {
  readonly mode: "plan" | "drift";
  readonly lines: readonly ReviewLine[];
  readonly other: readonly OtherResource[];
  /** Resource changes read (no-ops excluded). */
  readonly changedResources: number;
}

export const EDGES = "who talks to whom";
export const SECRETS = "secrets";
export const PLATFORM = "platform";

interface Side {
  readonly facts: Map<string, { fact: Fact; addresses: Set<string> }>;
}

function readFacts(resource: ResourceValues, context: ReadBackContext, readBacks: readonly ReadBack[]) {
  for (const readBack of readBacks) {
    const facts = readBack(resource, context);
    if (facts !== undefined) return facts;
  }
  return undefined;
}

const actionsOf = (rc: ResourceChange) => rc.change.actions.join(",");
const isReplace = (rc: ResourceChange) => rc.change.actions.includes("delete") && rc.change.actions.includes("create");
const isNoop = (rc: ResourceChange) => rc.change.actions.every((a) => a === "no-op" || a === "read");

export function review(
  plan: PlanJson,
  model: ModelContext,
  options: { readonly mode?: "plan" | "drift"; readonly readBacks?: readonly ReadBack[] } = {},
): Review {
  const mode = options.mode ?? "plan";
  const readBacks = options.readBacks ?? READ_BACKS;
  const changes = ((mode === "drift" ? plan.resource_drift : plan.resource_changes) ?? []).filter(
    (rc) => (rc.mode ?? "managed") === "managed",
  );
  const before: Side = { facts: new Map() };
  const after: Side = { facts: new Map() };
  const unmapped: ResourceChange[] = [];
  const replaced: { rc: ResourceChange; facts: Fact[] }[] = [];
  const add = (side: Side, facts: Fact[], address: string) => {
    for (const fact of facts) {
      const key = factKey(fact);
      const entry = side.facts.get(key) ?? { fact, addresses: new Set<string>() };
      entry.addresses.add(address);
      side.facts.set(key, entry);
    }
  };
  for (const rc of changes) {
    const resource = (values: Record<string, any>, unknown?: Record<string, any>): ResourceValues => ({
      address: rc.address,
      type: rc.type,
      name: rc.name,
      values,
      unknown,
    });
    const deleteOnly = rc.change.actions.length === 1 && rc.change.actions[0] === "delete";
    const beforeFacts = rc.change.before ? readFacts(resource(rc.change.before), model, readBacks) : undefined;
    const afterFacts =
      rc.change.after && !deleteOnly
        ? readFacts(resource(rc.change.after, rc.change.after_unknown), model, readBacks)
        : undefined;
    if (beforeFacts === undefined && afterFacts === undefined) {
      if (!isNoop(rc)) unmapped.push(rc);
      continue;
    }
    add(before, beforeFacts ?? [], rc.address);
    add(after, afterFacts ?? [], rc.address);
    if (isReplace(rc)) replaced.push({ rc, facts: beforeFacts ?? [] });
  }

  const lines: ReviewLine[] = [];
  const explained = new Set<string>();
  const explain = (...entries: ({ addresses: Set<string> } | undefined)[]) =>
    entries.forEach((e) => e?.addresses.forEach((a) => explained.add(a)));
  const keys = [...new Set([...before.facts.keys(), ...after.facts.keys()])].sort();
  const zonesOf = (service: string): string[] => {
    const read = (after.facts.get(`service ${service} zones`) ?? before.facts.get(`service ${service} zones`))?.fact;
    if (read?.kind === "service") return read.value.split(/,\s*/);
    return [...(model.serviceZones[service] ?? [])];
  };

  // Services: added and removed ones in one line each; aspects of services present on both sides.
  const serviceFact = (side: Side, service: string, aspect: string) => {
    const f = side.facts.get(`service ${service} ${aspect}`)?.fact;
    return f?.kind === "service" ? f.value : undefined;
  };
  const existsBefore = new Set<string>();
  const existsAfter = new Set<string>();
  for (const { fact } of before.facts.values())
    if (fact.kind === "service" && fact.aspect === "exists") existsBefore.add(fact.service);
  for (const { fact } of after.facts.values())
    if (fact.kind === "service" && fact.aspect === "exists") existsAfter.add(fact.service);
  for (const service of [...existsAfter].filter((s) => !existsBefore.has(s)).sort()) {
    const detail = ["image", "replicas"].map((a) => serviceFact(after, service, a)).filter(Boolean);
    lines.push({ group: service, text: `service added${detail.length ? ` (${detail.join(", ")} instances)` : ""}` });
  }
  for (const service of [...existsBefore].filter((s) => !existsAfter.has(s)).sort())
    lines.push({ group: service, text: "service removed" });

  const edgePairs = new Map<string, { from: string; to: string; before: Set<string>; after: Set<string> }>();
  const secrets = new Map<string, { before: Set<string>; after: Set<string>; rotated: string[] }>();
  const secret = (name: string) => {
    const entry = secrets.get(name) ?? { before: new Set<string>(), after: new Set<string>(), rotated: [] };
    secrets.set(name, entry);
    return entry;
  };

  for (const key of keys) {
    const b = before.facts.get(key);
    const a = after.facts.get(key);
    const fact = (a ?? b)!.fact;
    const changed = !b || !a || factValue(b.fact) !== factValue(a.fact);
    if (fact.kind === "edge") {
      const pair = `${fact.from} -> ${fact.to}`;
      const entry = edgePairs.get(pair) ?? { from: fact.from, to: fact.to, before: new Set(), after: new Set() };
      if (b) entry.before.add(fact.via);
      if (a) entry.after.add(fact.via);
      edgePairs.set(pair, entry);
      if (changed) explain(b, a);
      continue;
    }
    if (fact.kind === "secret") {
      const entry = secret(fact.secret);
      if (b) entry.before.add(fact.held);
      if (a) entry.after.add(fact.held);
      if (b && a && factValue(b.fact) !== factValue(a.fact)) entry.rotated.push(`new value in ${fact.held}`);
      if (changed) explain(b, a);
      continue;
    }
    if (!changed) continue;
    explain(b, a);
    if (fact.kind === "service") {
      if (fact.aspect === "exists") {
        if (a && b) lines.push({ group: fact.service, text: `kind: ${factValue(b.fact)} → ${factValue(a.fact)}` });
        continue;
      }
      // Aspects of an added or removed service are in its one line.
      if (!existsBefore.has(fact.service) || !existsAfter.has(fact.service)) continue;
      const from = b ? factValue(b.fact) : "(none)";
      const to = a ? factValue(a.fact) : "(none)";
      const text =
        fact.aspect === "secret values" ? "secret values it reads: new value" : `${fact.aspect}: ${from} → ${to}`;
      lines.push({ group: fact.service, text });
      continue;
    }
    if (fact.kind === "route") {
      const bf = b?.fact.kind === "route" ? b.fact : undefined;
      const af = a?.fact.kind === "route" ? a.fact : undefined;
      const access = (r: typeof bf) => (r!.adminOnly ? `admin-only (${r!.cidrs.join(", ")})` : "public");
      if (!bf) {
        lines.push({
          group: af!.service,
          text: `route ${af!.path} added, ${access(af)}`,
          danger: af!.adminOnly ? undefined : `new public route ${af!.path} → ${af!.service}`,
        });
      } else if (!af) {
        lines.push({ group: bf.service, text: `route ${bf.path} removed` });
      } else {
        if (bf.service !== af.service)
          lines.push({ group: af.service, text: `route ${af.path} moves from ${bf.service} to ${af.service}` });
        if (bf.adminOnly !== af.adminOnly)
          lines.push({
            group: af.service,
            text: `route ${af.path}: ${access(bf)} → ${access(af)}`,
            danger: af.adminOnly ? undefined : `route ${af.path} becomes public`,
          });
        else if (af.adminOnly && bf.cidrs.join() !== af.cidrs.join()) {
          const wider = af.cidrs.filter((c) => !bf.cidrs.some((old) => cidrContains(old, c)));
          lines.push({
            group: af.service,
            text: `route ${af.path}: admin CIDRs ${bf.cidrs.join(", ")} → ${af.cidrs.join(", ")}`,
            danger: wider.length ? `admin CIDRs of ${af.path} widened by ${wider.join(", ")}` : undefined,
          });
        }
      }
      continue;
    }
    if (fact.kind === "data") {
      if (b && !a) {
        const f = b.fact as Fact & { kind: "data" };
        lines.push({
          group: f.service ?? PLATFORM,
          text: f.survivesResource
            ? `persistent data ${f.name}: no longer mounted by any service (${f.where} keeps its files)`
            : `persistent data ${f.name} destroyed (${f.where})`,
          danger: f.survivesResource
            ? `${f.service ?? "a service"} holding persistent data ${f.name} is removed`
            : `persistent data ${f.name} destroyed`,
        });
      } else if (a && !b) {
        const f = a.fact as Fact & { kind: "data" };
        lines.push({ group: f.service ?? PLATFORM, text: `persistent data ${f.name} added (${f.where})` });
      } else {
        const f = a!.fact as Fact & { kind: "data" };
        lines.push({ group: f.service ?? PLATFORM, text: `persistent data ${f.name} now used by ${f.service}` });
      }
      continue;
    }
    if (fact.kind === "protection") {
      const was = b?.fact.kind === "protection" && b.fact.on;
      const is = a?.fact.kind === "protection" && a.fact.on;
      if (was === is) continue;
      lines.push({
        group: PLATFORM,
        text: `${fact.what}: ${was ? "on" : "off"} → ${is ? "on" : "off"}`,
        danger: was && !is ? `${fact.what} turned off` : undefined,
      });
    }
  }

  // Replaced resources: persistent data they hold is emptied, generated secrets get a new value.
  for (const { rc, facts } of replaced) {
    for (const fact of facts) {
      if (fact.kind === "data" && !fact.survivesResource && after.facts.has(factKey(fact))) {
        explained.add(rc.address);
        lines.push({
          group: fact.service ?? PLATFORM,
          text: `persistent data ${fact.name} replaced: ${rc.address} is destroyed and created again (${fact.where})`,
          danger: `persistent data ${fact.name} replaced`,
        });
      }
      if (fact.kind === "secret") {
        explained.add(rc.address);
        secret(fact.secret).rotated.push(`${rc.address} replaced`);
      }
    }
  }

  const HELD = { generator: "its generator", store: "its store" } as Record<string, string>;
  for (const [name, entry] of [...secrets].sort()) {
    const gone = [...entry.before].filter((h) => !entry.after.has(h)).map((h) => HELD[h]);
    const added = [...entry.after].filter((h) => !entry.before.has(h)).map((h) => HELD[h]);
    if (gone.length)
      lines.push({
        group: SECRETS,
        text: `${name} destroyed (${gone.join(", ")})`,
        danger: `secret ${name} destroyed`,
      });
    else if (added.length)
      lines.push({
        group: SECRETS,
        text: entry.before.size ? `${name}: now also ${added.join(", ")}` : `${name} created`,
      });
    else if (entry.rotated.length)
      lines.push({ group: SECRETS, text: `${name} rotated (${[...new Set(entry.rotated)].join("; ")})` });
  }

  for (const { from, to, before: was, after: is } of [...edgePairs.values()].sort((x, y) =>
    `${x.from} ${x.to}`.localeCompare(`${y.from} ${y.to}`),
  )) {
    const gained = [...is].filter((v) => !was.has(v)).sort();
    const lost = [...was].filter((v) => !is.has(v)).sort();
    if (!gained.length && !lost.length) continue;
    if (was.size === 0) {
      const zone = to.startsWith("zone ")
        ? [to.slice(5)].filter((z) => model.dataZones.includes(z))
        : zonesOf(from).filter((z) => zonesOf(to).includes(z) && model.dataZones.includes(z));
      lines.push({
        group: EDGES,
        text: `${from} → ${to} added (${gained.join(", ")})`,
        danger: zone.length ? `new edge into data zone ${zone.join(", ")}: ${from} → ${to}` : undefined,
      });
    } else if (is.size === 0) lines.push({ group: EDGES, text: `${from} → ${to} removed (${lost.join(", ")})` });
    else
      lines.push({
        group: EDGES,
        text: `${from} → ${to}: ${[...gained.map((g) => `now also ${g}`), ...lost.map((l) => `no longer ${l}`)].join(", ")}`,
      });
  }

  const other: OtherResource[] = unmapped.map((rc) => ({
    address: rc.address,
    actions: actionsOf(rc),
    note: "not mapped to the model",
  }));
  for (const rc of changes) {
    if (isNoop(rc) || explained.has(rc.address) || unmapped.includes(rc)) continue;
    const paths = changedPaths(rc.change.before, rc.change.after);
    other.push({
      address: rc.address,
      actions: actionsOf(rc),
      note: isReplace(rc)
        ? `replaced (destroyed and created again), no model intent the review reads changes${paths.length ? `: ${paths.join(", ")}` : ""}`
        : paths.length
          ? `changes no model intent the review reads: ${paths.join(", ")}`
          : "only empty and unset values differ (nothing changes)",
    });
  }
  return {
    mode,
    lines,
    other: other.sort((x, y) => x.address.localeCompare(y.address)),
    changedResources: changes.filter((rc) => !isNoop(rc)).length,
  };
}

/** Paths of the attributes that differ (JSON strings such as a jobspec are compared parsed), at most 8. */
export function changedPaths(before: unknown, after: unknown, prefix = "", out: string[] = []): string[] {
  if (out.length >= 8) return out;
  const parse = (v: unknown) => {
    if (typeof v === "string" && /^\s*[{[]/.test(v)) {
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    }
    return v;
  };
  const b = parse(before);
  const a = parse(after);
  // Providers read back unset blocks as null or as empty lists: neither is a change.
  if (JSON.stringify(b) === JSON.stringify(a) || (isEmpty(b) && isEmpty(a))) return out;
  if (b && a && typeof b === "object" && typeof a === "object") {
    const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
    for (const key of keys) {
      const p = Array.isArray(b) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
      changedPaths((b as any)[key], (a as any)[key], p, out);
    }
    return out;
  }
  out.push(prefix || "(value)");
  return out;
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === "" || (typeof v === "object" && Object.keys(v as object).length === 0);

export const dangers = (r: Review): string[] => r.lines.flatMap((l) => (l.danger ? [l.danger] : []));
