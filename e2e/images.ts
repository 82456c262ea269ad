import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { imageRef, type Application } from "../constructs/model";
import { run } from "./shell";

/**
 * The stand-in images, built from this machine's files because no registry is reachable: one root filesystem
 * (Debian's static busybox, bash with its libraries, the scripts in e2e/stand-ins/rootfs) tagged as every model
 * image, each with the entrypoint its real counterpart runs. The ingress stand-in adds Node.js (the host's
 * binary and libraries) for the Traefik stand-in; the Docker API proxy's is Debian's HAProxy with its libraries
 * on the same root filesystem. Written as `docker save` archives, loaded with `docker load`.
 */

const STAND_INS = path.join(__dirname, "stand-ins", "rootfs");
const BUSYBOX = "/bin/busybox";
const PATH_ENV = "PATH=/usr/local/bin:/usr/bin:/bin";

export interface StandInImage {
  readonly ref: string;
  readonly entrypoint: readonly string[];
  readonly env: readonly string[];
}

/** Every model service's stand-in under its model image name; `extra` adds more (a broken release). */
export function standInImages(app: Application, extra: readonly StandInImage[] = []): StandInImage[] {
  return [
    ...app.services.map((s) => ({
      ref: imageRef(s),
      // Where the model states the image's own command, the stand-in has a program at that path.
      entrypoint: s.command ?? ["/stand-in/run"],
      env: [PATH_ENV, `STAND_IN_SERVICE=${s.name}`, `STAND_IN_IMAGE=${imageRef(s)}`],
    })),
    ...extra,
  ];
}

export const standIn = (ref: string, service: string, entrypoint: readonly string[]): StandInImage => ({
  ref,
  entrypoint,
  env: [PATH_ENV, `STAND_IN_SERVICE=${service}`, `STAND_IN_IMAGE=${ref}`],
});

/** Copies a dynamically linked program and the libraries it loads into a root filesystem. */
function copyProgram(program: string, root: string, target = program): void {
  fs.mkdirSync(path.dirname(path.join(root, target)), { recursive: true });
  fs.copyFileSync(program, path.join(root, target));
  fs.chmodSync(path.join(root, target), 0o755);
  const libraries = run("ldd", [program]).match(/\/\S+/g) ?? [];
  for (const library of libraries) {
    const destination = path.join(root, library);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    if (!fs.existsSync(destination)) fs.copyFileSync(fs.realpathSync(library), destination);
  }
}

function baseRootfs(root: string): void {
  for (const dir of [
    "bin",
    "etc",
    "tmp",
    "var/tmp",
    "usr/local/bin",
    "var/lib/postgresql/data",
    "prometheus",
    "var/lib/grafana",
    "loki",
  ]) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(root, "bin/busybox"));
  fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
  // Not sh (bash is /bin/sh: busybox's shell would run its own wget applet, not the health-check client) and
  // not wget (busybox's crashes on this kind of host).
  for (const applet of run(BUSYBOX, ["--list"]).split("\n").filter(Boolean)) {
    if (!["busybox", "sh", "wget", "bash"].includes(applet)) fs.symlinkSync("busybox", path.join(root, "bin", applet));
  }
  copyProgram("/bin/bash", root);
  fs.symlinkSync("bash", path.join(root, "bin/sh"));
  fs.writeFileSync(
    path.join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  run("cp", ["-a", `${STAND_INS}/.`, root]);
}

interface Layer {
  readonly dir: string;
  readonly diffId: string;
}

function layer(work: string, name: string, fill: (root: string) => void): Layer {
  const root = path.join(work, `${name}-root`);
  fs.mkdirSync(root, { recursive: true });
  fill(root);
  const tar = path.join(work, `${name}.tar`);
  run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tar, "."]);
  const diffId = createHash("sha256").update(fs.readFileSync(tar)).digest("hex");
  fs.mkdirSync(path.join(work, "archive", diffId), { recursive: true });
  fs.renameSync(tar, path.join(work, "archive", diffId, "layer.tar"));
  fs.rmSync(root, { recursive: true, force: true });
  return { dir: diffId, diffId };
}

/** A `docker save`-format archive of images sharing layers. */
function archive(work: string, out: string, images: readonly StandInImage[], layers: readonly Layer[]): void {
  const dir = path.join(work, "archive");
  const manifest = images.map((image) => {
    const config = JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2024-01-01T00:00:00Z",
      config: { Entrypoint: image.entrypoint, Env: image.env, WorkingDir: "/" },
      rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${l.diffId}`) },
      history: layers.map(() => ({ created: "2024-01-01T00:00:00Z", created_by: "argo-infra e2e stand-in" })),
    });
    const name = `${createHash("sha256").update(config).digest("hex")}.json`;
    fs.writeFileSync(path.join(dir, name), config);
    return { Config: name, RepoTags: [image.ref], Layers: layers.map((l) => `${l.dir}/layer.tar`) };
  });
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  run("tar", ["-C", dir, "-cf", out, "."]);
  for (const file of fs.readdirSync(dir)) if (file.endsWith(".json")) fs.rmSync(path.join(dir, file));
}

export interface StandInArchives {
  /** Every model service's stand-in (and the broken release): loaded into every engine. */
  readonly services: string;
  /** The Docker API proxy's stand-in (Debian's HAProxy, the real program), when asked for: loaded into every engine. */
  readonly proxy?: string;
  /** The ingress stand-in: loaded into the managers, where the ingress runs. */
  readonly ingress: string;
  readonly dir: string;
}

/** Builds both archives in a new directory under `parent` (the caller removes it). */
export function buildStandInArchives(
  parent: string,
  services: readonly StandInImage[],
  ingress: StandInImage,
  proxy?: StandInImage,
): StandInArchives {
  const work = fs.mkdtempSync(path.join(parent, "images-"));
  const servicesArchive = path.join(work, "services.tar");
  const ingressArchive = path.join(work, "ingress.tar");
  const base = layer(work, "base", baseRootfs);
  archive(work, servicesArchive, services, [base]);
  // Before the ingress' layer (Node.js), which its archive would carry too: where the official image has it.
  let proxyArchive: string | undefined;
  if (proxy) {
    proxyArchive = path.join(work, "proxy.tar");
    const haproxy = layer(work, "haproxy", (root) => copyProgram(HAPROXY, root, "/usr/local/sbin/haproxy"));
    archive(work, proxyArchive, [proxy], [base, haproxy]);
  }
  const node = layer(work, "node", (root) => copyProgram(process.execPath, root, "/usr/local/bin/node"));
  archive(work, ingressArchive, [ingress], [base, node]);
  fs.rmSync(path.join(work, "archive"), { recursive: true, force: true });
  return { services: servicesArchive, ingress: ingressArchive, proxy: proxyArchive, dir: work };
}

/** Debian's HAProxy, which `npm run validate` also checks the proxy's configuration with. */
const HAPROXY = "/usr/sbin/haproxy";

/**
 * The Docker API proxy's stand-in alone (Debian's HAProxy on the base root filesystem), as the official image
 * for a Nomad task: its entrypoint runs the task's command, as the official image's docker-entrypoint.sh does.
 * Returns the `docker save` archive, in a new directory under `parent` (the caller removes it).
 */
export function buildHaproxyStandInArchive(parent: string, ref: string): string {
  const work = fs.mkdtempSync(path.join(parent, "haproxy-image-"));
  const out = path.join(work, "haproxy.tar");
  const base = layer(work, "base", baseRootfs);
  const haproxy = layer(work, "haproxy", (root) => copyProgram(HAPROXY, root, "/usr/local/sbin/haproxy"));
  archive(
    work,
    out,
    [
      {
        ref,
        entrypoint: ["/bin/bash", "-c", 'exec "$@"', "docker-entrypoint"],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/bin", `STAND_IN_IMAGE=${ref}`],
      },
    ],
    [base, haproxy],
  );
  fs.rmSync(path.join(work, "archive"), { recursive: true, force: true });
  return out;
}

/** The Docker API proxy's stand-in: the real HAProxy; the service's own command starts it. */
export const proxyStandIn = (ref: string): StandInImage => ({
  ref,
  entrypoint: ["/usr/local/sbin/haproxy", "-v"],
  env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/bin", `STAND_IN_IMAGE=${ref}`],
});
