import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinnedTool } from "../../tools/validate/programs";
import { makeTestPki } from "../../tools/validate/test-pki";
import { jobsOf, synthNomad } from "../helpers";
import { nodeVolumeName } from "../../constructs/nomad/node-volumes";
import { LAB } from "../../environments";

/**
 * The real Fabio 1.6.3 started with exactly the environment the fabio job gives it (Nomad's interpolation
 * done, the token template rendered), its Consul CA where the job mounts it, against a stand-in Consul that
 * speaks only TLS on the port the job names, in a private network namespace. Fabio must reach it over TLS,
 * verify it with the CA, and present its ACL token.
 */
const MOCK_CONSUL = `
const https = require("node:https");
const fs = require("node:fs");
const [port, cert, key, log] = process.argv.slice(2);
const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  fs.appendFileSync(log, JSON.stringify({ tls: true, path: req.url, token: req.headers["x-consul-token"] ?? null }) + "\\n");
  res.setHeader("X-Consul-Index", "1");
  res.setHeader("Content-Type", "application/json");
  res.end(req.url.startsWith("/v1/status/leader") ? '"127.0.0.1:8300"' : req.url.startsWith("/v1/agent/self") ? '{"Config":{"Datacenter":"pve0"}}' : req.url.startsWith("/v1/kv") ? "[]" : "{}");
});
server.on("tlsClientError", () => fs.appendFileSync(log, JSON.stringify({ tls: false }) + "\\n"));
server.listen(Number(port), "127.0.0.1");
`;

interface Seen {
  readonly tls: boolean;
  readonly path?: string;
  readonly token?: string | null;
}

function runFabio(env: Record<string, string>, consulPort: number, caPath: string): { seen: Seen[]; output: string } {
  const fabio = pinnedTool("fabio");
  if (!fabio.found) throw new Error(`${fabio.reason}: run \`npm run toolchain\``);
  const dir = mkdtempSync(join(tmpdir(), "argo-fabio-"));
  try {
    const pki = makeTestPki(dir, ["127.0.0.1", "localhost"]);
    writeFileSync(join(dir, "server.pem"), pki.certPem);
    writeFileSync(join(dir, "server-key.pem"), pki.keyPem);
    writeFileSync(join(dir, "mock.js"), MOCK_CONSUL);
    writeFileSync(join(dir, "seen.log"), "");
    const root = join(dir, "root");
    for (const sub of ["bin", "proc", "tmp", join(caPath, "..").slice(1)])
      mkdirSync(join(root, sub), { recursive: true });
    copyFileSync(fabio.path, join(root, "bin", "fabio"));
    writeFileSync(join(root, caPath), pki.caPem);
    const exported = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const script = [
      "ip link set lo up",
      `"${process.execPath}" "${dir}/mock.js" ${consulPort} "${dir}/server.pem" "${dir}/server-key.pem" "${dir}/seen.log" & mock=$!`,
      "sleep 0.5",
      `mount -t proc proc "${root}/proc"`,
      // Fabio runs until stopped: stopped half a second after its first request to the mock (4 s at most).
      `chroot "${root}" /usr/bin/env -i ${exported.map((e) => `'${e.replace(/'/g, "'\\''")}'`).join(" ")} /bin/fabio 2>&1 & fabio=$!`,
      `i=0; while [ $i -lt 40 ] && [ ! -s "${dir}/seen.log" ]; do sleep 0.1; i=$((i + 1)); done`,
      "sleep 0.5",
      "kill $fabio; wait $fabio",
      "kill $mock",
    ].join("\n");
    mkdirSync(join(root, "usr", "bin"), { recursive: true });
    copyFileSync("/usr/bin/env", join(root, "usr", "bin", "env"));
    for (const library of spawnSync("ldd", ["/usr/bin/env"], { encoding: "utf8" }).stdout.matchAll(/(\/\S+) \(0x/g)) {
      mkdirSync(join(root, library[1], ".."), { recursive: true });
      copyFileSync(library[1], join(root, library[1]));
    }
    const child = spawnSync("unshare", ["--map-root-user", "--net", "--mount", "--pid", "--fork", "sh", "-c", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    const seen = readFileSync(join(dir, "seen.log"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Seen);
    return { seen, output: `${child.stdout}${child.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("fabio job: the real Fabio reaches Consul as the job configures it", () => {
  const synth = synthNomad();
  const group = jobsOf(synth).get("fabio")!.TaskGroups[0];
  const task = group.Tasks[0];
  // Where Nomad mounts the client's Consul CA into the task: the volume_mount of the host volume of that file.
  const caVolume = Object.values(group.Volumes ?? {}).find(
    (v) => v.Source === nodeVolumeName(LAB.nomad!.consul.caFile),
  );
  const caMount = { target: task.VolumeMounts!.find((m) => m.Volume === caVolume?.Name)!.Destination };
  // What Nomad does before the task starts: node attributes interpolated, the secret template rendered.
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(task.Env ?? {}).map(([k, v]) => [
      k,
      String(v).replace("${attr.unique.network.ip-address}", "127.0.0.1"),
    ]),
  );
  const tokenLines = task
    .Templates!.find((t) => t.Envvars)!
    .EmbeddedTmpl.split("\n")
    .filter((l) => l.includes("="));
  for (const line of tokenLines) env[line.split("=")[0]] = "fabio-read-token";
  const consulPort = Number(/:(\d+)$/.exec(env.FABIO_registry_consul_addr)![1]);

  it("talks TLS to Consul's HTTPS port, trusting the CA it mounts, with its token", () => {
    const { seen, output } = runFabio(env, consulPort, caMount.target);
    expect({ plaintextAttempts: seen.filter((s) => !s.tls).length, output: seen.length ? "" : output }).toEqual({
      plaintextAttempts: 0,
      output: "",
    });
    const requests = seen.filter((s) => s.tls);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.token === "fabio-read-token")).toBe(true);
  });

  it("fails the same way Fabio did before (no https:// prefix): plain HTTP to the TLS port", () => {
    const broken = { ...env, FABIO_registry_consul_addr: env.FABIO_registry_consul_addr.replace(/^https:\/\//, "") };
    const { seen } = runFabio(broken, consulPort, caMount.target);
    expect(seen.filter((s) => s.tls)).toEqual([]);
    expect(seen.some((s) => !s.tls)).toBe(true);
  });
});
