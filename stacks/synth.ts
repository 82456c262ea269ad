import * as fs from "fs";
import * as path from "path";
import { App, Manifest, type StackManifest, type TerraformStack } from "../constructs/cdktf";
import { formatProblem, selectApplication, ValidationError, type Problem } from "../constructs/model";
import type { Environment } from "../environments";
import { validateEnvironment } from "./validate";

// The stack classes are loaded when a stack of theirs is added (each pulls in its own providers' bindings),
// so synthesizing some stacks loads only what those stacks need.
/* eslint-disable @typescript-eslint/no-require-imports */
const stackClasses = {
  lab: () => (require("./lab-stack") as typeof import("./lab-stack")).LabStack,
  nomad: () => (require("./nomad-lab-stack") as typeof import("./nomad-lab-stack")).NomadLabStack,
  swarm: () => (require("./swarm-lab-stack") as typeof import("./swarm-lab-stack")).SwarmLabStack,
  eks: () => (require("./eks-stack") as typeof import("./eks-stack")).EksStack,
  ecs: () => (require("./ecs-stack") as typeof import("./ecs-stack")).EcsStack,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const labStackName = (env: Environment) => env.lab?.stackName ?? `lab-${env.name}`;
const nomadStackName = (env: Environment) => env.nomad?.stackName ?? `nomad-${env.name}`;
const swarmStackName = (env: Environment) => env.swarm?.stackName ?? `swarm-${env.name}`;
const eksStackName = (env: Environment) => env.eks?.stackName ?? `eks-${env.name}`;
const ecsStackName = (env: Environment) => env.ecs?.stackName ?? `ecs-${env.name}`;

const looksLikeEnvironment = (value: unknown): value is Environment =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Environment).name === "string" &&
  typeof (value as Environment).application === "object" &&
  typeof (value as Environment).selection === "object";

/**
 * The environments a module named by ARGO_ENVIRONMENTS describes: its `ENVIRONMENTS` list (as
 * environments/index.ts exports it), or else every Environment it exports (a copy of environments/northwind.ts
 * exports `NORTHWIND`). Throws, naming the module and what it exports, when it describes none.
 */
export function environmentsOfModule(exports: Readonly<Record<string, unknown>>, source: string): Environment[] {
  if ("ENVIRONMENTS" in exports) {
    const list = exports.ENVIRONMENTS;
    const wrong = Array.isArray(list) ? list.findIndex((e) => !looksLikeEnvironment(e)) : -1;
    if (!Array.isArray(list) || wrong >= 0)
      throw new Error(
        `${source}: ENVIRONMENTS${Array.isArray(list) ? `[${wrong}]` : ""} is not ${Array.isArray(list) ? "an Environment" : "a list of Environments"} (expected objects with name, application, selection and adminCidrs, as in environments/northwind.ts)`,
      );
    return list;
  }
  const found = Object.values(exports).filter(looksLikeEnvironment);
  if (found.length === 0)
    throw new Error(
      `${source} exports no environment (its exports: ${Object.keys(exports).join(", ") || "none"}); expected an exported Environment such as \`export const NORTHWIND: Environment = {...}\`, or ENVIRONMENTS, a list of them`,
    );
  return [...new Set(found)];
}

/** Stack name of each target an environment enables, by target. */
export function stackNamesByTarget(env: Environment): {
  readonly lab?: string;
  readonly nomad?: string;
  readonly swarm?: string;
  readonly eks?: string;
  readonly ecs?: string;
} {
  return {
    ...(env.lab ? { lab: labStackName(env) } : {}),
    ...(env.nomad ? { nomad: nomadStackName(env) } : {}),
    ...(env.swarm ? { swarm: swarmStackName(env) } : {}),
    ...(env.eks ? { eks: eksStackName(env) } : {}),
    ...(env.ecs ? { ecs: ecsStackName(env) } : {}),
  };
}

/** Stack name of each target an environment enables. */
export function stackNamesOf(env: Environment): string[] {
  return Object.values(stackNamesByTarget(env));
}

/**
 * Adds every stack an environment enables to the app, or only those named in `only`. The environment must be
 * valid.
 */
export function addStacks(app: App, env: Environment, only?: ReadonlySet<string>): TerraformStack[] {
  const wanted = (name: string) => !only || only.has(name);
  const application = selectApplication(env.application, env.selection);
  const stacks: TerraformStack[] = [];
  if (env.lab && wanted(labStackName(env)))
    stacks.push(new (stackClasses.lab())(app, labStackName(env), { environment: env, application }));
  if (env.nomad && wanted(nomadStackName(env)))
    stacks.push(
      new (stackClasses.nomad())(app, nomadStackName(env), { environment: env, target: env.nomad, application }),
    );
  if (env.swarm && wanted(swarmStackName(env)))
    stacks.push(
      new (stackClasses.swarm())(app, swarmStackName(env), { environment: env, target: env.swarm, application }),
    );
  if (env.eks && wanted(eksStackName(env)))
    stacks.push(new (stackClasses.eks())(app, eksStackName(env), { environment: env, target: env.eks, application }));
  if (env.ecs && wanted(ecsStackName(env)))
    stacks.push(new (stackClasses.ecs())(app, ecsStackName(env), { environment: env, target: env.ecs, application }));
  return stacks;
}

/** Every problem of every environment, plus stack names that two environments both claim. */
export function validateEnvironments(environments: readonly Environment[]): Problem[] {
  const problems = environments.flatMap(validateEnvironment);
  const owners = new Map<string, string>();
  for (const env of environments) {
    for (const name of stackNamesOf(env)) {
      const other = owners.get(name);
      if (other)
        problems.push({
          path: `environments.${env.name}`,
          message: `stack name "${name}" is already used by environment "${other}"`,
        });
      owners.set(name, env.name);
    }
  }
  return problems;
}

export interface SynthOptions {
  /**
   * Synthesize only these stacks (names as `stackNamesOf` gives them); every environment is still validated.
   * The manifest then lists only these; the other stacks' directories in `outdir` are left as they were.
   */
  readonly only?: readonly string[];
}

/** One stack to synthesize: its name and the environment that enables it. */
export interface StackJob {
  readonly environment: Environment;
  readonly name: string;
}

/** The stacks to synthesize, in the order `npm run synth` reports them. The environments must be valid. */
export function planStacks(environments: readonly Environment[], options: SynthOptions = {}): StackJob[] {
  const jobs = environments.flatMap((environment) => stackNamesOf(environment).map((name) => ({ environment, name })));
  if (!options.only) return jobs;
  const unknown = options.only.filter((name) => !jobs.some((job) => job.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; the stacks are: ${jobs.map((j) => j.name).join(", ")}`,
    );
  }
  return jobs.filter((job) => options.only!.includes(job.name));
}

/** Validates the environments and plans their stacks; throws a ValidationError listing every problem. */
export function validatedPlan(environments: readonly Environment[], options: SynthOptions = {}): StackJob[] {
  const problems = validateEnvironments(environments);
  if (problems.length > 0) throw new ValidationError("The configuration", problems);
  return planStacks(environments, options);
}

/**
 * Synthesizes the jobs that `claim` hands out (the index of the next job, or past the end when none is left)
 * into `staging`, each stack in an App of its own: a stack never refers to another, its output is the same,
 * and what one stack built can be collected before the next is built. Returns each stack's manifest entry.
 */
export function synthesizeJobs(
  jobs: readonly StackJob[],
  staging: string,
  claim: () => number,
): Record<string, StackManifest> {
  const entries: Record<string, StackManifest> = {};
  fs.mkdirSync(staging, { recursive: true });
  for (let index = claim(); index < jobs.length; index = claim()) {
    const { environment, name } = jobs[index];
    // Every App writes a manifest.json of its one stack into `staging`; `writeManifest` replaces it at the end.
    const app = new App({ outdir: staging, skipValidation: false, stackTraces: false });
    for (const stack of addStacks(app, environment, new Set([name]))) {
      // cdktf's App.synth resolves every element twice: first a "preparing" pass whose only use is to find
      // references from one stack to another (and add outputs and remote state for them), then the real one.
      // Alone in its App, a stack refers to no other: the first pass, a fifth of a synth, is left out.
      stack.prepareStack = () => void stack.ensureBackendExists();
    }
    app.synth();
    entries[name] = app.manifest.stacks[name];
  }
  return entries;
}

/** Writes the manifest of every stack synthesized into `staging`, as one App of them all would have. */
export function writeManifest(staging: string, entries: Record<string, StackManifest>): void {
  const manifest = new Manifest(MANIFEST_VERSION, staging, false);
  Object.assign(manifest.stacks, entries);
  manifest.writeToFile();
}

// The version every App writes into its manifest: cdktf's own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MANIFEST_VERSION: string = require("cdktf/package.json").version;

/**
 * Validates every environment, then synthesizes all their stacks into `outdir`. Nothing is written unless
 * everything validates and synthesizes: output goes to a staging directory that replaces `outdir` at the end.
 */
export function synthesizeAll(
  environments: readonly Environment[],
  outdir: string,
  options: SynthOptions = {},
): string[] {
  const jobs = validatedPlan(environments, options);
  return intoStaging(outdir, (staging) => {
    let next = 0;
    writeManifest(
      staging,
      synthesizeJobs(jobs, staging, () => next++),
    );
    return jobs.map((job) => job.name);
  });
}

/** What a worker thread of `synthesizeAllInParallel` is handed: where to write, and the shared job counter. */
export interface WorkerShare {
  readonly staging: string;
  readonly counter: SharedArrayBuffer;
  readonly only?: readonly string[];
}

export interface ParallelOptions extends SynthOptions {
  /** Threads synthesizing at once, this one included; at most one per stack. */
  readonly threads: number;
  /**
   * The script each worker thread runs, with `workerData` passed through: it loads the same environments as
   * this process and posts back what `synthesizeShare` returns, or `{ error }`.
   */
  readonly workerScript: string;
  readonly workerData?: Record<string, unknown>;
}

/** A worker thread's part of `synthesizeAllInParallel`: the jobs it claims from the shared counter. */
export function synthesizeShare(
  environments: readonly Environment[],
  share: WorkerShare,
): { entries: Record<string, StackManifest> } {
  const jobs = planStacks(environments, share.only ? { only: share.only } : {});
  const counter = new Int32Array(share.counter);
  return { entries: synthesizeJobs(jobs, share.staging, () => Atomics.add(counter, 0, 1)) };
}

/**
 * `synthesizeAll` on several threads: this one and `threads - 1` workers take the next stack from a shared
 * counter until none is left, each into the same staging directory, so the work balances itself whatever the
 * stacks cost. The output is the same as `synthesizeAll`'s; if any thread fails, nothing is written.
 */
export async function synthesizeAllInParallel(
  environments: readonly Environment[],
  outdir: string,
  options: ParallelOptions,
): Promise<string[]> {
  const jobs = validatedPlan(environments, options);
  const workerCount = Math.min(options.threads, jobs.length) - 1;
  if (workerCount < 1) return synthesizeAll(environments, outdir, options);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("worker_threads") as typeof import("worker_threads");
  const staging = `${outdir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const share: WorkerShare = {
    staging,
    counter: counter.buffer as SharedArrayBuffer,
    ...(options.only ? { only: options.only } : {}),
  };
  const workers = Array.from(
    { length: workerCount },
    () => new Worker(options.workerScript, { workerData: { ...options.workerData, argoSynthShare: share } }),
  );
  const results = workers.map(
    (worker) =>
      new Promise<Record<string, StackManifest>>((resolve, reject) => {
        worker.once("message", (message: { entries?: Record<string, StackManifest>; error?: string }) =>
          message.entries ? resolve(message.entries) : reject(new Error(message.error ?? "a synth worker failed")),
        );
        worker.once("error", reject);
        worker.once("exit", (code) =>
          reject(new Error(`a synth worker stopped (exit code ${code}) before it finished`)),
        );
      }),
  );
  // Rejections are awaited below; until then they must not count as unhandled.
  for (const result of results) result.catch(() => undefined);
  try {
    const entries = synthesizeJobs(jobs, staging, () => Atomics.add(counter, 0, 1));
    for (const theirs of await Promise.all(results)) Object.assign(entries, theirs);
    writeManifest(staging, entries);
    publish(staging, outdir);
    return jobs.map((job) => job.name);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Runs `synthesize` on a fresh staging directory next to `outdir`, then moves its output into `outdir`. */
export function intoStaging<T>(outdir: string, synthesize: (staging: string) => T): T {
  const staging = `${outdir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const result = synthesize(staging);
    publish(staging, outdir);
    return result;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Moves every synthesized file into place, keeping what Terraform keeps next to them (`.terraform/`, lock
 * files), so re-synthesizing does not force a new `terraform init`.
 */
function publish(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      publish(source, target);
    } else {
      fs.mkdirSync(to, { recursive: true });
      fs.renameSync(source, target);
    }
  }
}

/** What Terraform keeps in a stack's directory: a directory holding any of these is never removed. */
const TERRAFORM_FILES = /^(\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate.*|.*\.tfplan)$/;

export interface StaleStacks {
  /** Directories of `outdir/stacks` removed: no stack of these environments, and only synthesized files. */
  readonly removed: readonly string[];
  /** Directories of no stack of these environments that hold Terraform's files, left in place. */
  readonly kept: readonly { readonly name: string; readonly terraformFiles: readonly string[] }[];
}

/**
 * Removes the output of stacks that belong to none of `environments` (left by an earlier synth of other
 * environments, e.g. the built-in ones before a customer's alone), unless Terraform keeps state or a working
 * directory there. Stacks of these environments that were not selected are left as they were.
 */
export function removeStaleStacks(outdir: string, environments: readonly Environment[]): StaleStacks {
  const dir = path.join(outdir, "stacks");
  if (!fs.existsSync(dir)) return { removed: [], kept: [] };
  const current = new Set(environments.flatMap(stackNamesOf));
  const removed: string[] = [];
  const kept: { name: string; terraformFiles: string[] }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || current.has(entry.name)) continue;
    const terraformFiles = fs.readdirSync(path.join(dir, entry.name)).filter((name) => TERRAFORM_FILES.test(name));
    if (terraformFiles.length > 0) kept.push({ name: entry.name, terraformFiles });
    else {
      fs.rmSync(path.join(dir, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return { removed, kept };
}

/** What `removeStaleStacks` did, as the synth prints it. */
export function staleStackMessages(outdir: string, stale: StaleStacks): string[] {
  return [
    ...(stale.removed.length > 0
      ? [
          `Removed the output of stacks no environment of this synth has from ${outdir}/stacks: ${stale.removed.join(", ")}`,
        ]
      : []),
    ...stale.kept.map(
      ({ name, terraformFiles }) =>
        `warning ${outdir}/stacks/${name} is a stack of no environment of this synth, but Terraform keeps ${terraformFiles.join(", ")} there: left in place (the manifest no longer lists it; destroy it or move its state, then delete the directory)`,
    ),
  ];
}

/**
 * The warnings and errors the stacks recorded at synth (what a platform cannot do, policy findings), as
 * `cdktf synth` prints them, read from the manifest just written. Informational notes are left out.
 */
export function synthWarnings(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.entries(
    manifest.stacks as Record<string, { annotations?: { level: string; message: string }[] }>,
  ).flatMap(([stack, s]) =>
    (s.annotations ?? [])
      .filter((a) => a.level !== "@cdktf/info")
      .map((a) => `${a.level === "@cdktf/error" ? "error" : "warning"} [${stack}] ${a.message}`),
  );
}

export { formatProblem };
