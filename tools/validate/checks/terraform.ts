/**
 * `terraform validate` on every synthesized stack, against the real provider schemas: the provider binaries
 * at the versions the stacks pin, installed from filesystem mirrors only (never a registry). This is what
 * `cdktf deploy` would refuse before planning: unknown or misspelt arguments, missing required ones, blocks
 * where attributes belong, wrong types, invalid references.
 *
 * Mirrors, in order of preference: the user's own (`~/.terraform.d/plugins`, Terraform's implied local mirror,
 * and `$ARGO_PROVIDER_MIRROR`), then the toolchain cache (`npm run toolchain`). Each provider is taken from the
 * first mirror that holds its pinned version.
 *
 * A provider that is in no mirror is not a reason to skip the stack: the stack is reduced to the resources,
 * data sources and provider blocks whose provider is here, every reference to a removed block becomes a
 * variable of type `any` (so whatever the reference's shape, the remaining blocks' own schemas are checked in
 * full), and each missing provider is reported as not run, naming the blocks it left unchecked and why.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { providerMirror, unavailableReason, VERSIONS } from "../../toolchain/paths";
import { runProgram, systemTool, type Located } from "../programs";
import type { SynthesizedStack, TerraformJson } from "../stacks";
import type { Check, Finding } from "../types";

export interface Mirror {
  readonly path: string;
  /** How a person would name it in a report. */
  readonly label: string;
}

/** The mirrors that exist here, most preferred first. */
export function providerMirrors(): Mirror[] {
  const candidates: Mirror[] = [
    { path: join(homedir(), ".terraform.d", "plugins"), label: "~/.terraform.d/plugins" },
    ...(process.env.ARGO_PROVIDER_MIRROR
      ? [{ path: process.env.ARGO_PROVIDER_MIRROR, label: "$ARGO_PROVIDER_MIRROR" }]
      : []),
    { path: providerMirror(), label: "the toolchain cache (npm run toolchain)" },
  ];
  return candidates.filter((m) => existsSync(m.path) && statSync(m.path).isDirectory());
}

/** `hostname/namespace/type`, as Terraform reads a `source` ("nomad" means registry.terraform.io/hashicorp/nomad). */
export function qualifiedSource(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return parts.join("/");
}

/** `hashicorp/nomad` for the public registry's providers, the full address otherwise. */
const shortSource = (source: string) => source.replace(/^registry\.terraform\.io\//, "");

const PLATFORM = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;

/** Whether a mirror holds this provider (unpacked or packed layout) at a version that can satisfy `version`. */
function mirrorHolds(mirror: string, source: string, version: string): boolean {
  const dir = join(mirror, ...source.split("/"));
  if (!existsSync(dir)) return false;
  const type = source.split("/")[2];
  const exact = /^=?\s*v?(\d+\.\d+\.\d+(?:[-+][\w.]+)?)$/.exec(version.trim())?.[1];
  const unpacked = (v: string) => {
    const platformDir = join(dir, v, PLATFORM);
    return existsSync(platformDir) && readdirSync(platformDir).some((f) => f.startsWith(`terraform-provider-${type}`));
  };
  const packed = (v: string) => existsSync(join(dir, `terraform-provider-${type}_${v}_${PLATFORM}.zip`));
  if (exact) return unpacked(exact) || packed(exact);
  // A range: any version here may satisfy it; terraform init judges (and fails if none does).
  return readdirSync(dir).some((entry) => unpacked(entry) || /^terraform-provider-.*\.zip$/.test(entry));
}

interface RequiredProvider {
  readonly localName: string;
  readonly source: string;
  readonly version: string;
  /** The mirror it is installed from, if any holds it. */
  readonly mirror?: Mirror;
}

const BUILTIN_TYPES = new Set(["terraform_data", "terraform_remote_state"]);

/** The local provider name a resource or data source belongs to (its `provider` argument, else its type's prefix). */
export function providerLocalName(type: string, body: Record<string, unknown>, localNames: readonly string[]): string {
  if (typeof body.provider === "string") return body.provider.replace(/^\$\{|\}$/g, "").split(".")[0];
  if (BUILTIN_TYPES.has(type)) return "terraform";
  const longest = [...localNames]
    .sort((a, b) => b.length - a.length)
    .find((n) => type === n || type.startsWith(`${n}_`));
  return longest ?? type.split("_")[0];
}

/** Why `source` could not be had here: what `npm run toolchain` recorded, in a sentence. */
export function whyMissing(source: string, version: string, mirrors: readonly Mirror[] = providerMirrors()): string {
  const searched = mirrors.length ? mirrors.map((m) => `${m.label} (${m.path})`).join(", ") : "no mirror exists";
  const pinned = Object.entries(VERSIONS.terraformProviders).find(([, p]) => qualifiedSource(p.source) === source);
  let why: string;
  if (!pinned) why = "it is not pinned in tools/toolchain/versions.json";
  else {
    const [name, tool] = pinned;
    const recorded = unavailableReason(`terraform-provider-${name}`);
    if (!tool.moduleVersion && !tool.commit)
      why = `no source for ${tool.module} v${tool.version} can be obtained (its repository is too large to fetch and no module version is served), so npm run toolchain cannot build it`;
    else if (/403|not available/i.test(recorded))
      why = `the module proxy refuses ${tool.module}@${tool.moduleVersion ?? tool.commit} (403: this module version is not available), so npm run toolchain cannot build it`;
    else why = `npm run toolchain has not installed it: ${recorded}`;
  }
  return `${shortSource(source)} ${version} is in no provider mirror (searched: ${searched}): ${why}`;
}

/** Every `${...}` (and `%{...}`) in a Terraform JSON string, rewritten by `rewrite`; literal `$${` left alone. */
export function mapInterpolations(text: string, rewrite: (expression: string) => string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      out += text.slice(i, i + 3);
      i += 3;
      continue;
    }
    if (text.startsWith("${", i) || text.startsWith("%{", i)) {
      const start = i + 2;
      let depth = 1;
      let j = start;
      let quoted = false;
      for (; j < text.length && depth > 0; j++) {
        const c = text[j];
        if (quoted) {
          if (c === "\\") j++;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === "{") depth++;
        else if (c === "}") depth--;
      }
      const closed = depth === 0;
      out += text.slice(i, start) + rewrite(text.slice(start, closed ? j - 1 : j)) + (closed ? "}" : "");
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface Reduced {
  readonly config: TerraformJson;
  /** Unchecked block addresses, by the missing provider's local name. */
  readonly removed: ReadonlyMap<string, readonly string[]>;
}

/**
 * The configuration without the blocks of the `missing` providers (by local name); references to them become
 * `var.<name>` of type `any`, `depends_on` and `replace_triggered_by` entries naming them are dropped.
 */
export function reduceConfig(config: TerraformJson, missing: ReadonlySet<string>): Reduced {
  const localNames = Object.keys(config.terraform?.required_providers ?? {});
  const removed = new Map<string, string[]>();
  const variables = new Map<string, string>(); // address -> variable name
  const out: Record<string, any> = JSON.parse(JSON.stringify(config));
  for (const kind of ["resource", "data"] as const) {
    for (const [type, blocks] of Object.entries(out[kind] ?? {}) as [
      string,
      Record<string, Record<string, unknown>>,
    ][]) {
      for (const [name, body] of Object.entries(blocks)) {
        const local = providerLocalName(type, body, localNames);
        if (!missing.has(local)) continue;
        const address = kind === "data" ? `data.${type}.${name}` : `${type}.${name}`;
        removed.set(local, [...(removed.get(local) ?? []), address]);
        variables.set(address, `unchecked_${address.replace(/\./g, "__").replace(/[^\w-]/g, "_")}`);
        delete blocks[name];
      }
      if (!Object.keys(blocks).length) delete out[kind][type];
    }
    if (out[kind] && !Object.keys(out[kind]).length) delete out[kind];
  }
  for (const local of missing) {
    if (out.provider) delete out.provider[local];
    if (out.terraform?.required_providers) delete out.terraform.required_providers[local];
  }
  if (out.provider && !Object.keys(out.provider).length) delete out.provider;
  if (!variables.size) return { config: out, removed };

  // Longest first, and whole addresses only: `aws_vpc.a` must not rewrite `aws_vpc.ab` or `data.aws_vpc.a`.
  const patterns = [...variables]
    .sort(([a], [b]) => b.length - a.length)
    .map(([address, variable]) => ({
      pattern: new RegExp(`(?<![\\w.-])${escapeRegExp(address)}(?![\\w-])`, "g"),
      replacement: `var.${variable}`,
    }));
  const rewrite = (expression: string) => patterns.reduce((e, p) => e.replace(p.pattern, p.replacement), expression);
  const namesRemoved = (entry: unknown) =>
    typeof entry === "string" &&
    patterns.some((p) => new RegExp(p.pattern.source).test(entry.replace(/^\$\{|\}$/g, "")));
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === "string") return mapInterpolations(value, rewrite);
    if (Array.isArray(value)) {
      const kept =
        key === "depends_on" || key === "replace_triggered_by" ? value.filter((e) => !namesRemoved(e)) : value;
      return kept.map((v) => walk(v));
    }
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "//" ? v : walk(v, k)]));
    return value;
  };
  const reduced = walk(out) as Record<string, any>;
  reduced.variable = { ...(reduced.variable ?? {}) };
  for (const [address, variable] of variables) {
    reduced.variable[variable] = {
      type: "any",
      description: `Stands for ${address}, whose provider is in no mirror here (not checked).`,
    };
  }
  return { config: reduced, removed };
}

interface Span {
  readonly address: string;
  readonly from: number;
  readonly to: number;
}

/** JSON.stringify(value, null, 2), with the lines each block occupies, so a diagnostic's line names its block. */
export function serializeWithSpans(config: unknown): { text: string; spans: Span[] } {
  const parts: string[] = [];
  const spans: Span[] = [];
  let line = 1;
  const put = (s: string) => {
    parts.push(s);
    for (const c of s) if (c === "\n") line++;
  };
  const addressOf = (path: readonly string[]): string | undefined => {
    const [block, a, b] = path;
    if (path.length === 3 && block === "resource") return `${a}.${b}`;
    if (path.length === 3 && block === "data") return `data.${a}.${b}`;
    if (path.length === 2 && block === "provider") return `provider.${a}`;
    if (path.length === 2 && block === "output") return `output.${a}`;
    if (path.length === 2 && block === "variable") return `var.${a}`;
    if (path.length === 2 && block === "locals") return `local.${a}`;
    if (path.length === 1 && block === "terraform") return "terraform";
    return undefined;
  };
  const write = (value: unknown, indent: string, path: string[]) => {
    const from = line;
    if (Array.isArray(value) && value.length) {
      put("[\n");
      value.forEach((v, i) => {
        put(`${indent}  `);
        write(v, `${indent}  `, [...path, String(i)]);
        put(i < value.length - 1 ? ",\n" : "\n");
      });
      put(`${indent}]`);
    } else if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length) {
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      put("{\n");
      entries.forEach(([k, v], i) => {
        put(`${indent}  ${JSON.stringify(k)}: `);
        write(v, `${indent}  `, [...path, k]);
        put(i < entries.length - 1 ? ",\n" : "\n");
      });
      put(`${indent}}`);
    } else put(JSON.stringify(value));
    const address = addressOf(path);
    if (address) spans.push({ address, from, to: line });
  };
  write(config, "", []);
  put("\n");
  return { text: parts.join(""), spans };
}

function blockAt(spans: readonly Span[], line: number | undefined): string | undefined {
  if (line === undefined) return undefined;
  const containing = spans.filter((s) => s.from <= line && line <= s.to);
  return containing.sort((a, b) => a.to - a.from - (b.to - b.from))[0]?.address;
}

interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly range?: { filename: string; start: { line: number } };
}

/**
 * Warnings that do not fail a stack, each with why. Every other warning fails: a deprecated argument is removed
 * in the provider's next major version, and a warning about our configuration is a bug in a generator.
 */
export const HARMLESS_WARNINGS: readonly { readonly summary: RegExp; readonly reason: string }[] = [];

/**
 * What the stacks read from the deployer's environment at deploy time (FROM_DEPLOYER_ENVIRONMENT), where a
 * provider's schema depends on it: the nomad provider's `address` is required unless NOMAD_ADDR is set (its
 * default comes from the variable, and the schema calls it optional only when that default exists). A
 * placeholder stands for the deployer's value; validate contacts nothing.
 */
export const DEPLOYER_ENVIRONMENT: Readonly<Record<string, string>> = {
  NOMAD_ADDR: "https://nomad.invalid:4646",
};

export interface StackValidation {
  readonly findings: Finding[];
  readonly seconds: { readonly init: number; readonly validate: number };
}

function cliConfig(required: readonly RequiredProvider[], pluginCache: string): string {
  const byMirror = new Map<string, string[]>();
  for (const p of required)
    if (p.mirror) byMirror.set(p.mirror.path, [...(byMirror.get(p.mirror.path) ?? []), p.source]);
  const blocks = [...byMirror].map(
    ([path, sources]) =>
      `  filesystem_mirror {\n    path    = ${JSON.stringify(path)}\n    include = ${JSON.stringify(sources)}\n  }\n`,
  );
  // No direct block: a provider in no mirror must never be fetched from a registry.
  return `plugin_cache_dir = ${JSON.stringify(pluginCache)}\n\nprovider_installation {\n${blocks.join("")}  direct {\n    exclude = ["*/*/*"]\n  }\n}\n`;
}

/**
 * The check's core: one stack, `terraform init -backend=false` then `terraform validate -json`, everything
 * (configuration, CLI config, data directory, plugin cache) under `workDir`.
 */
export function validateStack(
  terraform: string,
  stack: SynthesizedStack,
  workDir: string,
  mirrors: readonly Mirror[] = providerMirrors(),
): StackValidation {
  const declared = stack.config.terraform?.required_providers ?? {};
  const required: RequiredProvider[] = Object.entries(declared).map(([localName, p]) => {
    const source = qualifiedSource(p.source ?? localName);
    const version = p.version ?? "";
    return { localName, source, version, mirror: mirrors.find((m) => mirrorHolds(m.path, source, version)) };
  });
  // Blocks of a provider missing from required_providers (an implied hashicorp/<prefix>) count as missing too.
  const localNames = Object.keys(declared);
  const implied = new Set<string>();
  for (const kind of ["resource", "data"] as const)
    for (const [type, blocks] of Object.entries(stack.config[kind] ?? {}))
      for (const body of Object.values(blocks)) {
        const local = providerLocalName(type, body, localNames);
        if (local !== "terraform" && !declared[local]) implied.add(local);
      }
  const missing = new Set([...required.filter((p) => !p.mirror).map((p) => p.localName), ...implied]);
  const { config, removed } = reduceConfig(stack.config, missing);

  const findings: Finding[] = [];
  for (const local of missing) {
    const p = required.find((r) => r.localName === local);
    const unchecked = removed.get(local) ?? [];
    const what = unchecked.length ? `not checked: ${unchecked.join(", ")}` : "no block uses it";
    const why = p
      ? whyMissing(p.source, p.version, mirrors)
      : `${local} is used without a required_providers entry (implied hashicorp/${local}), and is not checked`;
    const plus = (stack.config.provider as Record<string, unknown> | undefined)?.[local]
      ? ` (and its provider block)`
      : "";
    findings.push({
      artifact: `${stack.name} provider ${p ? `${shortSource(p.source)} ${p.version}` : local}`,
      outcome: "not-run",
      detail: `${what}${plus}. ${why}.`,
    });
  }

  const dir = mkdtempSync(join(workDir, `terraform-${stack.name}-`));
  const pluginCache = join(workDir, "terraform-plugin-cache");
  mkdirSync(pluginCache, { recursive: true });
  const { text, spans } = serializeWithSpans(config);
  writeFileSync(join(dir, "cdk.tf.json"), text);
  writeFileSync(join(dir, "cli.tfrc"), cliConfig(required, pluginCache));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: join(dir, "cli.tfrc"),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TF_DATA_DIR: join(dir, ".terraform"),
    TF_PLUGIN_CACHE_DIR: pluginCache,
    CHECKPOINT_DISABLE: "1",
    ...DEPLOYER_ENVIRONMENT,
  };
  for (const name of Object.keys(env)) if (name.startsWith("TF_CLI_ARGS")) delete env[name];

  const t0 = Date.now();
  const init = runProgram(terraform, ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env });
  const t1 = Date.now();
  if (init.status !== 0) {
    findings.push({
      artifact: stack.name,
      outcome: "failed",
      detail: `terraform init -backend=false failed:\n${init.output}`,
    });
    return { findings, seconds: { init: (t1 - t0) / 1000, validate: 0 } };
  }
  const validate = runProgram(terraform, ["validate", "-json", "-no-color"], { cwd: dir, env });
  const t2 = Date.now();
  const seconds = { init: (t1 - t0) / 1000, validate: (t2 - t1) / 1000 };
  let diagnostics: Diagnostic[];
  try {
    diagnostics = JSON.parse(validate.stdout).diagnostics ?? [];
  } catch {
    findings.push({
      artifact: stack.name,
      outcome: "failed",
      detail: `terraform validate -json gave no JSON (exit ${validate.status}):\n${validate.output}`,
    });
    return { findings, seconds };
  }
  const harmless: string[] = [];
  for (const d of diagnostics) {
    const address = blockAt(spans, d.range?.start.line);
    const excuse = d.severity === "warning" ? HARMLESS_WARNINGS.find((w) => w.summary.test(d.summary)) : undefined;
    if (excuse) {
      harmless.push(`${address ?? "(stack)"}: ${d.summary} (${excuse.reason})`);
      continue;
    }
    const where = d.range ? ` (line ${d.range.start.line} of the checked configuration)` : "";
    findings.push({
      artifact: `${stack.name} ${address ?? "(stack)"}`,
      outcome: "failed",
      detail: `${d.severity}: ${d.summary}${d.detail ? `: ${d.detail}` : ""}${where}`,
    });
  }
  if (validate.status !== 0 && !diagnostics.some((d) => d.severity === "error")) {
    findings.push({
      artifact: stack.name,
      outcome: "failed",
      detail: `terraform validate exited ${validate.status}:\n${validate.output}`,
    });
  }
  const counted = (kind: "resource" | "data") =>
    Object.values((config[kind] ?? {}) as Record<string, object>).reduce((n, b) => n + Object.keys(b).length, 0);
  // A stack reduced to no resource at all was not checked in any way that counts: its not-run findings say so.
  const checkedAnything = !missing.size || counted("resource") + counted("data") > 0;
  if (checkedAnything && !findings.some((f) => f.outcome === "failed")) {
    const checked = required
      .filter((p) => p.mirror)
      .map((p) => `${shortSource(p.source)} ${p.version} from ${p.mirror!.label}`);
    findings.push({
      artifact: stack.name,
      outcome: "ok",
      detail:
        `${counted("resource")} resources and ${counted("data")} data sources valid against ${checked.join(", ") || "no provider"}` +
        `${missing.size ? " (reduced: see the not-run findings)" : ""}; init ${seconds.init.toFixed(1)} s, validate ${seconds.validate.toFixed(1)} s` +
        `${harmless.length ? `; harmless warnings: ${harmless.join("; ")}` : ""}`,
    });
  }
  return { findings, seconds };
}

let located: Located | undefined;
let version: string | undefined;
/** terraform from PATH (HashiCorp's release, at least versions.json's minimum). */
function terraformTool(): Located {
  if (located) return located;
  const found = systemTool("terraform", "terraform");
  located = found.found
    ? found
    : { found: false, reason: `terraform (>= ${VERSIONS.terraform.minimum}, HashiCorp's release) is not on PATH` };
  return located;
}
function terraformVersion(): string {
  if (version !== undefined) return version;
  const tool = terraformTool();
  if (!tool.found) return (version = "");
  const out = runProgram(tool.path, ["version", "-json"], { env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  try {
    return (version = JSON.parse(out.stdout).terraform_version ?? "");
  } catch {
    return (version = "");
  }
}

export const TERRAFORM_VALIDATE: Check = {
  get name() {
    const v = terraformVersion();
    return `terraform ${v ? `${v} ` : ""}validate (real providers)`;
  },
  run(stacks, workDir) {
    const tool = terraformTool();
    if (!tool.found) return stacks.map((s) => ({ artifact: s.name, outcome: "not-run", detail: tool.reason }));
    const mirrors = providerMirrors();
    return stacks.flatMap((stack) => validateStack(tool.path, stack, workDir, mirrors).findings);
  },
};
