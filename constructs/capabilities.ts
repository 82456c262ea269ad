import { Annotations, Construct, addCustomSynthesis, type ISynthesisSession, TerraformStack } from "./cdktf";
import * as fs from "fs";
import * as path from "path";

/**
 * How each platform realizes each model intent. Platform constructs write these records as they render;
 * nothing is dropped silently: an intent a platform cannot express is recorded as `unsupported` and warned about.
 */
export type Support = "native" | "partial" | "unsupported";

export interface CapabilityRecord {
  readonly platform: string;
  /** Service name, or `*` for application-wide intents (routes, secrets). */
  readonly service: string;
  /** The model intent, e.g. `autoscaling`, `placement`, `update`. */
  readonly intent: string;
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
