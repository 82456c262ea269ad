/**
 * `npm run test:e2e:nomad`: the lab's Nomad + Consul cluster running on this machine with the configuration the
 * lab stack renders (issue 15). Synthesizes the lab stack of the e2e environment (e2e/nomad/environment.ts),
 * gets the values Terraform would put into it (e2e/nomad/lab-values.ts), takes every server's and client's
 * /etc/consul.d and /etc/nomad.d files from its cloud-init user-data, starts the real agents (Consul 1.19.2,
 * Nomad 1.8.4, a Docker engine per client) in namespaces (e2e/nomad/hosts.ts), runs the lab's ACL bootstrap
 * scripts as rendered, checks the cluster, prints every measured time and removes everything it made, also on
 * failure or interruption.
 *
 * What differs from a lab VM, each forced by this machine (and named where it is done):
 * - agents run as root (no consul user exists here; cloud-init's owners consul:consul become root);
 * - consul and nomad are the pinned builds of `npm run toolchain`, linked at /usr/local/bin (the packages put
 *   them at /usr/bin); the units' command lines are the packages' (`consul agent -config-dir=/etc/consul.d/`,
 *   `nomad agent -config /etc/nomad.d`);
 * - the CNI plugins are Debian's containernetworking-plugins 1.1.1 copied to /opt/cni/bin (the rendered command
 *   downloads v1.5.1, and nothing can be downloaded here); Docker is Debian's docker.io 20.10 (vfs storage,
 *   --dns 127.0.0.1, offline images) instead of docker-ce 27.3.1;
 * - each Nomad client gets one more file, /etc/nomad.d/zz-e2e-forced.json: its own cgroup_parent, since both
 *   clients share this machine's cgroup hierarchy (on a VM each has its own), the CPU its lab VM would have
 *   (cpu_total_compute: vCPUs × cpuMhzPerCore; here two clients share 2 cores), and a local stand-in as the docker
 *   driver's infra_image (the pause container of bridge networking), since its default cannot be pulled;
 * - the ufw rules are not applied (the harness' bridge is private; FORWARD drops anything leaving it, and each
 *   host drops whatever it would send off the bridge); /etc/resolv.conf names 127.0.0.1 (no lab DNS here);
 * - systemd is not here: the harness starts the units' commands itself, in the order the units order them.
 */
import { spawn } from "child_process";
import { promises as dns } from "dns";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { TerraformJson } from "../../tools/validate/stacks";
import { pinnedTool } from "../../tools/validate/programs";
import { run, sleep, waitFor } from "../shell";
import { accepts, plainRequest, request, type Answer, type RequestOptions, type Tls } from "./api";
import { BRIDGE, NOMAD_E2E } from "./environment";
import { CGROUP_PREFIX, Hosts, writeIntoHost, type Host } from "./hosts";
import { PAUSE_REF, prepareDeploy, RUNBOOK, runbookDeployScript } from "./deploy";
import { deployedChecks } from "./deployed";
import { deployTokenChecks } from "./deploy-token";
import { BOOTSTRAP_PATHS, DEPLOY_POLICY, NOMAD_DEPLOY_TOKEN_KEY } from "../../constructs/lab/acl-bootstrap";
import { AGENT_PATHS } from "../../constructs/lab/agent-config";
import {
  AUTH_METHOD,
  consulTaskPolicyName,
  TASKS_POLICY,
  WORKLOAD_IDENTITY_PATHS,
} from "../../constructs/lab/workload-identity";
import { dataOwnerUidOf, selectApplication } from "../../constructs/model";
import { consulTokenFileTemplate } from "../../constructs/nomad/service-job";
import { DOCKER_API_PROXY_IMAGE } from "../../constructs/docker-api-proxy";
import { DOCKER_API_PROXY_TASK, NOMAD_DOCKER_API_SOCKET } from "../../constructs/nomad/docker-api-proxy";
import { nodeVolumeMounts, nodeVolumesOf } from "../../constructs/nomad/node-volumes";
import { renderTerraformTemplate } from "../../tools/validate/terraform-render";
import { buildHaproxyStandInArchive } from "../images";
import { reviewChecks } from "./review";
import { findProviders } from "./terraform";
import { labValues, renderWithValues } from "./lab-values";
import { AssertionFailed, assert, check, measured, results, summarize } from "../report";

const ROOT = path.resolve(__dirname, "..", "..");
const started = Date.now();
const LAB_STACK = NOMAD_E2E.lab!.stackName!;
const NOMAD_LAB_STACK = NOMAD_E2E.nomad!.stackName!;
const CONSUL_HTTPS = NOMAD_E2E.nomad!.consul.httpsPort;
const NOMAD_HTTP = 4646;
const CNI_SOURCE = "/usr/lib/cni";
/** The node paths the e2e environment's jobs read: each client offers them read-only (nomad/node-volumes.ts). */
const APPLICATION = selectApplication(NOMAD_E2E.application, NOMAD_E2E.selection);
const NODE_VOLUMES = nodeVolumesOf(APPLICATION, NOMAD_E2E.nomad!);
const MOUNT_PROBE_REF = "argo-e2e/mount-probe:stand-in";

/** A one-task job of the probe image in the e2e region, with the group's and the task's own fields. */
function probeJobOf(
  id: string,
  type: "batch" | "service",
  group: Record<string, unknown>,
  task: Record<string, unknown>,
) {
  return {
    ID: id,
    Name: id,
    Type: type,
    Region: NOMAD_E2E.nomad!.region,
    Datacenters: [NOMAD_E2E.nomad!.datacenter],
    TaskGroups: [
      {
        Name: "probe",
        Count: 1,
        ...group,
        Tasks: [
          {
            Name: "probe",
            Driver: "docker",
            Config: { image: MOUNT_PROBE_REF },
            Resources: { CPU: 50, MemoryMB: 32 },
            ...task,
          },
        ],
      },
    ],
  };
}
const nomadVms = NOMAD_E2E.lab!.vms.filter((vm) => vm.role === "nomad-server" || vm.role === "nomad-client");
const hosts = new Hosts(nomadVms);
let work = "";

// ---------------------------------------------------------------------------------------------- reporting

async function step<T>(name: string, body: () => Promise<T> | T): Promise<T> {
  const start = Date.now();
  const value = await body();
  measured(name, (Date.now() - start) / 1000);
  return value;
}

// ---------------------------------------------------------------------------------------------- what the lab renders

interface WriteFileEntry {
  readonly path: string;
  readonly content: string;
  readonly encoding?: string;
  readonly permissions: string;
}

interface Rendered {
  readonly files: Map<string, { content: Buffer; permissions: string }>;
  readonly runcmd: string[][];
}

function renderedUserData(config: TerraformJson, values: ReadonlyMap<string, string>): Map<string, Rendered> {
  const out = new Map<string, Rendered>();
  for (const file of Object.values((config.resource?.proxmox_virtual_environment_file ?? {}) as Record<string, any>)) {
    const raw: string = file.source_raw?.[0]?.data;
    if (!raw?.startsWith("#cloud-config")) continue;
    const doc = parseYaml(renderWithValues(raw, values, config.variable));
    const files = new Map(
      (doc.write_files as WriteFileEntry[]).map((w) => [
        w.path,
        {
          content: w.encoding === "b64" ? Buffer.from(w.content, "base64") : Buffer.from(w.content, "utf8"),
          permissions: w.permissions,
        },
      ]),
    );
    out.set(String(doc.hostname), { files, runcmd: doc.runcmd });
  }
  return out;
}

const text = (r: Rendered, p: string): string => {
  const file = r.files.get(p);
  if (!file) throw new Error(`the lab's user-data writes no ${p}`);
  return file.content.toString("utf8");
};

/** ExecStart of a oneshot unit the lab renders. */
const execStart = (unit: string): string[] => {
  const line = /^ExecStart=(.+)$/m.exec(unit);
  if (!line) throw new Error(`no ExecStart in unit:\n${unit}`);
  return line[1].trim().split(/\s+/);
};

const envFile = (content: string): Record<string, string> =>
  Object.fromEntries(
    content
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

// ---------------------------------------------------------------------------------------------- the APIs

let tls: Tls;
let tokens: { consulManagement: string; nomadManagement: string; consulDeploy: string; env: Record<string, string> };

const consul = (host: Host, p: string, options: RequestOptions = {}): Promise<Answer> =>
  request(tls, host.address, CONSUL_HTTPS, p, {
    token: options.token === undefined ? tokens.consulManagement : options.token,
    ...options,
  });
const nomad = (host: Host, p: string, options: RequestOptions = {}): Promise<Answer> =>
  request(tls, host.address, NOMAD_HTTP, p, {
    tokenHeader: "X-Nomad-Token",
    ...options,
    token: options.token === undefined ? tokens.nomadManagement : options.token,
  });
async function okJson<T = any>(answer: Promise<Answer>, what: string): Promise<T> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${a.body.trim().slice(0, 300)}`);
  return a.json<T>();
}

const leaderOf = async (api: typeof consul, from: Host): Promise<string | undefined> => {
  const leader = await okJson<string>(api(from, "/v1/status/leader", { token: "" }), `${from.vm.name} leader`);
  return leader ? leader : undefined;
};
const hostOfRaftAddress = (address: string) => hosts.all.find((h) => address.startsWith(`${h.address}:`));

// ---------------------------------------------------------------------------------------------- the cluster

function preflight(): void {
  if (process.getuid?.() !== 0) {
    console.error(
      "test:e2e:nomad needs root: it creates network namespaces, a bridge and firewall rules, and starts Docker engines",
    );
    process.exit(2);
  }
  const missing: string[] = [];
  for (const [tool, pkg] of [
    ["nsenter", "util-linux"],
    ["unshare", "util-linux"],
    ["ip", "iproute2"],
    ["iptables", "iptables"],
    ["dockerd", "docker.io"],
    ["openssl", "openssl"],
    ["haproxy", "haproxy"],
  ]) {
    if (run("sh", ["-c", `command -v ${tool} || true`]).trim() === "") missing.push(`${tool} (Debian package ${pkg})`);
  }
  if (!fs.existsSync(path.join(CNI_SOURCE, "bridge")))
    missing.push(`CNI plugins in ${CNI_SOURCE} (apt-get install -y containernetworking-plugins)`);
  for (const name of ["consul", "nomad"]) {
    const tool = pinnedTool(name);
    if (!tool.found) missing.push(tool.reason);
  }
  if (missing.length) {
    console.error(`test:e2e:nomad cannot run here; missing:\n  ${missing.join("\n  ")}`);
    process.exit(2);
  }
}

/** Writes what cloud-init writes (and what its runcmd installs) into each host, before its namespaces exist. */
function provision(host: Host, rendered: Rendered): void {
  for (const [p, file] of rendered.files) {
    // cloud-init writes more (sshd, apt, resolved): all of /etc and /usr/local goes in, only the agents read any.
    if (p.startsWith("/etc/") || p.startsWith("/usr/local/")) writeIntoHost(host, { path: p, ...file });
  }
  // Forced: the lab's resolvers (rpi0) do not exist here; lookups the local agents cannot answer fail at once,
  // inside the host (an engine's image pull asks /etc/resolv.conf, not its --dns).
  writeIntoHost(host, {
    path: "/etc/resolv.conf",
    content: Buffer.from("nameserver 127.0.0.1\n"),
    permissions: "0644",
  });
  // Forced: the pinned builds, where the scripts' PATH finds them (the packages put them at /usr/bin).
  for (const name of ["consul", "nomad"]) {
    const target = path.join(host.state, "usr-local-upper", "bin", name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync((pinnedTool(name) as { path: string }).path, target);
  }
  if (!host.isServer) {
    // Forced: Debian's CNI plugins where the lab's command would have unpacked v1.5.1 (nothing can be downloaded).
    const cni = path.join(host.state, "opt", "cni", "bin");
    fs.mkdirSync(cni, { recursive: true });
    for (const plugin of fs.readdirSync(CNI_SOURCE)) {
      fs.copyFileSync(path.join(CNI_SOURCE, plugin), path.join(cni, plugin));
      fs.chmodSync(path.join(cni, plugin), 0o755);
    }
    // Forced: both clients share this machine's cgroups; each gets its own parent (a VM has its own hierarchy).
    // Forced: no registry, so the pause container of bridge-mode allocations is a local stand-in (PAUSE_REF). Nomad
    // replaces, not merges, a plugin's config from a later file: the lab's docker config is repeated unchanged.
    const labDocker = JSON.parse(text(rendered, "/etc/nomad.d/argo.json")).plugin.docker.config;
    // Forced: the CPU the lab VM has (its vCPUs at the environment's MHz per core); both clients share 2 cores here.
    const cpuTotalCompute = host.vm.vcpus * NOMAD_E2E.nomad!.cpuMhzPerCore;
    const forced = {
      client: { cgroup_parent: `/${CGROUP_PREFIX}${host.vm.name}-nomad`, cpu_total_compute: cpuTotalCompute },
      plugin: { docker: { config: { ...labDocker, infra_image: PAUSE_REF } } },
    };
    writeIntoHost(host, {
      path: "/etc/nomad.d/zz-e2e-forced.json",
      content: Buffer.from(JSON.stringify(forced, null, 2) + "\n"),
      permissions: "0600",
    });
  }
}

/** The runcmd steps that apply on this machine, as rendered: host volume directories, the bridge sysctls. */
function runcmd(host: Host, rendered: Rendered): void {
  for (const command of rendered.runcmd) {
    if (command[0] === "install" && command.includes("-d")) {
      const result = hosts.exec(host, command);
      if (result.code !== 0) throw new Error(`${host.vm.name}: ${command.join(" ")}: ${result.output}`);
    }
    if (command[0] === "sysctl") {
      // `sysctl --system` would also load this machine's own files: only the one the lab writes, in the host's namespace.
      const result = hosts.exec(host, ["sysctl", "-p", "/etc/sysctl.d/90-nomad-bridge.conf"]);
      if (result.code !== 0)
        throw new Error(`${host.vm.name}: sysctl -p /etc/sysctl.d/90-nomad-bridge.conf: ${result.output}`);
    }
  }
}

const startConsul = (host: Host) => hosts.start(host, "consul", ["consul", "agent", "-config-dir=/etc/consul.d/"]);
const startNomad = (host: Host) => hosts.start(host, "nomad", ["nomad", "agent", "-config", "/etc/nomad.d"]);
function startDocker(host: Host): void {
  hosts.start(
    host,
    "dockerd",
    [
      "dockerd",
      "--storage-driver=vfs",
      "--data-root=/var/lib/docker",
      "--exec-root=/run/docker",
      "--pidfile=/run/docker.pid",
      "-H",
      "unix:///var/run/docker.sock",
      "-H",
      `unix://${host.dockerSocket}`,
      // Nothing outside this machine is reachable: names Docker's DNS does not know fail at once.
      "--dns=127.0.0.1",
      `--cgroup-parent=${CGROUP_PREFIX}${host.vm.name}-docker`,
    ],
    // No registry is reachable: use local images without asking one.
    { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" },
  );
}

async function withLog<T>(host: Host, agent: "consul" | "nomad" | "dockerd", body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${host.vm.name} ${agent} log ---\n${host.logTail(agent)}`, {
      cause: error,
    });
  }
}

async function consulConverged(timeoutSec: number, what: string): Promise<number> {
  const [first] = hosts.servers;
  const { seconds } = await withLog(first, "consul", () =>
    waitFor(what, timeoutSec, async () => {
      const leader = await leaderOf(consul, first);
      if (!leader) throw new Error("no leader");
      const members = await okJson<any[]>(consul(first, "/v1/agent/members"), "members");
      const alive = members.filter((m) => m.Status === 1);
      if (alive.length !== hosts.all.length) throw new Error(`${alive.length}/${hosts.all.length} members alive`);
      const raft = await okJson<any>(consul(first, "/v1/operator/autopilot/health"), "autopilot health");
      if (!raft.Healthy || raft.Servers.filter((s: any) => s.Healthy && s.Voter).length !== hosts.servers.length)
        throw new Error(`autopilot: ${JSON.stringify(raft.Servers.map((s: any) => [s.Name, s.Healthy, s.Voter]))}`);
      return true;
    }),
  );
  return seconds;
}

async function nomadConverged(timeoutSec: number, what: string): Promise<number> {
  const [first] = hosts.servers;
  const { seconds } = await withLog(first, "nomad", () =>
    waitFor(what, timeoutSec, async () => {
      const leader = await leaderOf(nomad, first);
      if (!leader) throw new Error("no leader");
      const members = (await okJson<any>(nomad(first, "/v1/agent/members"), "server members")).Members as any[];
      if (members.filter((m) => m.Status === "alive").length !== hosts.servers.length)
        throw new Error(`server members: ${members.map((m) => `${m.Name} ${m.Status}`).join(", ")}`);
      const health = await okJson<any>(nomad(first, "/v1/operator/autopilot/health"), "autopilot health");
      if (!health.Healthy || health.Servers.filter((s: any) => s.Healthy && s.Voter).length !== hosts.servers.length)
        throw new Error(`autopilot: ${JSON.stringify(health.Servers.map((s: any) => [s.Name, s.Healthy, s.Voter]))}`);
      const nodes = await okJson<any[]>(nomad(first, "/v1/nodes"), "nodes");
      const ready = nodes.filter((n) => n.Status === "ready");
      if (ready.length !== hosts.clients.length)
        throw new Error(
          `${ready.length}/${hosts.clients.length} clients ready (${nodes.map((n) => `${n.Name}: ${n.Status}`).join(", ")})`,
        );
      return true;
    }),
  );
  return seconds;
}

async function bringUp(config: TerraformJson, values: ReadonlyMap<string, string>): Promise<void> {
  const rendered = renderedUserData(config, values);
  const of = (host: Host) => {
    const r = rendered.get(host.vm.name);
    if (!r) throw new Error(`no user-data for ${host.vm.name}`);
    return r;
  };
  const first = hosts.servers[0];
  const env = envFile(text(of(first), "/etc/consul.d/acl-bootstrap.env"));
  tokens = {
    consulManagement: env.MANAGEMENT_TOKEN,
    nomadManagement: text(of(first), "/etc/nomad.d/bootstrap.token").trim(),
    consulDeploy: env.DEPLOY_SECRET,
    env,
  };

  await step("namespaces, bridge, the lab's files in place", async () => {
    hosts.create();
    for (const host of hosts.all) provision(host, of(host));
    for (const host of hosts.all) await hosts.boot(host);
    for (const host of hosts.all) runcmd(host, of(host));
  });

  await check("Consul: 3 servers elect a leader, 5 agents join (gossip encrypted, TLS everywhere)", async () => {
    const t0 = Date.now();
    for (const host of hosts.servers) startConsul(host);
    for (const host of hosts.clients) startConsul(host);
    const { seconds } = await withLog(first, "consul", () =>
      waitFor("a Consul leader", 90, () => leaderOf(consul, first)),
    );
    measured("consul agents started → leader elected", seconds + (Date.now() - t0 - seconds * 1000) / 1000);
    const converged = await consulConverged(90, "5 Consul members alive and 3 healthy voters");
    measured("consul agents started → 5 members alive, 3 healthy voters", (Date.now() - t0) / 1000);
    return `converged ${converged.toFixed(1)} s after the leader`;
  });

  await check(
    "Consul ACL bootstrap: the lab's oneshot unit's ExecStart, on the first server, as rendered; then every server drops its initial management token",
    async () => {
      const command = execStart(text(of(first), "/etc/systemd/system/argo-consul-acl-bootstrap.service"));
      const t0 = Date.now();
      const result = hosts.exec(first, command, { timeoutMs: 180000 });
      assert(result.code === 0, `${command.join(" ")} exited ${result.code}: ${result.output}`);
      measured("consul ACL bootstrap script", (Date.now() - t0) / 1000);
      // With their tokens in place, every agent registers its node.
      const { seconds } = await waitFor("every agent's node in the catalog", 90, async () => {
        const nodes = await okJson<any[]>(consul(first, "/v1/catalog/nodes"), "catalog nodes");
        return nodes.length === hosts.all.length ? nodes : undefined;
      });
      measured("ACL bootstrap done → all 5 nodes registered with the agent token", seconds);
      const again = hosts.exec(first, command, { timeoutMs: 60000 });
      assert(again.code === 0, `running it again failed: ${again.output}`);
      // Every server's own unit then drops the initial management token from its configuration.
      for (const server of hosts.servers) {
        const forget = execStart(text(of(server), BOOTSTRAP_PATHS.forgetUnit));
        const forgot = hosts.exec(server, forget, { timeoutMs: 60000 });
        assert(forgot.code === 0, `${server.vm.name}: ${forget.join(" ")} exited ${forgot.code}: ${forgot.output}`);
        const file = AGENT_PATHS.consulInitialManagement;
        assert(hosts.exec(server, ["test", "-e", file]).code !== 0, `${server.vm.name} still has ${file}`);
      }
      return `${command.join(" ")}; a second run changes nothing (exit 0); ${AGENT_PATHS.consulInitialManagement} removed on ${hosts.servers.length} servers by their own unit`;
    },
  );

  await check("Docker engines on the Nomad clients", async () => {
    for (const host of hosts.clients) startDocker(host);
    const { seconds } = await waitFor(
      "the clients' Docker engines",
      60,
      async () => {
        for (const host of hosts.clients)
          run("docker", ["-H", `unix://${host.dockerSocket}`, "info", "--format", "{{.ServerVersion}}"]);
        return true;
      },
      500,
    ).catch((e) => {
      throw new Error(
        `${e.message}\n${hosts.clients.map((h) => `--- ${h.vm.name} dockerd log ---\n${h.logTail("dockerd")}`).join("\n")}`,
      );
    });
    measured("dockerd started → answering", seconds);
  });

  await check(
    "Nomad: 3 servers elect a leader; ACL bootstrap as rendered, then no management token on disk; 2 clients ready",
    async () => {
      const t0 = Date.now();
      for (const host of hosts.servers) startNomad(host);
      for (const host of hosts.clients) startNomad(host);
      // Each server's JWKS relay for Consul's workload identity logins, as its unit starts it.
      for (const host of hosts.servers)
        hosts.start(host, "jwks-relay", execStart(text(of(host), WORKLOAD_IDENTITY_PATHS.relayUnit)));
      const command = execStart(text(of(first), "/etc/systemd/system/argo-nomad-acl-bootstrap.service"));
      const result = await withLog(first, "nomad", async () => hosts.exec(first, command, { timeoutMs: 180000 }));
      assert(
        result.code === 0,
        `${command.join(" ")} exited ${result.code}: ${result.output}\n--- vb0 nomad log ---\n${first.logTail("nomad")}`,
      );
      measured("nomad agents started → ACL bootstrap script done", (Date.now() - t0) / 1000);
      await nomadConverged(120, "3 healthy Nomad voters and 2 ready clients");
      measured("nomad agents started → 3 healthy voters, 2 clients ready", (Date.now() - t0) / 1000);
      // Its end removes the management tokens cloud-init left; both scripts then stop at once, changing nothing.
      const leftOnDisk = [BOOTSTRAP_PATHS.nomadToken, BOOTSTRAP_PATHS.consulEnv].filter(
        (file) => hosts.exec(first, ["test", "-e", file]).code === 0,
      );
      assert(leftOnDisk.length === 0, `left on ${first.vm.name} after the bootstrap: ${leftOnDisk.join(", ")}`);
      const consulCommand = execStart(text(of(first), BOOTSTRAP_PATHS.consulUnit));
      for (const rerun of [command, consulCommand]) {
        const again = hosts.exec(first, rerun, { timeoutMs: 60000 });
        assert(again.code === 0, `running ${rerun.join(" ")} again failed: ${again.output}`);
        assert(again.output.includes("removed from this host"), `${rerun.join(" ")} ran again: ${again.output}`);
      }
      return `${command.join(" ")}; ${BOOTSTRAP_PATHS.nomadToken} and ${BOOTSTRAP_PATHS.consulEnv} removed afterwards; both scripts run again exit 0 at once`;
    },
  );
}

// ---------------------------------------------------------------------------------------------- the checks

/**
 * The probe jobs' image on every client: Debian's static busybox, sleeping (the clients have no image before the
 * deployment); also the clients' infra_image (PAUSE_REF) for bridge-mode probes, which the deployment's own
 * pause stand-in replaces later.
 */
let probeImageImported = false;
function importProbeImage(): void {
  if (probeImageImported) return;
  const probeRoot = path.join(work, "mount-probe-root");
  fs.mkdirSync(path.join(probeRoot, "bin"), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(probeRoot, "bin/busybox"));
  fs.chmodSync(path.join(probeRoot, "bin/busybox"), 0o755);
  // What a probe standing in for a service serves to its HTTP health check (busybox httpd -h /www).
  fs.mkdirSync(path.join(probeRoot, "www"), { recursive: true });
  const cadvisor = selectApplication(NOMAD_E2E.application, NOMAD_E2E.selection).services.find(
    (x) => x.name === "cadvisor",
  );
  if (cadvisor?.healthCheck?.type === "http")
    fs.writeFileSync(path.join(probeRoot, "www", cadvisor.healthCheck.path), "ok\n");
  const probeTar = path.join(work, "mount-probe.tar");
  run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", probeRoot, "-cf", probeTar, "."]);
  for (const host of hosts.clients) {
    const docker = (...args: string[]) => run("docker", ["-H", `unix://${host.dockerSocket}`, ...args]);
    docker("import", "--change", 'ENTRYPOINT ["/bin/busybox", "sleep", "2147483647"]', probeTar, MOUNT_PROBE_REF);
    docker("tag", MOUNT_PROBE_REF, PAUSE_REF);
  }
  probeImageImported = true;
}

async function checks(outdir: string): Promise<void> {
  const [first] = hosts.servers;

  await check("Consul: 3 servers (one leader), 5 members alive, gossip encrypted on every agent", async () => {
    const peers = await okJson<string[]>(consul(first, "/v1/status/peers", { token: "" }), "peers");
    assert(peers.length === 3, `peers: ${peers.join(", ")}`);
    const members = await okJson<any[]>(consul(first, "/v1/agent/members"), "members");
    assert(
      members.length === 5 && members.every((m) => m.Status === 1),
      `members: ${members.map((m) => `${m.Name}:${m.Status}`).join(", ")}`,
    );
    const servers = members
      .filter((m) => m.Tags.role === "consul")
      .map((m) => m.Name)
      .sort();
    assert(
      JSON.stringify(servers) === JSON.stringify(hosts.servers.map((h) => h.vm.name).sort()),
      `servers: ${servers.join(", ")}`,
    );
    for (const host of hosts.all) {
      const self = await okJson<any>(consul(host, "/v1/agent/self"), `${host.vm.name} agent/self`);
      assert(self.Stats.serf_lan.encrypted === "true", `${host.vm.name}: serf_lan not encrypted`);
      if (host.isServer) assert(self.Stats.serf_wan.encrypted === "true", `${host.vm.name}: serf_wan not encrypted`);
    }
    const keyring = await okJson<any[]>(consul(first, "/v1/operator/keyring"), "keyring");
    const lan = keyring.find((k) => !k.WAN && k.Segment === "");
    assert(lan && Object.keys(lan.Keys).length === 1 && lan.NumNodes === 5, `keyring: ${JSON.stringify(keyring)}`);
    const leader = hostOfRaftAddress((await leaderOf(consul, first)) ?? "");
    return `leader ${leader?.vm.name}; servers ${servers.join(", ")}; clients ${members
      .filter((m) => m.Tags.role === "node")
      .map((m) => m.Name)
      .join(", ")}; one LAN key on 5 nodes`;
  });

  await check(
    'Nomad: 3 servers (one leader), 2 ready clients of node_class "workload", docker healthy, CNI bridge fingerprinted',
    async () => {
      const peers = await okJson<string[]>(nomad(first, "/v1/status/peers", { token: "" }), "peers");
      assert(peers.length === 3, `peers: ${peers.join(", ")}`);
      const members = (await okJson<any>(nomad(first, "/v1/agent/members"), "members")).Members as any[];
      assert(
        members.length === 3 && members.every((m) => m.Status === "alive"),
        `server members: ${members.map((m) => `${m.Name}:${m.Status}`).join(", ")}`,
      );
      const nodes = await okJson<any[]>(nomad(first, "/v1/nodes"), "nodes");
      assert(nodes.length === 2, `nodes: ${nodes.map((n) => n.Name).join(", ")}`);
      const details: string[] = [];
      for (const node of nodes) {
        const n = await okJson<any>(nomad(first, `/v1/node/${node.ID}`), `node ${node.Name}`);
        assert(
          n.Status === "ready" && n.SchedulingEligibility === "eligible",
          `${n.Name}: ${n.Status}, ${n.SchedulingEligibility}`,
        );
        assert(
          n.NodeClass === NOMAD_E2E.nomad!.workloadNodeClass,
          `${n.Name}: node_class ${JSON.stringify(n.NodeClass)}`,
        );
        const docker = n.Drivers?.docker;
        assert(docker?.Detected && docker?.Healthy, `${n.Name}: docker driver ${JSON.stringify(docker)}`);
        // The lab turns the driver's own host mounts off: Nomad then reports no volumes attribute at all.
        assert(
          docker.Attributes?.["driver.docker.volumes.enabled"] === undefined,
          `${n.Name}: the Docker driver mounts host paths of its own (driver.docker.volumes.enabled = ${docker.Attributes?.["driver.docker.volumes.enabled"]})`,
        );
        const bridge = n.Attributes?.["plugins.cni.version.bridge"];
        assert(
          bridge,
          `${n.Name}: no CNI bridge plugin fingerprinted (attributes: ${
            Object.keys(n.Attributes ?? {})
              .filter((k) => k.includes("cni"))
              .join(", ") || "none with cni"
          })`,
        );
        // The persistent volumes placed on this client (read-write) and every node path a job reads (read-only).
        const volumes = Object.entries(n.HostVolumes ?? {})
          .map(([v, c]: [string, any]) => `${v}=${c.Path}:${c.ReadOnly ? "ro" : "rw"}`)
          .sort();
        const expected = [
          ...Object.entries(NOMAD_E2E.nomad!.hostVolumes)
            .filter(([, p]) => p.client === n.Name)
            .map(([v, p]) => `${v}=${p.path}:rw`),
          ...Object.entries(NODE_VOLUMES).map(([v, p]) => `${v}=${p}:ro`),
        ].sort();
        assert(
          JSON.stringify(volumes) === JSON.stringify(expected),
          `${n.Name}: host volumes ${volumes.join(", ")}, expected ${expected.join(", ")}`,
        );
        const consulVersion = n.Attributes?.["consul.version"];
        assert(consulVersion, `${n.Name}: Nomad does not see its Consul agent (no consul.version attribute)`);
        details.push(
          `${n.Name}: docker ${docker.Attributes["driver.docker.version"]}, cni bridge ${bridge}, consul ${consulVersion}, connect ${n.Attributes["consul.connect"] ?? "?"}, host volumes ${volumes.length}`,
        );
      }
      const leader = hostOfRaftAddress((await leaderOf(nomad, first)) ?? "");
      return `leader ${leader?.vm.name}; ${details.join("; ")}`;
    },
  );

  await check(
    "Consul ACLs deny by default: anonymous requests are refused; the DNS token serves DNS only",
    async () => {
      const denied: string[] = [];
      const written = await consul(first, "/v1/kv/argo-e2e/acl", { method: "PUT", body: "secret" });
      assert(written.status === 200, `management token cannot write KV: ${written.status}`);
      for (const [method, p] of [
        ["GET", "/v1/acl/tokens"],
        ["GET", "/v1/kv/argo-e2e/acl"],
        ["PUT", "/v1/kv/argo-e2e/other"],
        ["GET", "/v1/agent/self"],
        ["PUT", "/v1/acl/policy"],
      ] as const) {
        const body =
          p === "/v1/acl/policy"
            ? { Name: "argo-e2e-forged", Rules: 'key_prefix "" { policy = "write" }' }
            : method === "PUT"
              ? "x"
              : undefined;
        const a = await consul(first, p, { token: "", method, body });
        assert(a.status === 403, `anonymous ${method} ${p}: ${a.status} ${a.body.slice(0, 200)}`);
        denied.push(`${method} ${p.split("?")[0]}`);
      }
      // The DNS token is acl.tokens.dns, not the default token: without a token the catalog is not readable.
      // Consul filters a listing instead of refusing it: an anonymous catalog read sees no node.
      const nodes = await consul(first, "/v1/catalog/nodes", { token: "" });
      assert(
        nodes.status === 200 && nodes.json().length === 0,
        `anonymous GET /v1/catalog/nodes: ${nodes.status} ${nodes.body.slice(0, 200)}`,
      );
      // ... while Consul's DNS answers with it (what systemd-resolved forwards .consul to).
      const resolver = new dns.Resolver();
      resolver.setServers([`${first.vm.address}:8600`]);
      const consulServers = await resolver.resolve4("consul.service.consul");
      assert(consulServers.length === 3, `DNS consul.service.consul: ${consulServers.join(", ")}`);
      // A listing is filtered, not refused: the key exists, an anonymous recursive read sees nothing.
      const listed = await consul(first, "/v1/kv/argo-e2e?recurse", { token: "" });
      assert(listed.status === 404, `anonymous recursive KV read: ${listed.status} ${listed.body.slice(0, 200)}`);
      await consul(first, "/v1/kv/argo-e2e?recurse", { method: "DELETE" });
      return `KV listing filtered to nothing (404), catalog nodes filtered to none; 403 for ${denied.join(", ")}; DNS consul.service.consul → ${consulServers.sort().join(", ")}`;
    },
  );

  await check("Consul preset tokens work, with exactly their policies", async () => {
    const expected: [string, string, string[]][] = [
      ["agent", tokens.env.AGENT_SECRET, ["argo-agents"]],
      ["dns", tokens.env.DNS_SECRET, ["argo-dns"]],
      ["nomad", tokens.env.NOMAD_SECRET, ["argo-nomad-agents"]],
      ["deploy", tokens.consulDeploy, [DEPLOY_POLICY]],
      ["management", tokens.consulManagement, ["global-management"]],
    ];
    const seen: string[] = [];
    for (const [name, secret, policies] of expected) {
      const self = await okJson<any>(consul(first, "/v1/acl/token/self", { token: secret }), `${name} token self`);
      const names = (self.Policies ?? []).map((p: any) => p.Name).sort();
      assert(JSON.stringify(names) === JSON.stringify(policies), `${name}: policies ${names.join(", ")}`);
      if (name !== "management") {
        const kv = await consul(first, "/v1/kv/argo-e2e", { token: secret, method: "PUT", body: "x" });
        assert(kv.status === 403, `${name} token may write KV: ${kv.status}`);
        const acl = await consul(first, "/v1/acl/tokens", { token: secret });
        // acl = "write": the Nomad agents' (Connect SI tokens) and the deploy's (Fabio's and Prometheus' tokens).
        assert(
          acl.status === 403 || name === "nomad" || name === "deploy",
          `${name} token may list ACL tokens: ${acl.status}`,
        );
      }
      seen.push(`${name} → ${names.join(",")}`);
    }
    const agentNodeWrite = await consul(first, "/v1/catalog/register", {
      token: tokens.env.DNS_SECRET,
      method: "PUT",
      body: { Node: "argo-e2e-forged", Address: "10.232.0.250" },
    });
    assert(agentNodeWrite.status === 403, `the DNS token may register nodes: ${agentNodeWrite.status}`);
    return `${seen.join("; ")}; none but management writes KV; the DNS token registers no node`;
  });

  await check("Nomad ACLs: anonymous requests refused, the bootstrap token is a management token", async () => {
    const variable = await nomad(first, "/v1/var/argo-e2e/acl", {
      method: "PUT",
      body: { Path: "argo-e2e/acl", Items: { secret: "x" } },
    });
    assert(variable.status === 200, `management token cannot write a variable: ${variable.status} ${variable.body}`);
    for (const p of [
      "/v1/jobs",
      "/v1/nodes",
      "/v1/var/argo-e2e/acl",
      "/v1/acl/tokens",
      "/v1/operator/raft/configuration",
    ]) {
      const a = await nomad(first, p, { token: "" });
      assert(a.status === 403, `anonymous GET ${p}: ${a.status} ${a.body.slice(0, 200)}`);
    }
    // Listings are filtered, not refused.
    const vars = await nomad(first, "/v1/vars", { token: "" });
    assert(
      vars.status === 200 && vars.json().length === 0,
      `anonymous variable listing: ${vars.status} ${vars.body.slice(0, 200)}`,
    );
    await nomad(first, "/v1/var/argo-e2e/acl", { method: "DELETE" });
    const self = await okJson<any>(nomad(first, "/v1/acl/token/self"), "bootstrap token self");
    assert(self.Type === "management", `bootstrap token type ${self.Type}`);
    const forged = await nomad(first, "/v1/jobs", { token: "00000000-0000-4000-8000-000000000000" });
    assert(forged.status === 403, `unknown token: ${forged.status}`);
    // The deploy token the bootstrap made: its secret in Consul KV, read with Consul's deploy token (the runbook's way).
    const kept = await consul(first, `/v1/kv/${NOMAD_DEPLOY_TOKEN_KEY}?raw`, { token: tokens.consulDeploy });
    assert(kept.status === 200 && kept.body.length > 0, `the deploy token's secret in KV: ${kept.status}`);
    const anonymousKv = await consul(first, `/v1/kv/${NOMAD_DEPLOY_TOKEN_KEY}?raw`, { token: tokens.env.AGENT_SECRET });
    assert(anonymousKv.status === 403, `the agent token reads the deploy token's secret: ${anonymousKv.status}`);
    const deploy = await okJson<any>(nomad(first, "/v1/acl/token/self", { token: kept.body }), "deploy token self");
    assert(
      deploy.Type === "client" && JSON.stringify(deploy.Policies) === JSON.stringify([DEPLOY_POLICY]),
      `deploy token: ${deploy.Type}, ${JSON.stringify(deploy.Policies)}`,
    );
    // Nomad filters a client token's policy listing to its own policies, and refuses it the tokens.
    const deployPolicies = await nomad(first, "/v1/acl/policies", { token: kept.body });
    const listed = deployPolicies.status === 200 ? deployPolicies.json<any[]>().map((p) => p.Name) : [];
    assert(
      JSON.stringify(listed) === JSON.stringify([DEPLOY_POLICY]),
      `the deploy token's policy listing: ${deployPolicies.status} ${deployPolicies.body.slice(0, 200)}`,
    );
    const deployTokens = await nomad(first, "/v1/acl/tokens", { token: kept.body });
    assert(deployTokens.status === 403, `the deploy token lists ACL tokens: ${deployTokens.status}`);
    return `403 for /v1/jobs, /v1/nodes, a variable, /v1/acl/tokens, the raft configuration without a token (and /v1/jobs with an unknown one); the variable listing is filtered to nothing; bootstrap token "${self.Name}" is ${self.Type}; deploy token "${deploy.Name}" (${deploy.Policies.join(", ")}) from KV ${NOMAD_DEPLOY_TOKEN_KEY}, lists only its own policy, refused the ACL tokens`;
  });

  await check(
    "Consul: a job's service registers with its own workload identity's token; the Nomad agents' token writes no ACLs",
    async () => {
      importProbeImage();
      const method = await okJson<any>(consul(first, `/v1/acl/auth-method/${AUTH_METHOD}`), "the auth method");
      assert(method.Type === "jwt", `auth method ${AUTH_METHOD}: ${JSON.stringify(method).slice(0, 200)}`);
      const rules = await okJson<any[]>(consul(first, `/v1/acl/binding-rules?authmethod=${AUTH_METHOD}`), "rules");
      assert(
        JSON.stringify(rules.map((r) => r.BindType).sort()) === '["policy","policy","service"]',
        `binding rules: ${JSON.stringify(rules.map((r) => [r.BindType, r.BindName]))}`,
      );
      // The agents' own token may not make tokens (the older flow's service identity tokens needed that).
      const agentsMint = await consul(first, "/v1/acl/token", {
        method: "PUT",
        token: tokens.env.NOMAD_SECRET,
        body: { Description: "argo-e2e forged", ServiceIdentities: [{ ServiceName: "x" }] },
      });
      assert(agentsMint.status === 403, `the Nomad agents' token created a token: ${agentsMint.status}`);
      const id = "e2e-identity-probe";
      const loginTokens = async () =>
        (await okJson<any[]>(consul(first, `/v1/acl/tokens?authmethod=${AUTH_METHOD}`), "login tokens")).filter((t) =>
          (t.ServiceIdentities ?? []).some((si: any) => si.ServiceName === id),
        );
      const registered = async () =>
        (await okJson<any[]>(consul(first, `/v1/catalog/service/${id}`), "catalog")).length > 0;
      const job = probeJobOf(id, "service", { Services: [{ Name: id, Provider: "consul" }] }, {});
      try {
        await okJson(nomad(first, "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: job }) }), "probe job");
        const { seconds } = await waitFor(
          `${id} in Consul's catalog`,
          60,
          async () => ((await registered()) ? true : undefined),
          250,
        ).catch(async (e) => {
          const allocs = await okJson<any[]>(nomad(first, `/v1/job/${id}/allocations`), "allocations");
          const events = allocs.flatMap((a) =>
            Object.values(a.TaskStates ?? {}).flatMap((t: any) =>
              (t.Events ?? []).map((ev: any) => ev.DisplayMessage || ev.Type),
            ),
          );
          throw new Error(`${e.message}: ${allocs.map((a) => a.ClientStatus).join(", ")}; ${events.join(" | ")}`);
        });
        const issued = await loginTokens();
        assert(issued.length === 1, `tokens of ${AUTH_METHOD} for ${id}: ${issued.length}`);
        await nomad(first, `/v1/job/${id}?purge=true`, { method: "DELETE" });
        const gone = await waitFor(
          `${id} deregistered and its token revoked`,
          60,
          async () => (!(await registered()) && (await loginTokens()).length === 0 ? true : undefined),
          250,
        );
        return `auth method ${AUTH_METHOD} (jwt, a service and two task rules); ${id} registered ${seconds.toFixed(1)} s after submission with its own token (service identity ${id}), deregistered and the token revoked ${gone.seconds.toFixed(1)} s after the job stopped; the agents' token: 403 for a new token`;
      } finally {
        await nomad(first, `/v1/job/${id}?purge=true`, { method: "DELETE" });
      }
    },
  );

  await check(
    "Consul: a task that reads Consul logs in to its job's read-only policy, in a file its user reads; the deploy token writes no ACLs",
    async () => {
      importProbeImage();
      // The collector's job, as nomad-lab renders its token: a Consul block and the token file template.
      const collector = APPLICATION.services.find((s) => s.collectsMetrics)!;
      const id = collector.name;
      const uid = dataOwnerUidOf(collector);
      const tokenFile = consulTokenFileTemplate("secrets/consul-token", uid);
      const policy = consulTaskPolicyName(id);
      const deployMint = await consul(first, "/v1/acl/token", {
        method: "PUT",
        token: tokens.consulDeploy,
        body: { Description: "argo-e2e forged" },
      });
      assert(deployMint.status === 403, `the Consul deploy token created a token: ${deployMint.status}`);
      const bound = async () =>
        (await okJson<any[]>(consul(first, `/v1/acl/tokens?authmethod=${AUTH_METHOD}`), "login tokens")).filter((t) =>
          (t.Policies ?? []).some((p: any) => p.Name === policy),
        );
      const job = probeJobOf(id, "service", {}, { Consul: {}, Templates: [tokenFile] });
      try {
        await okJson(nomad(first, "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: job }) }), "probe job");
        const { value: running, seconds } = await waitFor(
          `${id}'s task running with a Consul token`,
          60,
          async () => {
            const allocs = await okJson<any[]>(nomad(first, `/v1/job/${id}/allocations`), "allocations");
            const alloc = allocs.find((a) => a.ClientStatus === "running");
            return alloc && (await bound()).length === 1 ? alloc : undefined;
          },
          250,
        );
        const [login] = await bound();
        assert(
          JSON.stringify(login.Policies.map((p: any) => p.Name).sort()) ===
            JSON.stringify([policy, TASKS_POLICY].sort()) &&
            !(login.ServiceIdentities ?? []).length &&
            !(login.Roles ?? []).length,
          `the task's token: ${JSON.stringify({ policies: login.Policies, services: login.ServiceIdentities, roles: login.Roles })}`,
        );
        const secret = (await okJson<any>(consul(first, `/v1/acl/token/${login.AccessorID}`), "the token")).SecretID;
        const asTask = (p: string, options: RequestOptions = {}) => consul(first, p, { ...options, token: secret });
        const catalog = await asTask("/v1/catalog/services");
        const kv = await asTask("/v1/kv/argo-e2e/task-write", { method: "PUT", body: "x" });
        const mint = await asTask("/v1/acl/token", { method: "PUT", body: { Description: "argo-e2e forged" } });
        assert(
          catalog.status === 200 && kv.status === 403 && mint.status === 403,
          `the task's token: catalog ${catalog.status}, KV write ${kv.status}, new token ${mint.status}`,
        );
        // The file the collector reads, as its user: the same token.
        const host = hosts.clients.find((h) => h.vm.name === running.NodeName)!;
        const asUser = uid === undefined ? [] : ["-u", String(uid)];
        const read = run("docker", [
          "-H",
          `unix://${host.dockerSocket}`,
          "exec",
          ...asUser,
          `probe-${running.ID}`,
          "/bin/busybox",
          "cat",
          `/${tokenFile.DestPath}`,
        ]);
        assert(read === secret, `/${tokenFile.DestPath} as uid ${uid} is not the task's token`);
        return `${id}'s task ran ${seconds.toFixed(1)} s after submission with a token bound to ${policy} and ${TASKS_POLICY} only: catalog 200, KV write ${kv.status}, new token ${mint.status}; /${tokenFile.DestPath} read as uid ${uid}; the Consul deploy token: ${deployMint.status} for a new token`;
      } finally {
        await nomad(first, `/v1/job/${id}?purge=true`, { method: "DELETE" });
      }
    },
  );

  await check(
    "Nomad: the deploy token mounts node paths only read-only; the Docker driver refuses a job's own host mounts",
    async () => {
      const deployToken = (
        await consul(first, `/v1/kv/${NOMAD_DEPLOY_TOKEN_KEY}?raw`, { token: tokens.consulDeploy })
      ).body.trim();
      const [volume, hostPath] = Object.entries(NODE_VOLUMES).find(([, p]) => p === "/") ?? [];
      assert(volume, `no client host volume of the node's root among ${Object.keys(NODE_VOLUMES).join(", ")}`);
      importProbeImage();
      const probeJob = (id: string, group: Record<string, unknown>, task: Record<string, unknown>) => ({
        Job: probeJobOf(id, "batch", group, task),
      });
      const submit = (body: unknown) =>
        nomad(first, "/v1/jobs", { method: "POST", body: JSON.stringify(body), token: deployToken });
      const purge = (id: string) => nomad(first, `/v1/job/${id}?purge=true`, { method: "DELETE" });
      const rootVolume = (readOnly: boolean) => ({
        Volumes: { root: { Name: "root", Type: "host", Source: volume, ReadOnly: readOnly } },
      });
      // As the jobs mount it (cadvisor's and node-exporter's rootfs); read-write is the forbidden variant.
      const [asJobsMountIt] = nodeVolumeMounts([{ name: "root", source: volume, hostPath: "/", mountPath: "/rootfs" }]);
      const rootMount = (readOnly: boolean) => ({ VolumeMounts: [{ ...asJobsMountIt, ReadOnly: readOnly }] });
      const ids = ["e2e-node-root-rw", "e2e-node-root-ro", "e2e-driver-bind"];
      try {
        // Read-write: Nomad refuses the deploy token at submission (its policy grants the node paths "read").
        const readWrite = await submit(probeJob(ids[0], rootVolume(false), rootMount(false)));
        assert(
          readWrite.status === 403 || /permission denied/i.test(readWrite.body),
          `the deploy token submitted a job mounting ${volume} (${hostPath}) read-write: ${readWrite.status} ${readWrite.body.slice(0, 200)}`,
        );
        // Read-only: accepted, placed, and the engine shows the node's root bound read-only.
        const readOnly = await submit(probeJob(ids[1], rootVolume(true), rootMount(true)));
        assert(readOnly.status === 200, `a read-only mount of ${volume}: ${readOnly.status} ${readOnly.body}`);
        const allocationsOf = (id: string) =>
          okJson<any[]>(nomad(first, `/v1/job/${id}/allocations`), `${id} allocations`);
        const eventsOf = (allocs: any[]) =>
          allocs.flatMap((a) =>
            Object.values(a.TaskStates ?? {}).flatMap((t: any) =>
              (t.Events ?? []).map((e: any) => e.DisplayMessage || e.Type),
            ),
          );
        const { value: mounted } = await waitFor(
          `${ids[1]} running`,
          60,
          async () => {
            const allocs = await allocationsOf(ids[1]);
            const running = allocs.find((a) => a.ClientStatus === "running");
            if (!running) return undefined;
            const host = hosts.clients.find((h) => h.vm.name === running.NodeName)!;
            const inspect = JSON.parse(
              run("docker", ["-H", `unix://${host.dockerSocket}`, "inspect", `probe-${running.ID}`]),
            )[0];
            return (inspect.Mounts as any[]).find((m) => m.Destination === "/rootfs");
          },
          250,
        ).catch(async (e) => {
          const allocs = await allocationsOf(ids[1]);
          throw new Error(
            `${e.message}: ${allocs.map((a) => `${a.NodeName} ${a.ClientStatus}`).join(", ") || "no allocation"}; ${eventsOf(allocs).join(" | ")}`,
          );
        });
        assert(
          mounted.Source === "/" && mounted.RW === false && mounted.Propagation === "rslave",
          `the node's root in the container: ${JSON.stringify(mounted)}`,
        );
        // A Docker bind mount of a host path: the token may submit it, the client's driver refuses to start it.
        const bind = await submit(
          probeJob(
            ids[2],
            {},
            {
              Config: {
                image: MOUNT_PROBE_REF,
                mount: [{ type: "bind", source: "/etc", target: "/host-etc", readonly: true }],
              },
            },
          ),
        );
        assert(bind.status === 200, `submitting the bind-mount probe: ${bind.status} ${bind.body}`);
        const { value: refusal } = await waitFor(
          `the driver's refusal of ${ids[2]}`,
          60,
          async () => {
            const allocs = await allocationsOf(ids[2]);
            if (allocs.some((a) => a.ClientStatus === "running")) return "running";
            return eventsOf(allocs).find((m: string) => /volumes are not enabled/.test(m));
          },
          250,
        );
        assert(refusal !== "running", `the driver started ${ids[2]}, which bind-mounts /etc`);
        return `read-write ${volume}: ${readWrite.status}; read-only: running, the engine binds ${mounted.Source} at /rootfs (RW ${mounted.RW}, ${mounted.Propagation}); a bind of /etc: "${refusal}"`;
      } finally {
        for (const id of ids) await purge(id);
      }
    },
  );

  await check(
    "Nomad: cadvisor's group as rendered reads the engine through its filtering proxy task; only the proxy mounts the socket",
    async () => {
      importProbeImage();
      const proxyArchive = buildHaproxyStandInArchive(work, DOCKER_API_PROXY_IMAGE);
      for (const host of hosts.clients)
        run("docker", ["-H", `unix://${host.dockerSocket}`, "load", "-i", proxyArchive]);
      // The job nomad-lab renders, as the provider submits it; only what this machine forces changes: cadvisor's
      // image is the probe, serving its health check (the proxy's is Debian's HAProxy under the pinned image's name).
      const stack: TerraformJson = JSON.parse(
        fs.readFileSync(path.join(outdir, "stacks", NOMAD_LAB_STACK, "cdk.tf.json"), "utf8"),
      );
      const job = Object.values<any>(stack.resource?.nomad_job ?? {})
        .map((j) => JSON.parse(renderTerraformTemplate(String(j.jobspec))).Job)
        .find((j) => j.ID === "cadvisor");
      assert(job, "nomad-lab renders no cadvisor job");
      const group = job.TaskGroups[0];
      const main = group.Tasks.find((t: any) => t.Name === "cadvisor");
      const proxy = group.Tasks.find((t: any) => t.Name === DOCKER_API_PROXY_TASK);
      assert(main && proxy, `cadvisor's group has tasks ${group.Tasks.map((t: any) => t.Name).join(", ")}`);
      // Serving cadvisor's health check path on its port, so Nomad keeps the task (check_restart) as it would cadvisor.
      const spec = selectApplication(NOMAD_E2E.application, NOMAD_E2E.selection).services.find(
        (x) => x.name === "cadvisor",
      )!;
      assert(
        (main.Config.args ?? []).includes(`--docker=unix://${NOMAD_DOCKER_API_SOCKET}`),
        `cadvisor is not pointed at the proxy's socket: ${JSON.stringify(main.Config.args)}`,
      );
      main.Config = {
        ...main.Config,
        image: MOUNT_PROBE_REF,
        entrypoint: ["/bin/busybox", "httpd", "-f", "-p", String(spec.ports[0].containerPort), "-h", "/www"],
        args: [],
      };
      try {
        await okJson(nomad(first, "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: job }) }), "cadvisor job");
        const { value: alloc } = await waitFor(
          "cadvisor's group running with its proxy",
          90,
          async () => {
            const allocs = await okJson<any[]>(nomad(first, "/v1/job/cadvisor/allocations"), "allocations");
            return allocs.find(
              (a) =>
                a.ClientStatus === "running" &&
                ["cadvisor", DOCKER_API_PROXY_TASK].every((t) => a.TaskStates?.[t]?.State === "running"),
            );
          },
          250,
        ).catch(async (e) => {
          const allocs = await okJson<any[]>(nomad(first, "/v1/job/cadvisor/allocations"), "allocations");
          const detail = allocs.map(
            (a) =>
              `${a.NodeName} ${a.ClientStatus}: ${Object.entries(a.TaskStates ?? {})
                .map(
                  ([t, st]: [string, any]) =>
                    `${t} ${st.State} (${(st.Events ?? []).map((ev: any) => ev.DisplayMessage || ev.Type).join(" | ")})`,
                )
                .join("; ")}`,
          );
          throw new Error(`${e.message}: ${detail.join(" // ") || "no allocation"}`);
        });
        const host = hosts.clients.find((h) => h.vm.name === alloc.NodeName)!;
        const docker = (...args: string[]) => run("docker", ["-H", `unix://${host.dockerSocket}`, ...args]);
        const mountsOf = (task: string) =>
          (JSON.parse(docker("inspect", `${task}-${alloc.ID}`))[0].Mounts as any[]).map(
            (m) => `${m.Source}:${m.Destination}`,
          );
        const engineSocket = (m: string) => /^(\/var)?\/run\/docker\.sock:/.test(m);
        assert(
          !mountsOf("cadvisor").some(engineSocket),
          `cadvisor mounts the engine's socket: ${mountsOf("cadvisor").join(", ")}`,
        );
        assert(
          mountsOf(DOCKER_API_PROXY_TASK).some(engineSocket),
          `the proxy has no engine socket: ${mountsOf(DOCKER_API_PROXY_TASK).join(", ")}`,
        );
        const underRootfsRun = docker("exec", `cadvisor-${alloc.ID}`, "/bin/busybox", "ls", "-A", "/rootfs/run").trim();
        assert(underRootfsRun === "", `the node's /run shows through /rootfs/run: ${underRootfsRun}`);
        // The socket in the allocation directory, as cadvisor dials it (--docker=unix:///alloc/docker-api.sock).
        const socket = path.join(host.state, "opt/nomad/data/alloc", alloc.ID, NOMAD_DOCKER_API_SOCKET);
        const ask = (method: string, urlPath: string) =>
          new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = http.request({ socketPath: socket, method, path: urlPath }, (res) => {
              let body = "";
              res.on("data", (d) => (body += d));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            });
            req.on("error", reject);
            req.end();
          });
        const listed = await ask("GET", "/v1.41/containers/json");
        const names = listed.status === 200 ? JSON.parse(listed.body).flatMap((c: any) => c.Names) : [];
        assert(
          names.includes(`/cadvisor-${alloc.ID}`),
          `the engine's container list through the proxy: ${listed.status} ${listed.body.slice(0, 200)}`,
        );
        const refused: string[] = [];
        for (const [method, urlPath] of [
          ["POST", "/v1.41/containers/create"],
          ["POST", `/v1.41/containers/cadvisor-${alloc.ID}/exec`],
          ["GET", `/v1.41/containers/cadvisor-${alloc.ID}/export`],
          ["GET", "/v1.41/secrets"],
          ["DELETE", `/v1.41/containers/cadvisor-${alloc.ID}`],
        ]) {
          const answer = await ask(method, urlPath);
          if (answer.status !== 403) refused.push(`${method} ${urlPath}: ${answer.status}`);
        }
        assert(refused.length === 0, `the proxy let through: ${refused.join("; ")}`);
        return `on ${host.vm.name}: ${names.length} containers listed through ${NOMAD_DOCKER_API_SOCKET}; create, exec, export, secrets, delete → 403; the engine's socket only in ${DOCKER_API_PROXY_TASK}; /rootfs/run empty`;
      } finally {
        await nomad(first, "/v1/job/cadvisor?purge=true", { method: "DELETE" });
        fs.rmSync(path.dirname(proxyArchive), { recursive: true, force: true });
      }
    },
  );

  await check("TLS required: plain HTTP refused; servers refuse HTTPS clients without a certificate", async () => {
    const notes: string[] = [];
    for (const host of [first, hosts.clients[0]]) {
      const plainConsul = await plainRequest(host.address, CONSUL_HTTPS, "/v1/status/leader");
      assert(
        "error" in plainConsul || plainConsul.status === 400,
        `${host.vm.name} consul plain HTTP on ${CONSUL_HTTPS}: ${JSON.stringify(plainConsul)}`,
      );
      assert(
        !(await accepts(host.address, 8500)),
        `${host.vm.name}: Consul's plain HTTP port 8500 accepts connections`,
      );
      const plainNomad = await plainRequest(host.address, NOMAD_HTTP, "/v1/status/leader");
      assert(
        "error" in plainNomad || plainNomad.status === 400,
        `${host.vm.name} nomad plain HTTP: ${JSON.stringify(plainNomad)}`,
      );
      notes.push(
        `${host.vm.name}: plain HTTP → consul ${"error" in plainConsul ? plainConsul.error : plainConsul.status}, nomad ${"error" in plainNomad ? plainNomad.error : plainNomad.status}, :8500 closed`,
      );
    }
    const refused = async (api: typeof consul, host: Host, what: string) => {
      try {
        const a = await api(host, "/v1/status/leader", { clientCert: false, token: "" });
        throw new AssertionFailed(`${what} on ${host.vm.name} answered ${a.status} to a client without a certificate`);
      } catch (error) {
        if (error instanceof AssertionFailed) throw error;
        return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      }
    };
    for (const host of hosts.servers)
      notes.push(
        `${host.vm.name} without client cert → consul ${await refused(consul, host, "Consul")}, nomad ${await refused(nomad, host, "Nomad")}`,
      );
    for (const host of hosts.clients)
      notes.push(`${host.vm.name} without client cert → nomad ${await refused(nomad, host, "Nomad")}`);
    // As the lab renders it: Consul client agents do not verify HTTPS clients (ACL tokens protect them).
    const clientAgent = await consul(hosts.clients[0], "/v1/status/leader", { clientCert: false, token: "" });
    notes.push(
      `${hosts.clients[0].vm.name} consul without client cert → ${clientAgent.status} (by design: tls.https.verify_incoming is off on client agents)`,
    );
    const wrongName = await request({ ...tls }, first.address, CONSUL_HTTPS, "/v1/status/leader").then((a) => a.status);
    assert(wrongName === 200, `operator certificate refused: ${wrongName}`);
    return notes.join("; ");
  });

  await check(
    "one of three servers fails: the cluster keeps a leader and keeps scheduling; the server rejoins when restarted",
    async () => {
      const consulLeader = hostOfRaftAddress((await leaderOf(consul, first)) ?? "");
      assert(consulLeader, "no Consul leader");
      const victim = consulLeader;
      const others = hosts.servers.filter((h) => h !== victim);
      const nomadLeaderBefore = hostOfRaftAddress((await leaderOf(nomad, first)) ?? "")?.vm.name;
      const t0 = Date.now();
      // The server host fails: both its agents end at once, without leaving.
      await Promise.all([hosts.kill(victim, "consul"), hosts.kill(victim, "nomad")]);
      const newLeader = async (api: typeof consul) => {
        for (const host of others) {
          const leader = await leaderOf(api, host).catch(() => undefined);
          const h = leader ? hostOfRaftAddress(leader) : undefined;
          if (h && h !== victim) return h.vm.name;
        }
        return undefined;
      };
      const [c, n] = await Promise.all([
        waitFor("a new Consul leader", 60, () => newLeader(consul), 200),
        waitFor("a Nomad leader among the others", 60, () => newLeader(nomad), 200),
      ]);
      measured(`consul leader ${victim.vm.name} killed → new leader (${c.value})`, c.seconds);
      measured(
        `nomad: server ${victim.vm.name} killed → leader among the others (${n.value}${nomadLeaderBefore === victim.vm.name ? ", was the leader" : ", was not the leader"})`,
        n.seconds,
      );
      // Writes keep working with 2 of 3.
      const kv = await consul(others[0], "/v1/kv/argo-e2e/failover", { method: "PUT", body: "kept" });
      assert(kv.status === 200, `KV write with 2 of 3 servers: ${kv.status} ${kv.body}`);
      // Nomad keeps scheduling with 2 of 3: a job submitted now gets an allocation on a client.
      const probe = {
        ID: "e2e-schedule-probe",
        Name: "e2e-schedule-probe",
        Type: "batch",
        Region: NOMAD_E2E.nomad!.region,
        Datacenters: [NOMAD_E2E.nomad!.datacenter],
        TaskGroups: [
          {
            Name: "probe",
            Count: 1,
            Tasks: [
              { Name: "probe", Driver: "docker", Config: { image: PAUSE_REF }, Resources: { CPU: 50, MemoryMB: 32 } },
            ],
          },
        ],
      };
      const submitted = await okJson<any>(
        nomad(others[0], "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: probe }) }),
        "a job submitted with 2 of 3 servers",
      );
      const { value: placedOn } = await waitFor(
        "the probe job placed with 2 of 3 servers",
        60,
        async () => {
          const allocs = await okJson<any[]>(
            nomad(others[0], "/v1/job/e2e-schedule-probe/allocations"),
            "probe allocations",
          );
          return allocs.find((a) => a.NodeName)?.NodeName as string | undefined;
        },
        250,
      );
      await nomad(others[0], "/v1/job/e2e-schedule-probe?purge=true", { method: "DELETE" });
      assert(submitted.EvalID && placedOn, "the probe job was not placed");
      // Restart only once both clusters have noticed the failure (a member "failed"), so the rejoin is measured.
      const detected = await Promise.all([
        waitFor(
          `Consul to mark ${victim.vm.name} failed`,
          60,
          async () =>
            (await okJson<any[]>(consul(others[0], "/v1/agent/members"), "members")).find(
              (m) => m.Name === victim.vm.name,
            )?.Status === 4
              ? true
              : undefined,
          250,
        ),
        waitFor(
          `Nomad to mark ${victim.vm.name} failed`,
          60,
          async () =>
            (await okJson<any>(nomad(others[0], "/v1/agent/members"), "members")).Members.find((m: any) =>
              m.Name.startsWith(`${victim.vm.name}.`),
            )?.Status === "failed"
              ? true
              : undefined,
          250,
        ),
      ]);
      measured(
        `${victim.vm.name} killed → marked failed by Consul / Nomad`,
        Math.max(...detected.map((d) => d.seconds)),
        `consul ${detected[0].seconds.toFixed(1)} s, nomad ${detected[1].seconds.toFixed(1)} s after the new leaders`,
      );
      await sleep(1000);
      const t1 = Date.now();
      startConsul(victim);
      startNomad(victim);
      const [cr, nr] = await Promise.all([
        consulConverged(120, `${victim.vm.name} back in Consul (5 alive, 3 healthy voters)`),
        nomadConverged(120, `${victim.vm.name} back in Nomad (3 healthy voters)`),
      ]);
      measured(`consul: ${victim.vm.name} restarted → 3 healthy voters, 5 alive`, cr);
      measured(`nomad: ${victim.vm.name} restarted → 3 healthy voters`, nr);
      const read = await okJson<any[]>(consul(victim, "/v1/kv/argo-e2e/failover"), "KV read on the rejoined server");
      assert(
        Buffer.from(read[0].Value, "base64").toString() === "kept",
        "the write made while it was down is not on the rejoined server",
      );
      await consul(first, "/v1/kv/argo-e2e?recurse", { method: "DELETE" });
      return `killed ${victim.vm.name} (consul leader${nomadLeaderBefore === victim.vm.name ? ", nomad leader" : ""}); new leaders consul ${c.value}, nomad ${n.value}; a job submitted meanwhile placed on ${placedOn}; rejoined in ${((Date.now() - t1) / 1000).toFixed(1)} s; whole drill ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  );
}

// ---------------------------------------------------------------------------------------------- part 4: deploy nomad-lab

/** A program run without blocking the event loop, killed (only it: its own process group) at the deadline. */
function runAsync(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; log: string },
): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const log = fs.openSync(options.log, "a");
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", log, log],
      detached: true,
    });
    fs.closeSync(log);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // gone
      }
    }, options.timeoutMs);
    child.on("exit", (code) => (clearTimeout(timer), resolve({ code, timedOut })));
  });
}

async function jobReport(): Promise<{ ok: string[]; failed: string[] }> {
  const [first] = hosts.servers;
  const jobs = await okJson<any[]>(nomad(first, "/v1/jobs"), "jobs");
  const ok: string[] = [];
  const failed: string[] = [];
  for (const job of jobs.sort((a, b) => a.ID.localeCompare(b.ID))) {
    const allocs = await okJson<any[]>(
      nomad(first, `/v1/job/${encodeURIComponent(job.ID)}/allocations`),
      `${job.ID} allocations`,
    );
    const running = allocs.filter((a) => a.ClientStatus === "running").length;
    const deployment =
      job.Type === "service"
        ? await okJson<any>(
            nomad(first, `/v1/job/${encodeURIComponent(job.ID)}/deployment`),
            `${job.ID} deployment`,
          ).catch(() => null)
        : null;
    const reasons = new Set<string>();
    for (const alloc of allocs) {
      for (const [task, state] of Object.entries<any>(alloc.TaskStates ?? {})) {
        for (const event of state.Events ?? [])
          if (event.FailsTask || /fail|error|Killing|Not Restarting/i.test(event.Type) || event.DriverError)
            reasons.add(`${task}: ${event.DisplayMessage || event.DriverError || event.Type}`.slice(0, 220));
      }
    }
    // The last words of each task that failed, from the client that ran it (Nomad's logs API).
    for (const alloc of allocs.filter((a) => a.ClientStatus !== "running").slice(0, 1)) {
      for (const [task, state] of Object.entries<any>(alloc.TaskStates ?? {})) {
        if (!state.Failed) continue;
        const logs = await nomad(
          first,
          `/v1/client/fs/logs/${alloc.ID}?task=${encodeURIComponent(task)}&type=stderr&origin=end&offset=600&plain=true`,
        ).catch(() => undefined);
        const tail =
          logs?.status === 200 ? logs.body.trim().split("\n").slice(-3).join(" | ") : `logs: ${logs?.status}`;
        if (tail) reasons.add(`${task} stderr: ${tail}`.slice(0, 400));
      }
    }
    // Why the scheduler placed nothing (resources exhausted, constraints filtered), from its evaluations.
    const evaluations = await okJson<any[]>(
      nomad(first, `/v1/job/${encodeURIComponent(job.ID)}/evaluations`),
      `${job.ID} evaluations`,
    ).catch(() => []);
    for (const evaluation of evaluations) {
      for (const [group, failed] of Object.entries<any>(evaluation.FailedTGAllocs ?? {})) {
        reasons.add(
          `placement of ${group} failed: ${JSON.stringify({ exhausted: failed.DimensionExhausted, filtered: failed.ConstraintFiltered, classes: failed.ClassExhausted })}`.slice(
            0,
            300,
          ),
        );
      }
    }
    const summary = `${job.ID} (${job.Type}): ${deployment ? `deployment ${deployment.Status}${deployment.StatusDescription ? ` — ${deployment.StatusDescription}` : ""}, ` : ""}${running}/${allocs.length} allocations running`;
    const good = deployment
      ? deployment.Status === "successful"
      : job.Type === "system"
        ? running > 0 && running === allocs.length
        : running > 0;
    (good ? ok : failed).push(
      good
        ? summary
        : `${summary}${reasons.size ? `\n          ${[...reasons].slice(0, 6).join("\n          ")}` : ""}`,
    );
  }
  return { ok, failed };
}

async function deployNomadLab(outdir: string): Promise<void> {
  const stackDir = path.join(outdir, "stacks", NOMAD_E2E.nomad!.stackName!);
  let prepared: ReturnType<typeof prepareDeploy> | undefined;
  if (process.env.ARGO_NOMAD_E2E_PARTS === "available") {
    const config: TerraformJson = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    const providers = findProviders(
      Object.values(config.terraform?.required_providers ?? {}).map((p) => ({ source: p.source, version: p.version })),
    );
    if (!providers.ok) {
      console.log(`  – deploying nomad-lab: not run: ${providers.reason} (ARGO_NOMAD_E2E_PARTS=available)`);
      return;
    }
  }
  const ready = await check(
    "nomad-lab deploy: real providers from a mirror, stand-in images in every client's engine",
    async () => {
      const t0 = Date.now();
      prepared = prepareDeploy({ work, stackDir, clients: hosts.clients, server: hosts.servers[0], tls, tokens });
      if (!prepared.ok) throw new Error(prepared.reason);
      measured("stand-in images built and loaded into 2 engines", (Date.now() - t0) / 1000);
    },
  );
  if (!ready || !prepared?.ok) return;
  const { env: baseEnv, terraform } = prepared;
  const log = path.join(work, "terraform-nomad-lab.log");
  // The runbook's steps, as a deployer runs them (e2e/nomad/deploy.ts says what is adapted), in a directory
  // holding this checkout's cdktf.json with its app run from the checkout.
  const deployerEnvFile = path.join(work, "deployer.env");
  const steps = runbookDeployScript(
    fs.readFileSync(path.join(ROOT, RUNBOOK), "utf8"),
    NOMAD_E2E.nomad!.stackName!,
    deployerEnvFile,
  );
  const outputsKnown = await check("the runbook's deploy steps name only outputs the lab stack has", async () => {
    const labConfig: TerraformJson = JSON.parse(
      fs.readFileSync(path.join(outdir, "stacks", LAB_STACK, "cdk.tf.json"), "utf8"),
    );
    const missing = steps.labOutputsRead.filter(
      (o) => !(labConfig as any).output?.[o] || !prepared!.ok || !prepared!.labOutputs.includes(o),
    );
    assert(missing.length === 0, `${RUNBOOK} reads lab outputs the lab stack does not have: ${missing.join(", ")}`);
    return steps.labOutputsRead.join(", ");
  });
  if (!outputsKnown) return;
  const cdktfJson = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8"));
  fs.writeFileSync(
    path.join(work, "cdktf.json"),
    JSON.stringify({ ...cdktfJson, app: `cd ${JSON.stringify(ROOT)} && ${cdktfJson.app}` }, null, 2),
  );
  // npx finds cdktf where a checkout has it: the work directory stands in for the checkout's root.
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(work, "package.json"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"));
  const deployEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    PATH: `${path.join(ROOT, "node_modules", ".bin")}:${baseEnv.PATH}`,
    ARGO_ENVIRONMENTS: path.join(__dirname, "environment.ts"),
  };
  let env: NodeJS.ProcessEnv = deployEnv;
  const applied = await check(
    "nomad-lab: the runbook's deploy steps (npx cdktf deploy, waits for every job's deployment)",
    async () => {
      const t0 = Date.now();
      fs.writeFileSync(log, "");
      const r = await runAsync("bash", ["-c", steps.script], { cwd: work, env: deployEnv, timeoutMs: 900000, log });
      if (fs.existsSync(deployerEnvFile)) {
        env = Object.fromEntries(
          fs
            .readFileSync(deployerEnvFile, "utf8")
            .split("\0")
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
      }
      measured(
        `runbook steps: npx cdktf deploy of nomad-lab (${r.timedOut ? "timed out" : `exit ${r.code}`})`,
        (Date.now() - t0) / 1000,
      );
      const report = await jobReport().catch((e) => ({
        ok: [] as string[],
        failed: [`no job report: ${(e as Error).message}`],
      }));
      const errors = fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => /^Error: /.test(l) || /^│ Error: /.test(l))
        .slice(0, 20);
      const state = await consul(
        hosts.servers[0],
        `/v1/kv/${NOMAD_E2E.nomad!.backend?.kind === "consul" ? NOMAD_E2E.nomad!.backend.pathPrefix : "terraform/argo"}/${NOMAD_E2E.nomad!.stackName}`,
      );
      const lines = [
        `state in Consul KV: ${state.status === 200 ? "yes" : `no (${state.status})`}`,
        `jobs whose deployment succeeded (${report.ok.length}):`,
        ...report.ok.map((l) => `  ${l}`),
        `jobs that failed (${report.failed.length}):`,
        ...report.failed.map((l) => `  ${l}`),
        ...(errors.length ? ["terraform errors:", ...errors.map((e) => `  ${e}`)] : []),
      ];
      console.log(`      ${lines.join("\n      ")}`);
      assert(
        r.code === 0 && report.failed.length === 0,
        `the deploy steps ${r.timedOut ? "timed out" : `exited ${r.code}`}${r.code ? `:\n${fs.readFileSync(log, "utf8").trim().split("\n").slice(-15).join("\n")}` : ""}; ${report.failed.length} job(s) failed (above)`,
      );
    },
  );
  if (!applied) return;
  const backend = NOMAD_E2E.nomad!.backend ?? NOMAD_E2E.backend;
  await deployTokenChecks({
    server: hosts.servers[0],
    consul,
    nomad,
    env,
    stateKey: `${backend?.kind === "consul" ? backend.pathPrefix : "terraform/argo"}/${NOMAD_E2E.nomad!.stackName}`,
    management: { consul: tokens.consulManagement, nomad: tokens.nomadManagement },
  });
  const terraformRun = async (args: readonly string[], timeoutMs: number) => {
    const runLog = path.join(work, `terraform-${args[0]}.log`);
    fs.writeFileSync(runLog, "");
    const r = await runAsync(terraform, args, { cwd: stackDir, env, timeoutMs, log: runLog });
    return { code: r.code, log: fs.readFileSync(runLog, "utf8") };
  };
  const startClient = (host: Host) => {
    startConsul(host);
    startDocker(host);
    startNomad(host);
  };
  // ARGO_NOMAD_E2E_PARTS=review: the review part (e2e/nomad/review.ts) right after the deployment, without its checks.
  const parts = process.env.ARGO_NOMAD_E2E_PARTS ?? "all";
  if (parts !== "review")
    await deployedChecks({
      hosts,
      consul,
      nomad,
      stackDir,
      consulToken: tokens.consulManagement,
      terraform: terraformRun,
      powerOff: (h) => hosts.powerOff(h),
      startClient,
    });
  if (parts !== "deploy")
    await reviewChecks({ work, outdir, stackDir, env, terraform, nomad, server: hosts.servers[0] });
}

// ---------------------------------------------------------------------------------------------- main

let tornDown = false;
function teardown(): void {
  if (tornDown) return;
  tornDown = true;
  const start = Date.now();
  hosts.destroy();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.log(`  teardown: ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  preflight();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      console.log(`\n${signal}: tearing down`);
      teardown();
      process.exit(130);
    });
  }
  process.on("exit", teardown);
  console.log(
    `test:e2e:nomad: the lab's Nomad ${pinnedTool("nomad").found ? "1.8.4" : "?"} + Consul 1.19.2 cluster on ${BRIDGE.name} (${BRIDGE.cidr}): ${nomadVms.map((v) => `${v.name} ${v.address}`).join(", ")}`,
  );
  try {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "argo-nomad-e2e-"));
    const outdir = path.join(work, "cdktf.out");
    await step("synth of the e2e environment (lab + nomad-lab stacks)", () => {
      run(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "main.ts")], {
        cwd: ROOT,
        env: { ...process.env, CDKTF_OUTDIR: outdir, ARGO_ENVIRONMENTS: path.join(__dirname, "environment.ts") },
      });
    });
    const config: TerraformJson = JSON.parse(
      fs.readFileSync(path.join(outdir, "stacks", LAB_STACK, "cdk.tf.json"), "utf8"),
    );
    const values = await step("the lab's PKI, gossip keys and token IDs", () =>
      process.env.ARGO_NOMAD_E2E_VALUES === "openssl"
        ? labValues(config, work, { forceFallback: true })
        : labValues(config, work),
    );
    console.log(`  values: ${values.source}`);
    const find = (type: string, part: string, attribute: string) => {
      const key = [...values.values.keys()].find(
        (k) => k.startsWith(`${type}.`) && k.includes(part) && k.endsWith(`.${attribute}`),
      );
      if (!key) throw new Error(`no ${type} *${part}* ${attribute} in the lab stack`);
      return values.values.get(key)!;
    };
    // The lab's operator certificate (outputs operator_cert_pem/operator_key_pem), as a deployer uses it.
    tls = {
      ca: find("tls_self_signed_cert", "_ca_cert_", "cert_pem"),
      cert: find("tls_locally_signed_cert", "_ca_operator_cert_", "cert_pem"),
      key: find("tls_private_key", "_ca_operator_key_", "private_key_pem"),
    };
    await bringUp(config, values.values);
    // ARGO_NOMAD_E2E_PARTS=cluster: only the cluster; =available: the deployment too where the providers are in a
    // mirror (CI: a fresh machine cannot build them); =deploy: bring-up and the deployment, without the cluster's
    // own checks (when working on the deployment).
    const parts = process.env.ARGO_NOMAD_E2E_PARTS ?? "all";
    if (results.every((r) => r.ok) && parts !== "deploy" && parts !== "review") await checks(outdir);
    if (results.every((r) => r.ok) && parts !== "cluster") await deployNomadLab(outdir);
  } catch (error) {
    if (!(error instanceof AssertionFailed)) {
      results.push({ name: "the e2e run itself", ok: false, detail: (error as Error).stack ?? String(error) });
      console.log(`  ✗ the e2e run stopped: ${(error as Error).stack ?? error}`);
      for (const host of hosts.all)
        if (host.holder)
          for (const agent of ["consul", "nomad"] as const)
            console.log(`--- ${host.vm.name} ${agent} log (last lines) ---\n${host.logTail(agent, 8)}`);
    }
  } finally {
    // ARGO_NOMAD_E2E_HOLD_SEC: keep a failed run's cluster up that long, to look at it (tokens in its work directory).
    const hold = Number(process.env.ARGO_NOMAD_E2E_HOLD_SEC ?? 0);
    if (hold > 0 && !results.every((r) => r.ok)) {
      fs.writeFileSync(
        path.join(work, "hold.env"),
        `NOMAD_ADDR=https://${hosts.servers[0].address}:${NOMAD_HTTP}\nNOMAD_TOKEN=${tokens?.nomadManagement}\nCONSUL_HTTP_TOKEN=${tokens?.consulManagement}\n`,
        { mode: 0o600 },
      );
      console.log(
        `  holding the cluster ${hold} s (${path.join(work, "hold.env")}; netns of each host: ip netns / nsenter)`,
      );
      await sleep(hold * 1000);
    }
    teardown();
  }
  summarize(
    "measured times (this machine, 2 cores: 3 Nomad/Consul servers + 2 clients in namespaces)",
    86,
    `e2e:nomad: ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
}

void main();
