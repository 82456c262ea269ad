/**
 * The values Terraform puts into the lab stack's cloud-init at deploy time: the lab PKI (tls_* resources) and
 * the gossip keys and preset token IDs (random_*). Preferred: `terraform apply` of exactly those resources of the
 * synthesized lab stack with the real tls and random providers from a filesystem mirror (local state in a
 * temporary directory). The lab stack also needs bpg/proxmox, which no mirror here holds and which
 * `terraform init` would refuse, so the applied configuration is the lab stack reduced to its tls_* and random_*
 * resources (what `-target` on each of them would apply). Without those providers (a fresh machine), the same
 * resources are made with openssl and node's crypto: a P-384 CA and P-256 keys, certificates with the subject
 * and SANs each tls_cert_request of the lab stack asks for, random UUIDs and 32-byte keys.
 */
import { spawnSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { renderTerraformTemplate } from "../../tools/validate/terraform-render";
import { mapInterpolations } from "../../tools/validate/checks/terraform";
import type { TerraformJson } from "../../tools/validate/stacks";
import { run } from "../shell";
import { findProviders, terraformEnv } from "./terraform";

export interface LabValues {
  /** `type.name.attribute` → value. */
  readonly values: ReadonlyMap<string, string>;
  /** How they were made, for the report. */
  readonly source: string;
}

const OURS = /^(tls_|random_)/;
const REFERENCE = /\b((?:tls|random)_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\b/g;

function reduced(config: TerraformJson): TerraformJson {
  const required = config.terraform?.required_providers ?? {};
  return {
    terraform: {
      required_providers: Object.fromEntries(
        Object.entries(required).filter(([name]) => name === "tls" || name === "random"),
      ),
    },
    provider: { tls: [{}], random: [{}] },
    resource: Object.fromEntries(Object.entries(config.resource ?? {}).filter(([type]) => OURS.test(type))),
  };
}

export function labValues(
  config: TerraformJson,
  work: string,
  options: { readonly forceFallback?: boolean } = {},
): LabValues {
  const required = config.terraform?.required_providers ?? {};
  const needs = ["tls", "random"].map((n) => ({ source: required[n].source, version: required[n].version }));
  const providers = findProviders(needs);
  const terraform = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
  if (providers.ok && terraform && !options.forceFallback) {
    const dir = fs.mkdtempSync(path.join(work, "lab-values-"));
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(reduced(config), null, 1));
    const env = terraformEnv(dir, providers.mirrors);
    const targets = Object.entries(reduced(config).resource!).flatMap(([type, blocks]) =>
      Object.keys(blocks).map((name) => `-target=${type}.${name}`),
    );
    run(terraform, ["init", "-input=false", "-no-color"], { cwd: dir, env });
    run(
      terraform,
      [
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-state",
        path.join(dir, "terraform.tfstate"),
        ...targets,
      ],
      { cwd: dir, env },
    );
    const state = JSON.parse(
      run(terraform, ["show", "-json", "-no-color", path.join(dir, "terraform.tfstate")], { cwd: dir, env }),
    );
    const values = new Map<string, string>();
    for (const resource of state.values?.root_module?.resources ?? []) {
      for (const [attribute, value] of Object.entries(resource.values ?? {}))
        if (typeof value === "string") values.set(`${resource.type}.${resource.name}.${attribute}`, value);
    }
    const versions = needs.map((n) => `${n.source} ${n.version}`).join(", ");
    return {
      values,
      source: `terraform apply of the lab stack's ${targets.length} tls_*/random_* resources with ${versions} from ${[...new Set(providers.mirrors.values())].join(", ")}`,
    };
  }
  const why = options.forceFallback
    ? "ARGO_NOMAD_E2E_VALUES=openssl"
    : !terraform
      ? "terraform is not on PATH"
      : (providers as { reason: string }).reason;
  return {
    values: opensslValues(config, work),
    source: `openssl and node's crypto (no terraform apply: ${why}), with the subjects and SANs of the lab stack's tls_cert_request resources`,
  };
}

/** The fallback: every tls_* and random_* value the user-data refers to, made locally. */
function opensslValues(config: TerraformJson, work: string): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(work, "pki-"));
  const resources = (type: string) => Object.entries((config.resource?.[type] ?? {}) as Record<string, any>);
  const ref = (text: string) => /\$\{([a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/.exec(text)!;
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  const values = new Map<string, string>();
  for (const [name, body] of resources("tls_private_key")) {
    const curve = body.ecdsa_curve === "P384" ? "secp384r1" : "prime256v1";
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-out", `${name}.key`);
    values.set(`tls_private_key.${name}.private_key_pem`, fs.readFileSync(path.join(dir, `${name}.key`), "utf8"));
  }
  const keyFile = (reference: string) => `${ref(reference)[2]}.key`;
  const subject = (s: any) => `/O=${s.organization}/CN=${s.common_name}`;
  const cas = new Map<string, string>();
  for (const [name, body] of resources("tls_self_signed_cert")) {
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile(body.private_key_pem),
      "-out",
      `${name}.pem`,
      "-days",
      "30",
      "-subj",
      subject(body.subject[0]),
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    );
    values.set(`tls_self_signed_cert.${name}.cert_pem`, fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"));
    cas.set(name, keyFile(body.private_key_pem));
  }
  const requests = new Map(resources("tls_cert_request"));
  for (const [name, body] of resources("tls_locally_signed_cert")) {
    const request = requests.get(ref(body.cert_request_pem)[2])!;
    const ca = ref(body.ca_cert_pem)[2];
    openssl(
      "req",
      "-new",
      "-key",
      keyFile(request.private_key_pem),
      "-out",
      `${name}.csr`,
      "-subj",
      subject(request.subject[0]),
    );
    const sans = [
      ...(request.dns_names ?? []).map((d: string) => `DNS:${d}`),
      ...(request.ip_addresses ?? []).map((a: string) => `IP:${a}`),
    ];
    fs.writeFileSync(
      path.join(dir, `${name}.ext`),
      `subjectAltName=${sans.join(",")}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      cas.get(ca)!,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "30",
      "-extfile",
      `${name}.ext`,
    );
    values.set(`tls_locally_signed_cert.${name}.cert_pem`, fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"));
  }
  for (const [name] of resources("random_uuid")) values.set(`random_uuid.${name}.result`, randomUUID());
  for (const [name, body] of resources("random_id"))
    values.set(`random_id.${name}.b64_std`, randomBytes(body.byte_length).toString("base64"));
  fs.rmSync(dir, { recursive: true, force: true });
  return values;
}

/** A Terraform string of the stack (user-data), rendered with the real values; `var.*` get representative ones. */
export function renderWithValues(
  text: string,
  values: ReadonlyMap<string, string>,
  variables: TerraformJson["variable"],
): string {
  const substituted = mapInterpolations(text, (expression) =>
    expression.replace(REFERENCE, (match) => {
      const value = values.get(match);
      if (value === undefined) throw new Error(`no value for ${match}`);
      return JSON.stringify(value);
    }),
  );
  return renderTerraformTemplate(substituted, { variables: variables as never });
}
