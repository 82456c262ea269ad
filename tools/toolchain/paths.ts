/** Where the pinned real programs live once installed (see install.ts), shared by the validators and tests. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface GoTool {
  readonly version: string;
  readonly module: string;
  readonly moduleVersion: string;
  readonly package: string;
  readonly replace?: Record<string, string>;
  readonly noSumDb?: boolean;
  /** Needs cgo (Nomad's Docker driver links runc's user-namespace code). */
  readonly cgo?: boolean;
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
  return join(toolchainCache(), "bin", `${name}-${tool.version}`, name);
}

/** Terraform's filesystem-mirror layout, so `terraform init` finds providers without a registry. */
export function providerMirror(): string {
  return join(toolchainCache(), "terraform-providers");
}

export function providerBinaryPath(tool: ProviderTool): string {
  const [namespace, type] = tool.source.split("/");
  return join(providerMirror(), "registry.terraform.io", namespace, type, tool.version, "linux_amd64", `terraform-provider-${type}_v${tool.version}`);
}

export function statusPath(): string {
  return join(toolchainCache(), "toolchain-status.json");
}

/** The installed binary of a Go tool, or undefined (with install.ts' recorded reason in `unavailableReason`). */
export function goTool(name: string): string | undefined {
  const status = installStatus()[name];
  if (status?.path && existsSync(status.path)) return status.path;
  const cached = goBinaryPath(name);
  return existsSync(cached) ? cached : undefined;
}

export function unavailableReason(name: string): string {
  return installStatus()[name]?.reason ?? "not installed (run tools/toolchain/install.ts)";
}

function installStatus(): Record<string, { path?: string; reason?: string }> {
  return existsSync(statusPath()) ? JSON.parse(readFileSync(statusPath(), "utf8")) : {};
}
