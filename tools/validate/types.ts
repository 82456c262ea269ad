/** The contract between `npm run validate` and each check: a real program judging one kind of artifact. */
import type { SynthesizedStack } from "./stacks";

export type Outcome = "ok" | "failed" | "not-run";

export interface Finding {
  /** What was checked: `<stack> <resource address or file>`. */
  readonly artifact: string;
  readonly outcome: Outcome;
  /** For failures: what the program said. For not-run: exactly why it could not run here. */
  readonly detail?: string;
}

export interface Check {
  /** The program and version that judges, e.g. `nomad 1.8.4 job validate`. */
  readonly name: string;
  run(stacks: readonly SynthesizedStack[], workDir: string): Finding[] | Promise<Finding[]>;
}
