/**
 * Issue 15, part 4: `cdktf deploy nomad-lab` for real, i.e. `terraform apply` of the synthesized nomad-lab stack
 * of the e2e environment against the running cluster, with the real nomad, consul and random providers from a
 * filesystem mirror and the environment variables a deployer sets (docs/nomad-lab.md, "Deploying nomad-lab"). Images: the
 * stand-ins of e2e/images.ts (every model image) and Fabio as the real fabio 1.6.3 binary (`npm run toolchain`),
 * loaded into each client's engine. Reports which jobs' deployments succeed and why the others fail.
 *
 * The pause container of bridge networking is a stand-in too (PAUSE_REF, the clients' infra_image).
 *
 * Connect sidecars run the stand-in of e2e/nomad/connect-proxy (Consul's built-in proxy; Envoy cannot be
 * obtained here): the e2e environment's `nomad.connectSidecar` names its image, built here with the pinned
 * consul binary and the lab's CA certificate (public; the agent's HTTPS API is verified with it).
 */
import * as fs from "fs";
import * as path from "path";
import { ARGO, selectApplication } from "../../constructs/model";
import { BROKEN_OT_APP_TAG } from "../environment";
import { goTool } from "../../tools/toolchain/paths";
import { pinnedTool } from "../../tools/validate/programs";
import type { TerraformJson } from "../../tools/validate/stacks";
import { buildHaproxyStandInArchive, buildStandInArchives, standIn, standInImages } from "../images";
import { DOCKER_API_PROXY_IMAGE } from "../../constructs/docker-api-proxy";
import { run } from "../shell";
import type { Tls } from "./api";
import { CONNECT_PROXY_CA, CONNECT_PROXY_REF, NOMAD_E2E, mapAddress } from "./environment";
import type { Host } from "./hosts";
import { findProviders, terraformEnv } from "./terraform";

export const FABIO_REF = "fabiolb/fabio:1.6.3";
/** The broken ot-app release (v1.2 crashes at start), as in the Swarm e2e. */
export const brokenOtAppRef = (): string =>
  `${ARGO.services.find((s) => s.name === "ot-app")!.image.repository}:${BROKEN_OT_APP_TAG}`;
/** The pause container Nomad starts for each bridge-mode allocation (the clients' infra_image, set by the harness). */
export const PAUSE_REF = "argo-e2e/pause:stand-in";

export interface DeployContext {
  readonly work: string;
  readonly stackDir: string;
  readonly clients: readonly Host[];
  readonly server: Host;
  readonly tls: Tls;
  readonly tokens: {
    readonly consulManagement: string;
    readonly nomadManagement: string;
    /** The lab's output consul_deploy_token (the preset secret its Consul ACL bootstrap created). */
    readonly consulDeploy: string;
  };
}

export type Prepared =
  | {
      readonly ok: true;
      readonly env: NodeJS.ProcessEnv;
      readonly terraform: string;
      readonly labOutputs: readonly string[];
    }
  | { readonly ok: false; readonly reason: string; readonly providersMissing?: boolean };

const docker = (host: Host, args: readonly string[]) => run("docker", ["-H", `unix://${host.dockerSocket}`, ...args]);

/** Images into every client's engine; providers, CLI configuration and the deployer's environment. */
export function prepareDeploy(ctx: DeployContext): Prepared {
  const config: TerraformJson = JSON.parse(fs.readFileSync(path.join(ctx.stackDir, "cdk.tf.json"), "utf8"));
  const required = config.terraform?.required_providers ?? {};
  const providers = findProviders(Object.values(required).map((p) => ({ source: p.source, version: p.version })));
  if (!providers.ok)
    return {
      ok: false,
      providersMissing: true,
      reason: `cannot deploy nomad-lab here: ${providers.reason} (a fresh machine has none of them: their modules are not served)`,
    };
  const terraform = run("sh", ["-c", "command -v terraform || true"]).trim();
  if (!terraform) return { ok: false, reason: "cannot deploy nomad-lab here: terraform is not on PATH" };
  const fabio = goTool("fabio");
  if (!fabio)
    return { ok: false, reason: "cannot deploy nomad-lab here: the fabio 1.6.3 build is missing (npm run toolchain)" };

  const app = selectApplication(NOMAD_E2E.application, NOMAD_E2E.selection);
  const archives = buildStandInArchives(
    ctx.work,
    standInImages(app, [
      standIn(PAUSE_REF, "pause", ["/bin/sleep", "infinity"]),
      standIn(brokenOtAppRef(), "ot-app", ["/stand-in/crash-at-start"]),
    ]),
    standIn("argo-e2e/unused:stand-in", "unused", ["/stand-in/run"]),
  );
  // Fabio: the real binary, as the official image runs it (entrypoint /usr/bin/fabio, configured by FABIO_* variables).
  const fabioRoot = path.join(ctx.work, "fabio-root");
  fs.mkdirSync(path.join(fabioRoot, "usr/bin"), { recursive: true });
  fs.mkdirSync(path.join(fabioRoot, "tmp"), { recursive: true });
  fs.copyFileSync(fabio, path.join(fabioRoot, "usr/bin/fabio"));
  fs.chmodSync(path.join(fabioRoot, "usr/bin/fabio"), 0o755);
  const fabioTar = path.join(ctx.work, "fabio.tar");
  run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", fabioRoot, "-cf", fabioTar, "."]);
  const connectProxyTar = connectProxyImage(ctx.work, ctx.tls.ca);
  // The Docker API readers' proxy tasks (nomad/docker-api-proxy.ts): Debian's HAProxy as the pinned image.
  const haproxyTar = buildHaproxyStandInArchive(ctx.work, DOCKER_API_PROXY_IMAGE);
  for (const host of ctx.clients) {
    docker(host, ["load", "-i", archives.services]);
    docker(host, ["load", "-i", haproxyTar]);
    docker(host, ["import", "--change", 'ENTRYPOINT ["/usr/bin/fabio"]', fabioTar, FABIO_REF]);
    docker(host, [
      "import",
      "--change",
      'ENTRYPOINT ["/usr/local/bin/connect-proxy"]',
      "--change",
      "ENV PATH=/usr/local/bin",
      connectProxyTar,
      CONNECT_PROXY_REF,
    ]);
  }

  // The lab stack's outputs the runbook reads with `terraform output` (no lab state exists here: its values).
  const outputs = path.join(ctx.work, "lab-outputs");
  fs.mkdirSync(outputs, { recursive: true, mode: 0o700 });
  const labOutputs: Record<string, string> = {
    ca_cert_pem: ctx.tls.ca,
    operator_cert_pem: ctx.tls.cert,
    operator_key_pem: ctx.tls.key,
    nomad_bootstrap_token: ctx.tokens.nomadManagement,
    consul_management_token: ctx.tokens.consulManagement,
    consul_deploy_token: ctx.tokens.consulDeploy,
  };
  for (const [name, value] of Object.entries(labOutputs))
    fs.writeFileSync(path.join(outputs, name), value, { mode: 0o600 });
  // Only the CLI configuration naming the mirrors: the runbook's own exports set everything else.
  const env = terraformEnv(ctx.work, providers.mirrors, { ARGO_E2E_LAB_OUTPUTS: outputs });
  for (const name of Object.keys(env)) if (/^(NOMAD|CONSUL)_/.test(name)) delete env[name];
  return { ok: true, env, terraform, labOutputs: Object.keys(labOutputs) };
}

/** The nomad-lab runbook, relative to the repository root, and the heading its deploy steps follow. */
export const RUNBOOK = "docs/nomad-lab.md";
export const RUNBOOK_DEPLOY_HEADING = "## Deploying nomad-lab";

/**
 * The runbook's nomad-lab deploy steps (its first sh block under RUNBOOK_DEPLOY_HEADING) as the e2e runs them,
 * with only what this machine forces changed, each change required to apply (a runbook edit that moves them
 * fails here, loudly):
 * - `lab() {...}` reads the lab stack's outputs from files (no lab state exists here, the e2e made its values);
 * - the lab's 192.168.10.X addresses become the bridge's (environment.ts' mapping);
 * - `npm ci` is skipped (this checkout is installed), and the deploy names the e2e environment's stack and
 *   approves by itself (`--auto-approve`: no terminal).
 * The environment the steps leave is written to `deployerEnv` (NUL-separated), for the later Terraform runs.
 */
export function runbookDeployScript(
  runbook: string,
  stackName: string,
  deployerEnv: string,
): { script: string; labOutputsRead: string[] } {
  const section = runbook.indexOf(RUNBOOK_DEPLOY_HEADING);
  if (section < 0) throw new Error(`${RUNBOOK} has no "${RUNBOOK_DEPLOY_HEADING}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(runbook.slice(section));
  if (!block) throw new Error(`${RUNBOOK}'s "${RUNBOOK_DEPLOY_HEADING}" has no sh block`);
  const applied = new Set<string>();
  const lines = block[1].split("\n").flatMap((line) => {
    if (/^lab\(\) \{.*\}\s*$/.test(line)) return (applied.add("lab"), ['lab() { cat "$ARGO_E2E_LAB_OUTPUTS/$1"; }']);
    if (/^npm ci\s*$/.test(line)) return (applied.add("npm ci"), []);
    const deploy = /^npx cdktf deploy nomad-lab(.*)$/.exec(line);
    if (deploy)
      return (applied.add("deploy"), [`npx cdktf deploy ${stackName}${deploy[1].replace(/\s+$/, "")} --auto-approve`]);
    return [line.replace(/192\.168\.10\.\d+/g, (a) => (applied.add("address"), mapAddress(a)))];
  });
  const missing = ["lab", "npm ci", "deploy", "address"].filter((c) => !applied.has(c));
  if (missing.length)
    throw new Error(
      `${RUNBOOK}'s deploy steps changed: no ${missing.join(", ")} line to adapt (e2e/nomad/deploy.ts runbookDeployScript)`,
    );
  const labOutputsRead = [...new Set([...block[1].matchAll(/(?:^|\$\(|;\s*)lab (\w+)/gm)].map((m) => m[1]))];
  return {
    script: `set -euo pipefail\n${lines.join("\n")}\nenv -0 > ${JSON.stringify(deployerEnv)}\n`,
    labOutputsRead,
  };
}

/** The sidecar stand-in's root filesystem: the launcher (built from e2e/nomad/connect-proxy), consul, the lab CA. */
function connectProxyImage(work: string, ca: string): string {
  const root = path.join(work, "connect-proxy-root");
  const bin = path.join(root, "usr/local/bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(path.join(root, "tmp"), { recursive: true, mode: 0o1777 });
  run("go", ["build", "-trimpath", "-o", path.join(bin, "connect-proxy"), "."], {
    cwd: path.join(__dirname, "connect-proxy"),
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  const consul = pinnedTool("consul");
  if (!consul.found) throw new Error(consul.reason);
  fs.copyFileSync(consul.path, path.join(bin, "consul"));
  fs.chmodSync(path.join(bin, "consul"), 0o755);
  fs.mkdirSync(path.dirname(path.join(root, CONNECT_PROXY_CA)), { recursive: true });
  fs.writeFileSync(path.join(root, CONNECT_PROXY_CA), ca);
  const tar = path.join(work, "connect-proxy.tar");
  run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tar, "."]);
  return tar;
}
