import { Annotations, Construct, addCustomSynthesis, type ISynthesisSession, TerraformStack } from "./cdktf";
import * as fs from "fs";
import * as path from "path";
import { edgesOf, type Application } from "./model";

const IN_TRANSIT_INTENT = "encryption in transit";

/**
 * How each platform realizes each model intent. Platform constructs write these records as they render;
 * nothing is dropped silently: an intent a platform cannot express is recorded as `unsupported` and warned about.
 */
export type Support = "native" | "partial" | "unsupported";

/**
 * Every model intent a capability record can be about, each with the one wording the records, the matrix
 * (docs/capabilities.md) and the conformance suite use. A platform records these and no others: an intent not in
 * this table, or misspelt, does not compile.
 */
export const INTENTS = {
  placement: "where and how many instances run (replicas, or one per node)",
  health: "how an instance is checked and replaced when unhealthy",
  update: "how a new release rolls out and rolls back",
  zones: "who may reach the service (the model's network zones and talks-to pairs)",
  autoscaling: "how the number of instances follows CPU load",
  persistence: "where a persistent volume's data lives and survives",
  "docker-api": "what the service may do through the container engine's API",
  security: "the container's user, root filesystem and privileges",
  secrets: "where the model's secrets are kept and how services receive them",
  [IN_TRANSIT_INTENT]: "which traffic is encrypted on the wire, and what limits the rest",
  metrics: "how metrics are scraped",
  logs: "how logs are collected and stored",
  alerts: "which alert rule watches the service, and where alerts go",
  dashboards: "the dashboards provisioned",
  routes: "the public routes, and which of them are admin-only",
  notifications: "who alerts reach",
  egress: "where the services may connect outside the deployment",
  discovery: "how services find each other by name",
} as const;

/** A model intent: one of {@link INTENTS}. */
export type Intent = keyof typeof INTENTS;

export interface CapabilityRecord {
  readonly platform: string;
  /** Service name, or `*` for application-wide intents (routes, secrets). */
  readonly service: string;
  /** The model intent, e.g. `autoscaling`, `placement`, `update`. */
  readonly intent: Intent;
  /** What the model asked for, in a few words (e.g. `2-6 replicas @ 70 % CPU`). */
  readonly wanted: string;
  /** How the platform does it, or why it cannot. */
  readonly realization: string;
  readonly support: Support;
}

export const CAPABILITIES_FILE = "capabilities.json";

/** Collects a stack's capability records and writes them next to the synthesized stack. */
export class CapabilityReport extends Construct {
  /** The report of the stack that contains `scope`, created on first use. */
  static of(scope: Construct): CapabilityReport {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild("CapabilityReport");
    return existing instanceof CapabilityReport ? existing : new CapabilityReport(stack, "CapabilityReport");
  }

  private readonly entries: CapabilityRecord[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = TerraformStack.of(scope);
    addCustomSynthesis(this, {
      onSynthesize: (session: ISynthesisSession) => {
        const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, CAPABILITIES_FILE), JSON.stringify(this.entries, null, 2) + "\n");
      },
    });
  }

  record(scope: Construct, entry: CapabilityRecord): void {
    this.entries.push(entry);
    if (entry.support === "unsupported") {
      Annotations.of(scope).addWarning(
        `[${entry.platform}] ${entry.service}: ${entry.intent} (${entry.wanted}) ${entry.realization}`,
      );
    }
  }

  get records(): readonly CapabilityRecord[] {
    return this.entries;
  }
}

/** Whether a platform encrypts one kind of traffic on the wire, and how, or why not and what limits it instead. */
export interface TransitRealization {
  readonly encrypted: boolean;
  readonly how: string;
}

/**
 * The traffic of a deployment, by kind: a hop in front of the platform's entrypoint (the lab's edge proxy), the
 * entrypoint to the routed services, service-to-service calls, metric scrapes and log pushes. Only the kinds the
 * application has are reported.
 */
export interface TransitHops {
  /** A proxy terminating TLS in front of the platform's entrypoint (the lab's edge Pi). */
  readonly edge?: TransitRealization;
  /** The platform's entrypoint (Fabio, Traefik, the load balancer) to the services it routes to. */
  readonly ingress: TransitRealization;
  readonly calls: TransitRealization;
  readonly scrapes: TransitRealization;
  readonly logPushes: TransitRealization;
}

export const IN_TRANSIT: Intent = IN_TRANSIT_INTENT;

/**
 * One record per kind of traffic the application has, saying what is encrypted and what remains plaintext.
 * Plaintext is `partial`: the model's "encrypted by default" holds for the other hops.
 */
export function inTransitRecords(platform: string, app: Application, hops: TransitHops): CapabilityRecord[] {
  const edges = edgesOf(app);
  const isLogPush = (e: (typeof edges)[number]) => e.kind === "call" && !!e.from.collectsLogs && !!e.to.storesLogs;
  const present: [string, TransitRealization | undefined, boolean][] = [
    ["the TLS edge → the entrypoint", hops.edge, app.routes.length > 0],
    ["the entrypoint → routed services", hops.ingress, app.routes.length > 0],
    ["service-to-service calls", hops.calls, edges.some((e) => e.kind === "call" && !isLogPush(e))],
    ["metric scrapes", hops.scrapes, edges.some((e) => e.kind === "scrape")],
    ["log pushes to the log store", hops.logPushes, edges.some(isLogPush)],
  ];
  return present
    .filter(([, realization, has]) => realization && has)
    .map(([hop, realization]) => ({
      platform,
      service: "*",
      intent: IN_TRANSIT,
      wanted: `${hop}: encrypted`,
      realization: `${realization!.encrypted ? "encrypted" : "plaintext"}: ${realization!.how}`,
      support: realization!.encrypted ? "native" : "partial",
    }));
}
