/**
 * The Raspberry Pis' configuration files as the lab stack hands them to its file provisioners (rendered), and the
 * Nomad servers' JWKS relay as cloud-init writes it, judged by the programs that run them: `haproxy -c` and
 * `dnsmasq --test`. HAProxy loads the certificates and CA the configuration names, so those paths point to a
 * throw-away certificate made with openssl; Terraform's certificates would be issued at deploy time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { AGENT_PATHS } from "../../../constructs/lab/agent-config";
import { HAPROXY_CERT_PATH } from "../../../constructs/lab/haproxy";
import { WORKLOAD_IDENTITY_PATHS } from "../../../constructs/lab/workload-identity";
import { LAB_VERSIONS } from "../../../constructs/lab/versions";
import { runProgram, systemTool, type Located } from "../programs";
import { resourcesOf, type SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";
import { cloudConfigsOf, renderOptionsOf } from "./shell-scripts";
import { renderTerraformTemplate } from "../terraform-render";

export interface PiFile {
  readonly artifact: string;
  /** Where the Pi's script installs it. */
  readonly path: string;
  readonly content: string;
}

type Provisioner = { file?: { content: string; destination: string }; "remote-exec"?: { inline: string[] } };

/** Every file a `terraform_data` step copies to a host and installs (`install ... <staged> <final>`). */
export function piFilesOf(stack: SynthesizedStack): PiFile[] {
  return resourcesOf(stack, "terraform_data").flatMap((step) => {
    const provisioners = (step.body.provisioner ?? []) as Provisioner[];
    const script = provisioners.flatMap((p) => p["remote-exec"]?.inline ?? []).join("\n");
    const installed = new Map([...script.matchAll(/\binstall\b.* (\S+) (\/\S+)$/gm)].map((m) => [m[1], m[2]]));
    return provisioners.flatMap((p) => {
      if (!p.file) return [];
      const path = installed.get(p.file.destination) ?? p.file.destination;
      return [
        {
          artifact: `${stack.name} ${step.address} ${path}`,
          path,
          content: renderTerraformTemplate(p.file.content, renderOptionsOf(stack)),
        },
      ];
    });
  });
}

/** The Nomad servers' JWKS relay configuration, as each server's cloud-init writes it. */
export function relayConfigsOf(stack: SynthesizedStack): PiFile[] {
  return cloudConfigsOf(stack).flatMap((file) =>
    ((parseYaml(file.text)?.write_files ?? []) as { path: string; content: string }[])
      .filter((f) => f.path === WORKLOAD_IDENTITY_PATHS.relayConfig)
      .map((f) => ({ artifact: `${file.artifact} ${f.path}`, path: f.path, content: f.content })),
  );
}

/** Certificate, key and CA files the configurations name: each one is the throw-away certificate. */
const CERTIFICATE_PATHS = [HAPROXY_CERT_PATH, WORKLOAD_IDENTITY_PATHS.relayCertificate, AGENT_PATHS.nomadTls.ca];

export function dnsmasqTest(dnsmasq: string, files: readonly PiFile[], workDir: string): Finding[] {
  const dir = mkdtempSync(join(workDir, "dnsmasq-"));
  return files.map((file, i) => {
    const conf = join(dir, `${i}.conf`);
    writeFileSync(conf, file.content);
    const result = runProgram(dnsmasq, ["--test", `--conf-file=${conf}`]);
    return result.status === 0
      ? { artifact: file.artifact, outcome: "ok" }
      : { artifact: file.artifact, outcome: "failed", detail: result.output };
  });
}

export function haproxyCheck(haproxy: string, openssl: string, files: readonly PiFile[], workDir: string): Finding[] {
  const dir = mkdtempSync(join(workDir, "haproxy-"));
  const cert = join(dir, "argo.pem");
  const made = runProgram(openssl, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    "/CN=validate",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-days",
    "1",
  ]);
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.output}`);
  writeFileSync(cert, readFileSync(join(dir, "cert.pem"), "utf8") + readFileSync(join(dir, "key.pem"), "utf8"));
  return files.map((file, i) => {
    const cfg = join(dir, `${i}.cfg`);
    writeFileSync(
      cfg,
      CERTIFICATE_PATHS.reduce((text, p) => text.split(p).join(cert), file.content),
    );
    const result = runProgram(haproxy, ["-c", "-f", cfg]);
    const valid = result.status === 0 && /Configuration file is valid/.test(result.output);
    return valid
      ? { artifact: file.artifact, outcome: "ok" }
      : { artifact: file.artifact, outcome: "failed", detail: result.output };
  });
}

/** `<program> <version>` as the program reports it (`HAProxy version 2.6.12-1`, `Dnsmasq version 2.90`). */
function versionOf(tool: Located): string {
  return tool.found ? (/version (\d[\w.]*)/.exec(runProgram(tool.path, ["-v"]).output)?.[1] ?? "") : "";
}

const located = new Map<string, Located>();
const find = (name: string, debianPackage: string) =>
  located.get(name) ?? located.set(name, systemTool(name, debianPackage)).get(name)!;
const names = new Map<string, string>();
const named = (key: string, make: () => string) => names.get(key) ?? names.set(key, make()).get(key)!;

const filesMatching = (stacks: readonly SynthesizedStack[], matches: (path: string) => boolean) =>
  stacks.flatMap(piFilesOf).filter((f) => matches(f.path));
const notRun = (files: readonly PiFile[], tools: readonly Located[]): Finding[] | undefined => {
  const missing = tools.flatMap((t) => (t.found ? [] : [t.reason]));
  return missing.length
    ? files.map((f) => ({ artifact: f.artifact, outcome: "not-run", detail: missing.join("; ") }))
    : undefined;
};

export const HAPROXY_CONFIG: Check = {
  get name() {
    return named("haproxy", () =>
      `haproxy ${versionOf(find("haproxy", "haproxy"))} -c (the edge Pi runs ${LAB_VERSIONS.piHaproxy}, the Nomad servers' relay ${LAB_VERSIONS.vmHaproxy})`.replace(
        "  ",
        " ",
      ),
    );
  },
  run(stacks, workDir) {
    const files = [...filesMatching(stacks, (p) => p.endsWith("/haproxy.cfg")), ...stacks.flatMap(relayConfigsOf)];
    const haproxy = find("haproxy", "haproxy");
    const openssl = find("openssl", "openssl");
    if (!haproxy.found || !openssl.found) return notRun(files, [haproxy, openssl])!;
    return haproxyCheck(haproxy.path, openssl.path, files, workDir);
  },
};

export const DNSMASQ_CONFIG: Check = {
  get name() {
    return named("dnsmasq", () =>
      `dnsmasq ${versionOf(find("dnsmasq", "dnsmasq-base"))} --test (the DNS Pi runs ${LAB_VERSIONS.piDnsmasq})`.replace(
        "  ",
        " ",
      ),
    );
  },
  run(stacks, workDir) {
    const files = filesMatching(stacks, (p) => p.startsWith("/etc/dnsmasq.d/"));
    const dnsmasq = find("dnsmasq", "dnsmasq-base");
    if (!dnsmasq.found) return notRun(files, [dnsmasq])!;
    return dnsmasqTest(dnsmasq.path, files, workDir);
  },
};
