/**
 * A program's run kept by everything it was given, for programs that answer the same on the same input (the
 * pinned checkov: its start-up alone is 4 CPU-s, and a scan of every stack 20; cloud-init schema, 0.3 s for each
 * VM's user-data; Nomad's two checks of each jobspec). Only where ARGO_PROGRAM_CACHE
 * names a directory (jest's global setup sets node_modules/.cache/argo-programs, see docs/validation.md);
 * `npm run validate` runs every program unless it is set.
 *
 * A run is looked up by a hash of: the program (its real path, size and modification time, and for a
 * program of a Python virtual environment every installed distribution's RECORD, which lists the hash of each
 * file it installed), its arguments, its working directory, the environment variables that configure it, and
 * the bytes of each input file. Input paths are kept out of the key and out of what is stored (each run gets
 * its own temporary directory): the stored output names them by placeholder and gets the paths of this run.
 * A run that was killed or timed out is not kept.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { SpawnSyncOptions } from "node:child_process";
import { runProgram, type RunResult } from "./programs";

export const PROGRAM_CACHE_ENV = "ARGO_PROGRAM_CACHE";
/** Runs kept per directory, the newest; older ones are removed when a run is added. */
export const KEPT_RUNS = 128;
/** Environment variables that change what the programs we cache do. */
const CONFIGURING = /^(CHECKOV_|BC_|NOMAD_|LOG_LEVEL$|PYTHON(PATH|HOME)$)/;

/** Placeholder for the i-th input's path in a stored run. */
const placeholder = (index: number) => `\u0000argo-input-${index}\u0000`;

/** What is installed in a Python virtual environment: each distribution's RECORD (the hash of every file). */
function venvIdentity(venv: string): string {
  const hash = createHash("sha256").update(readFileSync(join(venv, "pyvenv.cfg")));
  const lib = join(venv, "lib");
  for (const python of readdirSync(lib).sort()) {
    const site = join(lib, python, "site-packages");
    if (!existsSync(site)) continue;
    for (const entry of readdirSync(site).sort()) {
      if (!entry.endsWith(".dist-info")) continue;
      const record = join(site, entry, "RECORD");
      hash.update(`${entry}\n`);
      if (existsSync(record)) hash.update(readFileSync(record));
    }
  }
  return hash.digest("hex");
}

/** A venv's identity by its pyvenv.cfg and the program's file, read once for each. */
const venvs = new Map<string, string>();

/** What makes a program the one it is: the file, and for a virtual environment's program what is installed in it. */
export function programIdentity(path: string): string {
  const real = realpathSync(path);
  const stat = statSync(real);
  const file = `${real} ${stat.size} ${stat.mtimeMs}`;
  const venv = dirname(dirname(path));
  if (!existsSync(join(venv, "pyvenv.cfg"))) return file;
  const cfg = statSync(join(venv, "pyvenv.cfg"));
  const key = `${file} ${venv} ${cfg.mtimeMs}`;
  let installed = venvs.get(key);
  if (!installed) venvs.set(key, (installed = venvIdentity(venv)));
  return `${file} ${installed}`;
}

/** The key of a run: see the module comment. */
export function runKey(
  path: string,
  args: readonly string[],
  inputs: readonly string[],
  options: SpawnSyncOptions = {},
): string {
  const identity = programIdentity(path);
  const env = options.env ?? process.env;
  const configuring = Object.keys(env)
    .filter((name) => CONFIGURING.test(name))
    .sort()
    .map((name) => [name, env[name]]);
  const hash = createHash("sha256").update(
    JSON.stringify({
      identity,
      args: args.map((arg) => hide(arg, inputs)),
      cwd: resolve(String(options.cwd ?? process.cwd())),
      configuring,
    }),
  );
  for (const input of inputs) hash.update("\u0000").update(readFileSync(input));
  return hash.digest("hex");
}

function hide(text: string, inputs: readonly string[]): string {
  // Longest first, so that a path that contains another is replaced whole.
  const order = inputs.map((input, index) => ({ input: resolve(input), index }));
  order.sort((a, b) => b.input.length - a.input.length);
  let out = text;
  for (const { input, index } of order) out = out.split(input).join(placeholder(index));
  return out;
}

function show(text: string, inputs: readonly string[]): string {
  let out = text;
  inputs.forEach((input, index) => (out = out.split(placeholder(index)).join(resolve(input))));
  return out;
}

/**
 * runProgram, answered from the cache (ARGO_PROGRAM_CACHE) when this program already ran on exactly this:
 * `inputs` are the files it reads (named in `args` by their absolute paths).
 */
export function runProgramCached(
  path: string,
  args: readonly string[],
  inputs: readonly string[],
  options: SpawnSyncOptions = {},
): RunResult & { readonly cached: boolean } {
  const dir = process.env[PROGRAM_CACHE_ENV];
  if (!dir) return { ...runProgram(path, args, options), cached: false };
  const file = join(dir, `${runKey(path, args, inputs, options)}.json`);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, "utf8")) as { status: number; stdout: string; stderr: string };
    // Used now: the last to be pruned.
    const now = new Date();
    utimesSync(file, now, now);
    const stdout = show(kept.stdout, inputs);
    const stderr = show(kept.stderr, inputs);
    return { status: kept.status, stdout, stderr, output: `${stdout}\n${stderr}`.trim(), cached: true };
  }
  const run = runProgram(path, args, options);
  if (run.status !== null) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ status: run.status, stdout: hide(run.stdout, inputs), stderr: hide(run.stderr, inputs) }),
    );
    renameSync(tmp, file);
    prune(dir);
  }
  return { ...run, cached: false };
}

function prune(dir: string): void {
  const runs = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      try {
        return { name, mtime: statSync(join(dir, name)).mtimeMs };
      } catch {
        return undefined; // removed by a concurrent prune
      }
    })
    .filter((run): run is { name: string; mtime: number } => run !== undefined)
    .sort((a, b) => b.mtime - a.mtime);
  for (const run of runs.slice(KEPT_RUNS)) rmSync(join(dir, run.name), { force: true });
}
