/** Where the pinned real programs live once installed (see install.ts), shared by the validators and tests. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface GoTool {
  /** The tool's version; for a local module, "local" (the cache key is then a hash of its sources). */
  readonly version: string;
  /** A module from the module proxy ... */
  readonly module?: string;
  readonly moduleVersion?: string;
  /** ... or one of this repository's own (a directory with go.mod and go.sum). */
  readonly localModule?: string;
  readonly package: string;
  readonly replace?: Record<string, string>;
  /**
   * Source edits to a dependency (module@version), applied to a copy that replaces it: for a nested module
   * whose exact version the module proxy does not serve. Each says why.
   */
  readonly patches?: readonly {
    readonly module: string;
    readonly file: string;
    readonly find: string;
    readonly replace: string;
    readonly reason: string;
  }[];
  /** Modules the checksum database does not know here (their hashes land in go.sum instead). */
  readonly noSumDb?: readonly string[];
  /** Needs cgo (Nomad's Docker driver links runc's user-namespace code). */
  readonly cgo?: boolean;
  /**
   * The version the module publishes its nested modules at (Kubernetes' staging modules: k8s.io/api v0.31.N
   * for k8s.io/kubernetes v1.31.N). Every `replace` into the module's own tree, which the download lacks, is
   * pointed at that version; one the proxy does not serve becomes an empty module, which fails the build if
   * anything imports it.
   */
  readonly nestedModulesVersion?: string;
  /** More -ldflags, e.g. the version the binary reports (Kubernetes reads it from -X, not from its module). */
  readonly ldflags?: readonly string[];
}

export interface ProviderTool {
  readonly source: string;
  readonly version: string;
  readonly module: string;
  readonly moduleVersion?: string;
  readonly commit?: string;
}

export interface Versions {
  readonly terraform: { readonly minimum: string };
  readonly go: Record<string, GoTool>;
  readonly terraformProviders: Record<string, ProviderTool>;
  readonly python: Record<string, string>;
}

export const VERSIONS: Versions = JSON.parse(readFileSync(join(__dirname, "versions.json"), "utf8"));

/** Outside the repository, so clean checkouts and later CI runs on the same machine reuse the builds. */
export function toolchainCache(): string {
  return process.env.ARGO_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "argo-infra");
}

export function goBinaryPath(name: string): string {
  const tool = VERSIONS.go[name];
  const version = tool.localModule ? `local-${localModuleHash(tool.localModule)}` : tool.version;
  return join(toolchainCache(), "bin", `${name}-${version}`, name);
}

/** A local module's builds are keyed by its sources, so an edited validator is rebuilt. */
function localModuleHash(dir: string): string {
  const root = join(__dirname, "..", "..", dir);
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${path.slice(root.length)}\0`).update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest("hex").slice(0, 12);
}

/** Terraform's filesystem-mirror layout, so `terraform init` finds providers without a registry. */
export function providerMirror(): string {
  return join(toolchainCache(), "terraform-providers");
}

export function providerBinaryPath(tool: ProviderTool): string {
  const [namespace, type] = tool.source.split("/");
  return join(
    providerMirror(),
    "registry.terraform.io",
    namespace,
    type,
    tool.version,
    "linux_amd64",
    `terraform-provider-${type}_v${tool.version}`,
  );
}

export function statusPath(): string {
  return join(toolchainCache(), "toolchain-status.json");
}

/** The installed binary of a Go tool, or undefined (with install.ts' recorded reason in `unavailableReason`). */
export function goTool(name: string): string | undefined {
  const status = installStatus()[name];
  if (status?.path && existsSync(status.path) && !VERSIONS.go[name].localModule) return status.path;
  const cached = goBinaryPath(name);
  return existsSync(cached) ? cached : undefined;
}

export function unavailableReason(name: string): string {
  return installStatus()[name]?.reason ?? "not installed (run tools/toolchain/install.ts)";
}

function installStatus(): Record<string, { path?: string; reason?: string }> {
  return existsSync(statusPath()) ? JSON.parse(readFileSync(statusPath(), "utf8")) : {};
}
