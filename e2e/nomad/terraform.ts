/**
 * Terraform on this machine, from filesystem mirrors only: a CLI configuration whose provider_installation
 * names the mirror that holds each pinned provider and forbids every registry (no `direct` source at all).
 */
import * as fs from "fs";
import * as path from "path";
import { providerMirrors, qualifiedSource } from "../../tools/validate/checks/terraform";

export interface ProviderNeed {
  readonly source: string;
  readonly version: string;
}

export type Mirrored =
  { readonly ok: true; readonly mirrors: Map<string, string> } | { readonly ok: false; readonly reason: string };

const PLATFORM = "linux_amd64";

/** The mirror holding each provider at exactly its pinned version, or which are missing. */
export function findProviders(needs: readonly ProviderNeed[]): Mirrored {
  const mirrors = providerMirrors();
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const need of needs) {
    const source = qualifiedSource(need.source);
    const type = source.split("/")[2];
    const mirror = mirrors.find((m) => {
      const dir = path.join(m.path, ...source.split("/"), need.version, PLATFORM);
      return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith(`terraform-provider-${type}`));
    });
    if (mirror) found.set(source, mirror.path);
    else missing.push(`${need.source} ${need.version}`);
  }
  if (missing.length === 0) return { ok: true, mirrors: found };
  const searched =
    mirrors.map((m) => `${m.label} (${m.path})`).join(", ") || "no provider mirror exists on this machine";
  return {
    ok: false,
    reason: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} in no provider mirror (searched: ${searched})`,
  };
}

/** Environment for terraform: our CLI configuration (written into `dir`), no prompts, no plugin cache. */
export function terraformEnv(
  dir: string,
  mirrors: Map<string, string>,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const byMirror = new Map<string, string[]>();
  for (const [source, mirror] of mirrors) byMirror.set(mirror, [...(byMirror.get(mirror) ?? []), source]);
  const blocks = [...byMirror].map(
    ([p, sources]) =>
      `  filesystem_mirror {\n    path    = ${JSON.stringify(p)}\n    include = ${JSON.stringify(sources)}\n  }\n`,
  );
  fs.writeFileSync(path.join(dir, "cli.tfrc"), `provider_installation {\n${blocks.join("")}}\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: path.join(dir, "cli.tfrc"),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    ...extra,
  };
  for (const name of Object.keys(env))
    if (name.startsWith("TF_CLI_ARGS") || name === "TF_PLUGIN_CACHE_DIR") delete env[name];
  return env;
}
