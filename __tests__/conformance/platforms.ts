/**
 * The conformance suite's view of the platform registry (stacks/platforms.ts): for each platform that renders the
 * application, the stacks it is synthesized in for the lab and AWS environments, and the synthesized JSON read back
 * into workloads through the review's read-backs (tools/review), the one place that knows each platform's resources.
 */
import { App, Testing, type TerraformStack } from "../../constructs/cdktf";
import { CapabilityReport, type CapabilityRecord } from "../../constructs/capabilities";
import { selectApplication, type Application } from "../../constructs/model";
import { AWS, LAB, type Environment } from "../../environments";
import { addStacks, stackNamesByTarget } from "../../stacks/synth";
import { PLATFORMS, type TargetField } from "../../stacks/platforms";
import type { Fact, ResourceValues } from "../../tools/review/facts";
import { READ_BACKS, type ModelContext } from "../../tools/review/review";
import { modelContextFor } from "../../tools/review/run";

/** The platforms that render the application (`lab` is the hardware the lab targets run on). */
export type AppPlatform = Exclude<TargetField, "lab">;

export interface PlatformEntry {
  readonly field: AppPlatform;
  /** The name its capability records give the platform. */
  readonly recordedAs: string;
  readonly environment: Environment;
  /** The stack's name in its environment (stackNamesOf), for the review's model context. */
  readonly stackName: string;
}

/** Each platform in the environment it is synthesized for, named as that environment names its stack. */
const entry = (field: AppPlatform, environment: Environment): PlatformEntry => ({
  field,
  recordedAs: field,
  environment,
  stackName: stackNamesByTarget(environment)[field]!,
});

export const ENTRIES: readonly PlatformEntry[] = [
  entry("nomad", LAB),
  entry("swarm", LAB),
  entry("eks", AWS),
  entry("ecs", AWS),
];

/** The platforms of the registry that render the application: the suite covers each, and no other. */
export const REGISTERED_APP_PLATFORMS: readonly string[] = PLATFORMS.map((p) => p.field).filter((f) => f !== "lab");

export interface Synthesized {
  readonly entry: PlatformEntry;
  readonly application: Application;
  readonly json: any;
  readonly text: string;
  readonly records: readonly CapabilityRecord[];
  readonly stack: TerraformStack;
}

/**
 * Synthesizes the platform's stack once (call it in beforeAll) as `npm run synth` builds it (addStacks);
 * `application`, a model before selection, replaces the environment's.
 */
export function synthesize(entry: PlatformEntry, application?: Application): Synthesized {
  const environment = application ? { ...entry.environment, application } : entry.environment;
  const [stack] = addStacks(Testing.app() as App, environment, new Set([entry.stackName]));
  const text = Testing.synth(stack);
  return {
    entry,
    application: selectApplication(environment.application, environment.selection),
    json: JSON.parse(text),
    text,
    records: CapabilityReport.of(stack).records,
    stack,
  };
}

/** Every managed resource of a synthesized stack, as the review's read-backs take them. */
export function resourcesOf(json: any): ResourceValues[] {
  return Object.entries<Record<string, any>>(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries<Record<string, any>>(byName).map(([name, values]) => ({
      address: `${type}.${name}`,
      type,
      name,
      values,
    })),
  );
}

/** What the synthesized output says, in the model's terms. */
export interface Workloads {
  /** `from -> to` for every pair of model services the network rules let through. */
  readonly flows: ReadonlySet<string>;
  /** Services each network zone admits, where the platform allows by zone (Swarm networks). */
  readonly zoneMembers: ReadonlyMap<string, ReadonlySet<string>>;
  readonly health: ReadonlyMap<string, string>;
  readonly replicas: ReadonlyMap<string, string>;
  /** Model secrets, by where their value comes from (a generator resource, a store). */
  readonly secrets: ReadonlyMap<string, ReadonlySet<"generator" | "store">>;
  readonly routes: readonly Extract<Fact, { kind: "route" }>[];
}

/** Reads the synthesized JSON back through the review's read-backs (references resolved to the named resources). */
export function workloadsOf(json: any, stackName: string, environments: readonly Environment[]): Workloads {
  const resources = resourcesOf(json);
  const names = new Map<string, string>();
  for (const r of resources)
    if (typeof r.values.name === "string")
      for (const key of ["id", "arn"]) names.set(`\${${r.address}.${key}}`, r.values.name);
  const context: ModelContext = { ...modelContextFor(stackName, environments), nameOfId: (id) => names.get(id) };
  const facts = resources.flatMap((r) => {
    for (const readBack of READ_BACKS) {
      const read = readBack(r, context);
      if (read !== undefined) return read;
    }
    return [];
  });
  const services = new Set(context.serviceNames);
  const flows = new Set<string>();
  const zoneMembers = new Map<string, Set<string>>();
  const health = new Map<string, string>();
  const replicas = new Map<string, string>();
  const secrets = new Map<string, Set<"generator" | "store">>();
  const routes: Extract<Fact, { kind: "route" }>[] = [];
  for (const fact of facts) {
    // A mesh upstream is where a client sends, not a permission: the intentions allow (or not).
    if (fact.kind === "edge" && fact.via === "mesh upstream") continue;
    if (fact.kind === "edge" && services.has(fact.from) && services.has(fact.to))
      flows.add(`${fact.from} -> ${fact.to}`);
    else if (fact.kind === "edge" && services.has(fact.from) && fact.to.startsWith("zone ")) {
      const zone = fact.to.slice("zone ".length);
      zoneMembers.set(zone, (zoneMembers.get(zone) ?? new Set()).add(fact.from));
    } else if (fact.kind === "service" && fact.aspect === "health") health.set(fact.service, fact.value);
    else if (fact.kind === "service" && fact.aspect === "replicas") replicas.set(fact.service, fact.value);
    else if (fact.kind === "secret") secrets.set(fact.secret, (secrets.get(fact.secret) ?? new Set()).add(fact.held));
    else if (fact.kind === "route") routes.push(fact);
  }
  return { flows, zoneMembers, health, replicas, secrets, routes };
}
