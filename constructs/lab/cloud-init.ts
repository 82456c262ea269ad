import { Document } from "yaml";

/**
 * The subset of cloud-init's `#cloud-config` that the lab uses, typed so that user-data is built from
 * objects and serialized once (never assembled from strings).
 */
export interface CloudConfig {
  readonly hostname: string;
  readonly fqdn: string;
  readonly manage_etc_hosts: boolean;
  readonly users: readonly CloudUser[];
  readonly disable_root: boolean;
  readonly ssh_pwauth: boolean;
  readonly package_update: boolean;
  readonly package_upgrade: boolean;
  readonly apt?: { readonly sources: Readonly<Record<string, { readonly source: string; readonly keyid: string }>> };
  /** Package names, or [name, exact version] pairs. */
  readonly packages: readonly (string | readonly [string, string])[];
  readonly write_files: readonly WriteFile[];
  /** Each command an argv list, run once on first boot after packages and deferred files. */
  readonly runcmd: readonly (readonly string[])[];
}

export interface CloudUser {
  readonly name: string;
  readonly gecos: string;
  readonly groups: readonly string[];
  readonly shell: string;
  readonly sudo: string;
  readonly lock_passwd: boolean;
}

export interface WriteFile {
  readonly path: string;
  /** Text, or base64 when `encoding` is `b64` (used for values Terraform fills in, such as keys). */
  readonly content: string;
  readonly encoding?: "b64";
  readonly permissions: string;
  readonly owner: string;
  /** Written after packages are installed, so that owners created by packages exist. */
  readonly defer?: boolean;
}

/** cdktf token placeholders, which resolve to Terraform references at synth. */
const TOKEN = /\$\{TfToken\[[^\]]+\]\}/g;

/**
 * Fails when literal text would be read by Terraform as a template (`${` or `%{`): user-data is a Terraform
 * string, and only our own references may be interpolated in it.
 */
export function assertNoTemplateSyntax(text: string, what: string): void {
  const literal = text.replace(TOKEN, "");
  const match = /[$%]\{/.exec(literal);
  if (match) {
    const at = literal.slice(Math.max(0, match.index - 30), match.index + 30);
    throw new Error(
      `${what} contains "${match[0]}" outside a Terraform reference (near "${at}"); write $VAR instead of \${VAR}`,
    );
  }
}

export function renderCloudConfig(config: CloudConfig): string {
  const body = new Document(config).toString({ lineWidth: 0 });
  const text = `#cloud-config\n${body}`;
  assertNoTemplateSyntax(text, `cloud-config of ${config.hostname}`);
  return text;
}
