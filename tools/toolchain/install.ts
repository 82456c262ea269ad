/**
 * Installs the real programs the validators and e2e tests run, at the versions in versions.json:
 * Go-built binaries and Terraform providers, cached outside the repository by name and version
 * (`$ARGO_TOOLS_CACHE`, default `~/.cache/argo-infra`), reused when present, and a binary of the right
 * version already on PATH preferred. A module the module proxy does not serve at the pinned version is
 * recorded as unavailable (with the proxy's answer) instead of failing the run, so `npm run validate`
 * can name exactly what it could not check.
 *
 *   tsx tools/toolchain/install.ts [name ...]     # default: everything
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  goBinaryPath,
  providerBinaryPath,
  statusPath,
  toolchainCache,
  VERSIONS,
  type GoTool,
  type ProviderTool,
} from "./paths";

interface BuildRecord {
  readonly name: string;
  readonly version: string;
  readonly status: "built" | "cached" | "on-path" | "unavailable";
  readonly path?: string;
  readonly seconds?: number;
  readonly peakMiB?: number;
  readonly reason?: string;
}

const cache = toolchainCache();
const wanted = process.argv.slice(2);
const selected = (name: string) => wanted.length === 0 || wanted.includes(name);

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...args], {
    cwd,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod -buildvcs=false", ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = (child.stderr ?? "").trim().split("\n");
  const [seconds, kib] = (lines.pop() ?? "").split(" ").map(Number);
  return {
    ok: child.status === 0,
    output: `${child.stdout}\n${lines.join("\n")}`.trim(),
    seconds,
    peakMiB: kib / 1024,
  };
}

/** The first line of the proxy's refusal, which says why a version cannot be had here. */
function refusal(output: string): string {
  const line = output.split("\n").find((l) => /403|404|not available|invalid version|cannot find/.test(l));
  // The proxy's address is machine configuration, not part of the reason.
  return (line ?? output.split("\n").slice(-3).join(" "))
    .replace(/https?:\/\/\S+/g, "<module proxy>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

function versionOnPath(binary: string, version: string): string | undefined {
  const which = spawnSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" });
  const found = which.stdout.trim();
  if (which.status !== 0 || !found) return undefined;
  const out = spawnSync(found, ["version"], { encoding: "utf8" });
  const text = `${out.stdout}${out.stderr}`;
  return new RegExp(`\\bv?${version.replace(/\./g, "\\.")}\\b`).test(text) ? found : undefined;
}

/** Downloads a module into a writable copy, applies the replacements, builds one package. */
function buildGoModule(
  name: string,
  module: string,
  moduleVersion: string,
  pkg: string,
  output: string,
  options: Pick<GoTool, "replace" | "noSumDb" | "cgo" | "patches" | "nestedModulesVersion" | "ldflags">,
): Omit<BuildRecord, "name" | "version" | "status"> & { ok: boolean } {
  const work = mkdtempSync(join(cache, `build-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...(options.noSumDb ? { GONOSUMDB: options.noSumDb.join(",") } : {}),
    GOTOOLCHAIN: "local",
    ...(options.cgo ? { CGO_ENABLED: "1" } : {}),
    // A go.work shipped in the module names the nested modules' directories, which the download lacks.
    ...(options.nestedModulesVersion ? { GOWORK: "off" } : {}),
  };
  try {
    const download = run("go", ["mod", "download", "-json", `${module}@${moduleVersion}`], work, env);
    const dir = /"Dir":\s*"([^"]+)"/.exec(download.output)?.[1];
    if (!download.ok || !dir) return { ok: false, reason: refusal(download.output) };
    const src = join(work, "src");
    cpSync(dir, src, { recursive: true });
    spawnSync("chmod", ["-R", "u+w", src]);
    let seconds = download.seconds;
    let peakMiB = download.peakMiB;
    for (const [from, to] of Object.entries(options.replace ?? {})) {
      const edit = run("go", ["mod", "edit", `-replace=${from}=${to}`], src, env);
      if (!edit.ok) return { ok: false, reason: refusal(edit.output) };
    }
    if (options.nestedModulesVersion) {
      const replaced = replaceNestedModules(src, work, options.nestedModulesVersion, env);
      if (typeof replaced === "string") return { ok: false, reason: replaced };
      if (replaced.length)
        console.log(`${name}: not served at ${options.nestedModulesVersion}, empty modules: ${replaced.join(", ")}`);
    }
    for (const [index, patch] of (options.patches ?? []).entries()) {
      const fetched = run("go", ["mod", "download", "-json", patch.module], work, env);
      const patchDir = /"Dir":\s*"([^"]+)"/.exec(fetched.output)?.[1];
      if (!fetched.ok || !patchDir) return { ok: false, reason: refusal(fetched.output) };
      const copy = join(work, `patched-${index}`);
      cpSync(patchDir, copy, { recursive: true });
      spawnSync("chmod", ["-R", "u+w", copy]);
      const file = join(copy, patch.file);
      const text = readFileSync(file, "utf8");
      if (!text.includes(patch.find))
        return { ok: false, reason: `patch for ${patch.module} ${patch.file} no longer applies` };
      writeFileSync(file, text.replace(patch.find, patch.replace));
      const edit = run("go", ["mod", "edit", `-replace=${patch.module.split("@")[0]}=${copy}`], src, env);
      if (!edit.ok) return { ok: false, reason: refusal(edit.output) };
    }
    const tidy = run("go", ["mod", "download"], src, env);
    if (!tidy.ok) return { ok: false, reason: refusal(tidy.output) };
    const ldflags = ["-s", "-w", ...(options.ldflags ?? [])].join(" ");
    const build = run("go", ["build", "-trimpath", `-ldflags=${ldflags}`, "-o", output, pkg], src, env);
    seconds += tidy.seconds + build.seconds;
    peakMiB = Math.max(peakMiB, tidy.peakMiB, build.peakMiB);
    if (!build.ok)
      return { ok: false, reason: `build failed: ${build.output.split("\n").slice(-5).join(" ").slice(0, 400)}` };
    chmodSync(output, 0o755);
    return { ok: true, path: output, seconds, peakMiB };
  } finally {
    spawnSync("chmod", ["-R", "u+w", work]);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Points every `replace` into the module's own tree (absent from its download) at the nested module's published
 * `version`; one the proxy does not serve at that version becomes an empty module (a go.mod alone), so a build
 * that imports a package from it fails instead of compiling something else in. Returns the empty ones, or why not.
 */
function replaceNestedModules(src: string, work: string, version: string, env: NodeJS.ProcessEnv): string[] | string {
  const edit = run("go", ["mod", "edit", "-json"], src, env);
  if (!edit.ok) return refusal(edit.output);
  const replaces: { Old: { Path: string }; New: { Path: string; Version?: string } }[] =
    JSON.parse(edit.output).Replace ?? [];
  const empty: string[] = [];
  for (const { Old } of replaces.filter((r) => !r.New.Version && r.New.Path.startsWith("./"))) {
    // Asked outside the module, whose own replace would answer instead of the proxy.
    const served = run("go", ["list", "-m", `${Old.Path}@${version}`], work, env).ok;
    let target = `${Old.Path}@${version}`;
    if (!served) {
      target = join(work, "empty-modules", Old.Path);
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, "go.mod"), `module ${Old.Path}\n`);
      empty.push(Old.Path);
    }
    const replace = run("go", ["mod", "edit", `-replace=${Old.Path}=${target}`], src, env);
    if (!replace.ok) return refusal(replace.output);
  }
  return empty;
}

function installGoTool(name: string, tool: GoTool): BuildRecord {
  const onPath = tool.localModule ? undefined : versionOnPath(name, tool.version);
  if (onPath) return { name, version: tool.version, status: "on-path", path: onPath };
  const output = goBinaryPath(name);
  if (existsSync(output)) return { name, version: tool.version, status: "cached", path: output };
  mkdirSync(join(output, ".."), { recursive: true });
  if (tool.localModule) {
    const env = { GOTOOLCHAIN: "local", ...(tool.noSumDb ? { GONOSUMDB: tool.noSumDb.join(",") } : {}) };
    // The committed go.sum pins every dependency: -mod=readonly refuses to change it.
    const build = run(
      "go",
      ["build", "-mod=readonly", "-trimpath", "-o", output, tool.package],
      join(__dirname, "..", "..", tool.localModule),
      env,
    );
    return build.ok
      ? { name, version: tool.version, status: "built", path: output, seconds: build.seconds, peakMiB: build.peakMiB }
      : { name, version: tool.version, status: "unavailable", reason: refusal(build.output) };
  }
  const result = buildGoModule(name, tool.module!, tool.moduleVersion!, tool.package, output, tool);
  return { name, version: tool.version, status: result.ok ? "built" : "unavailable", ...result };
}

function installProvider(name: string, tool: ProviderTool): BuildRecord {
  const output = providerBinaryPath(tool);
  if (existsSync(output)) return { name, version: tool.version, status: "cached", path: output };
  if (!tool.moduleVersion && !tool.commit) {
    return { name, version: tool.version, status: "unavailable", reason: "no module version or commit is pinned" };
  }
  mkdirSync(join(output, ".."), { recursive: true });
  const result = buildGoModule(name, tool.module, tool.moduleVersion ?? tool.commit!, ".", output, {});
  return { name, version: tool.version, status: result.ok ? "built" : "unavailable", ...result };
}

mkdirSync(cache, { recursive: true });
const records: Record<string, BuildRecord> = {};
for (const [name, tool] of Object.entries(VERSIONS.go)) {
  if (!selected(name)) continue;
  records[name] = installGoTool(name, tool);
  report(records[name]);
}
for (const [name, tool] of Object.entries(VERSIONS.terraformProviders)) {
  const key = `terraform-provider-${name}`;
  if (!selected(key)) continue;
  records[key] = installProvider(key, tool);
  report(records[key]);
}
// Merged with what other runs recorded meanwhile (runs for different tools may overlap).
const recorded: Record<string, BuildRecord> = existsSync(statusPath())
  ? JSON.parse(readFileSync(statusPath(), "utf8"))
  : {};
writeFileSync(statusPath(), `${JSON.stringify({ ...recorded, ...records }, null, 2)}\n`);

function report(record: BuildRecord): void {
  const measured =
    record.seconds !== undefined ? ` in ${record.seconds.toFixed(0)} s, peak ${record.peakMiB?.toFixed(0)} MiB` : "";
  const where = record.path ? ` (${record.path})` : "";
  console.log(
    `${record.name} ${record.version}: ${record.status}${measured}${where}${record.reason ? `: ${record.reason}` : ""}`,
  );
}
