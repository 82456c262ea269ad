/** Finding and running the real programs: the pinned Go builds, Debian's tools, the checkov venv. */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { goTool, toolchainCache, unavailableReason, VERSIONS } from "../toolchain/paths";

export interface Program {
  readonly path: string;
}

export type Located =
  { readonly found: true; readonly path: string } | { readonly found: false; readonly reason: string };

/** A pinned Go-built tool (versions.json), or why it is not here. */
export function pinnedTool(name: string): Located {
  let path = goTool(name);
  if (!path && VERSIONS.go[name]?.localModule) {
    // This repository's own validators build in seconds: build one whose sources changed instead of refusing.
    spawnSync(process.execPath, [require.resolve("tsx/cli"), join(__dirname, "..", "toolchain", "install.ts"), name], {
      stdio: "ignore",
    });
    path = goTool(name);
  }
  return path ? { found: true, path } : { found: false, reason: `${name}: ${unavailableReason(name)}` };
}

/** A program from the system (Debian's packages), or why it is not here. */
export function systemTool(name: string, debianPackage: string): Located {
  const which = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const path = which.stdout.trim();
  return which.status === 0 && path
    ? { found: true, path }
    : { found: false, reason: `${name} is not installed (Debian package ${debianPackage}; run \`npm run toolchain\`)` };
}

/** checkov from its pinned virtual environment in the toolchain cache. */
export function venvTool(name: string): Located {
  const path = join(toolchainCache(), "venv", "bin", name);
  return existsSync(path)
    ? { found: true, path }
    : {
        found: false,
        reason: `${name} is not installed in ${join(toolchainCache(), "venv")} (run \`npm run toolchain\`)`,
      };
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, trimmed: what a person would read. */
  readonly output: string;
}

export function runProgram(path: string, args: readonly string[], options: SpawnSyncOptions = {}): RunResult {
  const child = spawnSync(path, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 300_000, ...options });
  const stdout = String(child.stdout ?? "");
  const stderr = String(child.stderr ?? (child.error ? child.error.message : ""));
  return { status: child.status, stdout, stderr, output: `${stdout}\n${stderr}`.trim() };
}
