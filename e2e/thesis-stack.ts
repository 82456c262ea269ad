/**
 * The thesis' own Swarm deployment: the stack file its author published (swarm/argo-stack.yml of the thesis'
 * repository), which the comparison deploys next to ours. The file is not part of this repository; the run
 * reads it from ARGO_E2E_THESIS_STACK_FILE (default ~/.cache/argo-infra/thesis/argo-stack.yml) and checks
 * that it is that file, byte for byte. Only what a stand-in image or this machine forces is changed, each
 * change listed in what `adaptThesisStack` returns.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** The published file (the thesis repository's commit 2bc85301bc15, 28 April 2025). */
export const THESIS_STACK_SHA256 = "fa519596a05a462cf026d1e7811b9f75b071c3f1cc066b2a2cef4351f93d2eb4";
export const THESIS_STACK_ORIGIN = "swarm/argo-stack.yml of the thesis' repository, commit 2bc85301bc15";
/** The thesis' stack name (its listings show argo-stack_<service>). */
export const THESIS_NAMESPACE = "argo-stack";
/** Where the thesis mounted its GlusterFS volume on every node. */
const THESIS_STORAGE = "/mnt/argo-storage";

export const thesisStackPath = (): string =>
  process.env.ARGO_E2E_THESIS_STACK_FILE ?? path.join(os.homedir(), ".cache", "argo-infra", "thesis", "argo-stack.yml");

export type ThesisStackFile =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** The published file, or why it cannot be used. */
export function readThesisStack(file = thesisStackPath()): ThesisStackFile {
  if (!fs.existsSync(file))
    return {
      ok: false,
      reason: `the thesis' stack file (${THESIS_STACK_ORIGIN}) is not on this machine: put it at ${file} or name it in ARGO_E2E_THESIS_STACK_FILE`,
    };
  const text = fs.readFileSync(file, "utf8");
  const sha = createHash("sha256").update(text).digest("hex");
  if (sha !== THESIS_STACK_SHA256)
    return {
      ok: false,
      reason: `${file} is not ${THESIS_STACK_ORIGIN}: its SHA-256 is ${sha}, expected ${THESIS_STACK_SHA256}`,
    };
  return { ok: true, text };
}

export interface ThesisStack {
  readonly doc: any;
  /** Every change made to the published file, and why. */
  readonly changes: readonly string[];
}

export interface Adaptation {
  /** The stand-in image for each of the file's services (by its key there). */
  readonly images: Readonly<Record<string, string>>;
  /** A directory every engine sees, in place of the thesis' GlusterFS mount. */
  readonly storageDir: string;
}

/**
 * The published file with what this machine and the stand-ins force; everything else (replicas, placement,
 * restart, update and rollback policies, networks and subnets, the missing health checks) as published.
 */
export function adaptThesisStack(text: string, adaptation: Adaptation): ThesisStack {
  const doc = parseYaml(text);
  const changes: string[] = [];
  const problems: string[] = [];
  const keys = Object.keys(doc.services ?? {});

  if (doc.version === undefined) {
    doc.version = "3.9";
    changes.push(
      "version \"3.9\" added: Debian's docker 20.10 CLI reads a file without one as Compose 1.0 and refuses it (the thesis' newer CLI defaulted it)",
    );
  }
  const swapped: string[] = [];
  for (const key of keys) {
    const image = adaptation.images[key];
    if (!image)
      problems.push(`services.${key}: no stand-in image given (known: ${Object.keys(adaptation.images).join(", ")})`);
    else {
      swapped.push(`${key} ${doc.services[key].image} → ${image}`);
      doc.services[key].image = image;
    }
  }
  if (problems.length) throw new Error(`the thesis' stack file cannot be adapted:\n  ${problems.join("\n  ")}`);
  changes.push(`images: the stand-ins (no registry is reachable): ${swapped.join(", ")}`);

  const published: string[] = [];
  for (const key of keys) {
    const service = doc.services[key];
    service.deploy = { ...service.deploy, endpoint_mode: "dnsrr" };
    if (!service.ports) continue;
    service.ports = service.ports.map((p: string) => {
      const [hostPort, containerPort] = String(p).split(":").map(Number);
      published.push(`${key} ${hostPort}`);
      return { target: containerPort, published: hostPort, protocol: "tcp", mode: "host" };
    });
  }
  changes.push(
    "endpoint_mode dnsrr on every service: this kernel has no IPVS, so a service's virtual IP forwards nothing and the clients (the APIs at start) could not reach postgres or memcached",
  );
  changes.push(
    `published ports in host mode (dnsrr services cannot publish through the routing mesh, which needs IPVS too): ${published.join(", ")}`,
  );

  for (const [name, network] of Object.entries<any>(doc.networks ?? {})) {
    if (network.driver_opts?.encrypted === undefined) continue;
    delete network.driver_opts.encrypted;
    if (Object.keys(network.driver_opts).length === 0) delete network.driver_opts;
    changes.push(
      `network ${name} not encrypted: this kernel cannot install IPsec SAs, and traffic between engines on an encrypted overlay is dropped`,
    );
  }

  const moved: string[] = [];
  for (const key of keys) {
    const service = doc.services[key];
    service.volumes = (service.volumes ?? []).map((v: string) => {
      if (!v.startsWith(`${THESIS_STORAGE}/`)) return v;
      moved.push(`${key} ${v.split(":")[0]}`);
      return `${adaptation.storageDir}${v.slice(THESIS_STORAGE.length)}`;
    });
    if (service.volumes.length === 0) delete service.volumes;
  }
  changes.push(
    `${THESIS_STORAGE} (the thesis' GlusterFS volume, mounted on every node) is ${adaptation.storageDir}, one directory every engine sees: ${moved.join(", ")}; the harness writes the prometheus.yml the thesis kept there (not published)`,
  );

  // Two of the file's own mistakes stop a service from ever running; kept, nothing would converge to compare.
  const otApp = doc.services["ot-app"];
  if (otApp?.environment?.QUERY_HOST !== undefined) {
    otApp.environment = {
      API_HOST: otApp.environment.QUERY_HOST,
      API_PORT: otApp.environment.QUERY_PORT,
    };
    changes.push(
      "ot-app: QUERY_HOST/QUERY_PORT renamed API_HOST/API_PORT, the names its code reads (a fix, not forced by this machine: without it the real ot-app exits within a second of every start, as its stand-in does at once)",
    );
  }
  const grafana = doc.services.grafana;
  if (grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD_FILE !== undefined) {
    grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE = grafana.environment.GF_SECURITY_ADMIN_PASSWORD_FILE;
    delete grafana.environment.GF_SECURITY_ADMIN_PASSWORD_FILE;
    changes.push(
      "grafana: GF_SECURITY_ADMIN_PASSWORD_FILE renamed GF_SECURITY_ADMIN_PASSWORD__FILE, the name Grafana reads (a fix: real Grafana ignores the thesis' name and starts with admin/admin; the stand-in refuses to start without its password)",
    );
  }
  return { doc, changes };
}

/** The secret the file names as external, which its operator creates before deploying. */
export const externalSecrets = (doc: any): string[] =>
  Object.entries<any>(doc.secrets ?? {})
    .filter(([, s]) => s.external)
    .map(([name]) => name);

/** The host directories the file bind-mounts from the storage directory: created before the deploy. */
export function bindSources(doc: any, storageDir: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  for (const service of Object.values<any>(doc.services))
    for (const v of service.volumes ?? []) {
      const source = String(v).split(":")[0];
      if (!source.startsWith(`${storageDir}/`)) continue;
      (path.extname(source) ? files : dirs).push(source);
    }
  return { dirs, files };
}
