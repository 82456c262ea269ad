/**
 * The swarm-lab stack's Terraform rendering on the e2e Swarm: `terraform init` and `apply` of the synthesized
 * stack (cdk.tf.json) with the real docker and random providers from a filesystem mirror (no registry: the CLI
 * configuration of e2e/nomad/terraform.ts), `plan -detailed-exitcode`, targeted and full `destroy`, and the
 * values Terraform generated, read from its state. State and working files stay in the run's temporary
 * directory (the stack's local backend path points there), which the run removes.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { qualifiedSource, whyMissing } from "../tools/validate/checks/terraform";
import type { TerraformJson } from "../tools/validate/stacks";
import { findProviders, terraformEnv } from "./nomad/terraform";
import { run } from "./shell";

export interface Outcome {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

export type Readiness =
  | { readonly ok: true; readonly terraform: string; readonly env: NodeJS.ProcessEnv }
  | { readonly ok: false; readonly reason: string };

/** Terraform and every provider the stack requires, at its pinned version, from a mirror; or why not. */
export function terraformReadiness(stackDir: string, work: string): Readiness {
  const config: TerraformJson = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const needs = Object.values(config.terraform?.required_providers ?? {}).map((p) => ({
    source: p.source ?? "",
    version: p.version ?? "",
  }));
  const terraform = run("sh", ["-c", "command -v terraform || true"]).trim();
  if (!terraform)
    return { ok: false, reason: "terraform is not on PATH (npm run toolchain installs the pinned release)" };
  const providers = findProviders(needs);
  if (!providers.ok) {
    const missing = needs
      .filter((n) => !findProviders([n]).ok)
      .map((n) => whyMissing(qualifiedSource(n.source), n.version));
    return { ok: false, reason: missing.join("; ") };
  }
  return { ok: true, terraform, env: terraformEnv(work, providers.mirrors) };
}

/** One stack's Terraform runs; each release is a synthesized directory of the same stack, sharing one state. */
export class TerraformRuns {
  private child: ChildProcess | undefined;
  private stateCache: any;

  constructor(
    private readonly terraform: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs terraform in `dir`; resolves with its exit code and output (never rejects on a non-zero exit). */
  exec(dir: string, args: readonly string[], timeoutMs = 600000): Promise<Outcome> {
    const start = Date.now();
    if (!["show", "state", "output"].includes(args[0])) this.stateCache = undefined;
    return new Promise((resolve, reject) => {
      const child = spawn(this.terraform, [...args], { cwd: dir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      let output = "";
      child.stdout!.on("data", (c) => (output += c));
      child.stderr!.on("data", (c) => (output += c));
      const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
      child.on("error", (error) => (clearTimeout(timer), reject(error)));
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        this.child = undefined;
        resolve({ code: code ?? (signal ? 128 : 1), output, seconds: (Date.now() - start) / 1000 });
      });
    });
  }

  /** Like exec, but rejects with the end of its output when terraform fails. */
  async must(dir: string, args: readonly string[]): Promise<Outcome> {
    const outcome = await this.exec(dir, args);
    if (outcome.code !== 0)
      throw new Error(`terraform ${args.join(" ")} exited ${outcome.code}:\n${tail(outcome.output, 25)}`);
    return outcome;
  }

  init(dir: string): Promise<Outcome> {
    return this.must(dir, ["init", "-input=false", "-no-color"]);
  }

  apply(dir: string, extra: readonly string[] = []): Promise<Outcome> {
    return this.must(dir, ["apply", "-auto-approve", "-input=false", "-no-color", ...extra]);
  }

  /** `plan -detailed-exitcode`: 0 no changes, 2 changes (listed), 1 an error. */
  async plan(dir: string): Promise<{ code: number; changes: string[]; output: string; seconds: number }> {
    const outcome = await this.exec(dir, [
      "plan",
      "-detailed-exitcode",
      "-input=false",
      "-no-color",
      "-lock-timeout=60s",
    ]);
    const changes = outcome.output
      .split("\n")
      .filter((l) => /^ {2}# \S+ (will|must) be /.test(l))
      .map((l) => l.trim().replace(/^# /, ""));
    if (outcome.code === 2) for (const line of attributeChanges(outcome.output)) this.log(`      ${line}`);
    return { ...outcome, changes };
  }

  /**
   * `terraform destroy`, of everything or of the resources matching `only` (with everything that depends on
   * them). The docker provider, when a service has a stop_grace_period, waits that long for each of the
   * manager's containers of the service to be removed and fails the destroy if one takes longer, after the
   * service itself was already removed; a second run then completes (its refresh finds the service gone).
   * Returns how many runs it took.
   */
  async destroy(
    dir: string,
    only?: (address: string) => boolean,
  ): Promise<{ runs: number; seconds: number; firstFailure?: string }> {
    let seconds = 0;
    let firstFailure: string | undefined;
    for (let runs = 1; ; runs++) {
      const targets = only ? (await this.addresses(dir)).filter(only).map((a) => `-target=${a}`) : [];
      if (only && targets.length === 0) return { runs, seconds, firstFailure };
      const outcome = await this.exec(dir, ["destroy", "-auto-approve", "-input=false", "-no-color", ...targets]);
      seconds += outcome.seconds;
      if (outcome.code === 0) return { runs, seconds, firstFailure };
      const errors = outcome.output.split("\n").filter((l) => /^Error: /.test(l.trim()));
      const onlyRemovalWaits =
        errors.length > 0 &&
        errors.every((l) => /error on wait for container with ID '[0-9a-f]+': context deadline exceeded/.test(l));
      if (runs >= 2 || !onlyRemovalWaits)
        throw new Error(`terraform destroy exited ${outcome.code}:\n${tail(outcome.output, 25)}`);
      firstFailure = `${errors.length} × ${errors[0].trim()}`;
    }
  }

  /** Every resource address in the state. */
  async addresses(dir: string): Promise<string[]> {
    return (await this.must(dir, ["state", "list"])).output.split("\n").filter(Boolean);
  }

  /** The state as `terraform show -json` prints it (sensitive values included: it is read only here). */
  async state(dir: string): Promise<any> {
    if (!this.stateCache) this.stateCache = JSON.parse((await this.must(dir, ["show", "-json", "-no-color"])).output);
    return this.stateCache;
  }

  async resources(dir: string, type: string): Promise<{ address: string; values: any }[]> {
    const state = await this.state(dir);
    return (state.values?.root_module?.resources ?? [])
      .filter((r: any) => r.type === type)
      .map((r: any) => ({ address: r.address, values: r.values }));
  }

  /** Ends a terraform run still in progress (an interrupted e2e). */
  stop(): void {
    if (this.child?.pid) {
      try {
        this.child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}

/** The changed attribute lines of a plan (`~`, `+`, `-` with an arrow or a value), without the unchanged noise. */
export function attributeChanges(planOutput: string): string[] {
  return planOutput
    .split("\n")
    .filter((l) => /^ {2}# /.test(l) || (/^\s+[~+-] /.test(l) && !/known after apply/.test(l) && /->|=/.test(l)))
    .map((l) => l.trimEnd())
    .slice(0, 40);
}

export const tail = (text: string, lines: number) => text.trim().split("\n").slice(-lines).join("\n");
