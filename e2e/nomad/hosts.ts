/**
 * The lab's Nomad/Consul VMs as hosts on this machine: each is a network namespace on a private bridge and a
 * mount namespace in which the paths the lab stack renders exist as on the VM, without changing them:
 * /etc and /usr/local are overlays of this machine's (the agents' files are written into the upper layer at
 * the paths cloud-init writes them: /etc/consul.d, /etc/nomad.d, /usr/local/sbin/...), /opt (the agents' data
 * dirs, /opt/cni/bin) and /srv (host volumes) are the host's own directories, /run is private (so
 * /var/run/docker.sock is the client's own engine) and so is /var/lib/docker; its mounts are then made shared
 * within it, as systemd makes a VM's (a task's rslave bind of `/` needs that). A holder process keeps the
 * namespaces; every agent is started in them with nsenter (`ip netns exec` would remount /sys and hide cgroups).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { LabVm } from "../../environments";
import { attempt, pause, run, spawnText, waitFor } from "../shell";
import { BRIDGE } from "./environment";

export const STATE_DIR = "/var/tmp/argo-nomad-e2e";
/** Every cgroup the harness' processes can be in (Nomad's cgroup_parent, dockerd's --cgroup-parent) starts so. */
export const CGROUP_PREFIX = "argo-nomad-e2e-";
const FORWARD_RULES = [
  // Hosts on the bridge reach each other (Docker may set this host's FORWARD policy to DROP) ...
  ["FORWARD", "-i", BRIDGE.name, "-o", BRIDGE.name, "-j", "ACCEPT"],
  // ... and nothing else: the namespaces' default route (the lab's gateway, the bridge address) ends here.
  ["FORWARD", "-i", BRIDGE.name, "!", "-o", BRIDGE.name, "-j", "DROP"],
];

export type Agent = "consul" | "nomad" | "dockerd" | "jwks-relay";

export interface WrittenFile {
  readonly path: string;
  readonly content: Buffer;
  readonly permissions: string;
}

export class Host {
  readonly ns: string;
  readonly state: string;
  holder?: number;
  readonly agents = new Map<Agent, number>();

  constructor(readonly vm: LabVm) {
    this.ns = `argo-nomad-${vm.name}`;
    this.state = path.join(STATE_DIR, vm.name);
  }

  get isServer(): boolean {
    return this.vm.role === "nomad-server";
  }
  get address(): string {
    return this.vm.address;
  }
  get dockerSocket(): string {
    return path.join(this.state, "docker.sock");
  }
  log(agent: Agent): string {
    return path.join(this.state, `${agent}.log`);
  }
  /** A path inside this host's mount namespace, as seen from this machine. */
  inside(p: string): string {
    return `/proc/${this.holder}/root${p}`;
  }

  logTail(agent: Agent, lines = 25): string {
    const file = this.log(agent);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n") : "(no log)";
  }
}

const layer = (host: Host, name: string) => path.join(host.state, name);

/** Writes a file into the host's view of `/etc/...` or `/usr/local/...` (their upper layers) before the mounts. */
export function writeIntoHost(host: Host, file: WrittenFile): void {
  const roots: [string, string][] = [
    ["/etc/", layer(host, "etc-upper")],
    ["/usr/local/", layer(host, "usr-local-upper")],
    ["/opt/", layer(host, "opt")],
  ];
  const root = roots.find(([prefix]) => file.path.startsWith(prefix));
  if (!root) throw new Error(`${host.vm.name}: ${file.path} is outside the paths this harness maps`);
  const target = path.join(root[1], file.path.slice(root[0].length));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, file.content);
  fs.chmodSync(target, parseInt(file.permissions, 8));
}

export class Hosts {
  readonly all: Host[];

  constructor(vms: readonly LabVm[]) {
    this.all = vms.map((vm) => new Host(vm));
  }

  get servers(): Host[] {
    return this.all.filter((h) => h.isServer);
  }
  get clients(): Host[] {
    return this.all.filter((h) => !h.isServer);
  }
  byName(name: string): Host {
    const host = this.all.find((h) => h.vm.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /** Bridge, namespaces, the hosts' directories (files are written into them before `start`). */
  create(): void {
    this.destroy(); // what an interrupted run may have left
    run("ip", ["link", "add", BRIDGE.name, "type", "bridge"]);
    run("ip", ["addr", "add", `${BRIDGE.address}/${BRIDGE.prefixLength}`, "dev", BRIDGE.name]);
    run("ip", ["link", "set", BRIDGE.name, "up"]);
    run("iptables", ["-I", ...FORWARD_RULES[0].slice(0, 1), "1", ...FORWARD_RULES[0].slice(1)]);
    run("iptables", ["-I", ...FORWARD_RULES[1].slice(0, 1), "2", ...FORWARD_RULES[1].slice(1)]);
    for (const host of this.all) {
      run("ip", ["netns", "add", host.ns]);
      const veth = `vn-${host.vm.name}`;
      run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.ns]);
      run("ip", ["link", "set", veth, "master", BRIDGE.name, "up"]);
      run("ip", ["-n", host.ns, "addr", "add", `${host.address}/${BRIDGE.prefixLength}`, "dev", "eth0"]);
      run("ip", ["-n", host.ns, "link", "set", "eth0", "up"]);
      run("ip", ["-n", host.ns, "link", "set", "lo", "up"]);
      // As on a lab VM: a default route through the lab's gateway (here the bridge, where FORWARD drops it).
      run("ip", ["-n", host.ns, "route", "add", "default", "via", BRIDGE.address]);
      // Nothing leaves a host for an address off the bridge, not even as far as this machine: dropped on the way out
      // of eth0 (mangle, which Docker's own rules in the namespace never reorder), whether sent by an agent, an
      // engine (image pulls) or a container.
      run("nsenter", [
        `--net=/var/run/netns/${host.ns}`,
        "iptables",
        "-t",
        "mangle",
        "-A",
        "POSTROUTING",
        "-o",
        "eth0",
        "!",
        "-d",
        BRIDGE.cidr,
        "-j",
        "DROP",
      ]);
      for (const dir of ["etc-upper", "etc-work", "usr-local-upper", "usr-local-work", "opt", "srv", "docker"])
        fs.mkdirSync(layer(host, dir), { recursive: true });
    }
  }

  /** Starts a host's holder process: the mount namespace with the lab's paths, its hostname. */
  async boot(host: Host): Promise<void> {
    fs.mkdirSync("/var/lib/docker", { recursive: true }); // the mount point Debian's docker.io leaves
    const overlay = (dir: string, name: string) =>
      `mount -t overlay overlay -o lowerdir=${dir},upperdir=${layer(host, `${name}-upper`)},workdir=${layer(host, `${name}-work`)} ${dir}`;
    const script = [
      "set -e",
      overlay("/etc", "etc"),
      overlay("/usr/local", "usr-local"),
      `mount --bind ${layer(host, "opt")} /opt`,
      `mount --bind ${layer(host, "srv")} /srv`,
      "mount -t tmpfs -o mode=755 tmpfs /run",
      `mount --bind ${layer(host, "docker")} /var/lib/docker`,
      `hostname ${host.vm.name}`,
      // As systemd leaves a VM's mounts: shared (here among this host's own mounts only, made private first).
      "mount --make-rshared /",
      "touch /run/argo-nomad-e2e.ready",
      "exec sleep infinity",
    ].join("\n");
    const log = fs.openSync(path.join(host.state, "holder.log"), "a");
    const child = spawn(
      "nsenter",
      [
        `--net=/var/run/netns/${host.ns}`,
        "unshare",
        "--mount",
        "--uts",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        script,
      ],
      { detached: true, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    child.unref();
    host.holder = child.pid!;
    fs.writeFileSync(path.join(host.state, "holder.pid"), String(child.pid));
    await waitFor(
      `${host.vm.name}'s namespaces`,
      20,
      () => (fs.existsSync(host.inside("/run/argo-nomad-e2e.ready")) ? true : undefined),
      100,
    ).catch((e) => {
      throw new Error(`${e.message}\n${fs.readFileSync(path.join(host.state, "holder.log"), "utf8")}`);
    });
  }

  /** Runs a command in a host's namespaces, synchronously (scripts the lab renders, checks). */
  exec(
    host: Host,
    command: readonly string[],
    options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ): { code: number; output: string } {
    const result = spawnSync("nsenter", ["-t", String(host.holder), "-m", "-n", "-u", "--", ...command], {
      encoding: "utf8",
      timeout: options.timeoutMs ?? 30000,
      env: options.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root" },
    });
    return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
  }

  /** Starts an agent in a host's namespaces as its systemd unit would (command line given), logging to the state dir. */
  start(host: Host, agent: Agent, command: readonly string[], env: NodeJS.ProcessEnv = {}): void {
    const log = fs.openSync(host.log(agent), "a");
    const child = spawn("nsenter", ["-t", String(host.holder), "-m", "-n", "-u", "--", ...command], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", ...env },
    });
    fs.closeSync(log);
    child.unref();
    host.agents.set(agent, child.pid!);
  }

  /**
   * The host loses power: every process of it dies at once (its agents, Docker, containerd, the containers and
   * Nomad's executors), only the namespace holder stays, so its agents can be started again.
   */
  async powerOff(host: Host): Promise<void> {
    const pids = () =>
      [
        ...new Set([
          ...spawnText("ip", ["netns", "pids", host.ns]).split(/\s+/).filter(Boolean).map(Number),
          ...cgroupPids(`${CGROUP_PREFIX}${host.vm.name}-`),
        ]),
      ].filter((p) => p > 1 && p !== host.holder && p !== process.pid);
    for (const pid of pids()) attempt("kill", ["-KILL", String(pid)]);
    await waitFor(
      `every process of ${host.vm.name} gone`,
      30,
      () => (pids().length === 0 ? true : (pids().forEach((p) => attempt("kill", ["-KILL", String(p)])), undefined)),
      200,
    );
    host.agents.clear();
  }

  /** Stops an agent (SIGKILL: a failing host) and waits until it is gone. */
  async kill(host: Host, agent: Agent, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const pid = host.agents.get(agent);
    if (pid === undefined) return;
    attempt("kill", [`-${signal.replace(/^SIG/, "")}`, String(pid)]);
    await waitFor(`${agent} on ${host.vm.name} to stop`, 30, () => (isRunning(pid) ? undefined : true), 100);
    host.agents.delete(agent);
  }

  /**
   * Removes everything `create`/`boot`/`start` made, whatever state it is in: every process in the hosts'
   * network namespaces and in the harness' cgroups (agents, dockerd, containerd, containers, Nomad's
   * executors), the namespaces, veths, bridge, firewall rules, cgroups and state directory. Synchronous: it also
   * runs from signal and exit handlers.
   */
  destroy(): void {
    const known = STATE_DIR && fs.existsSync(STATE_DIR) ? this.all : this.all;
    const pidsOf = () => {
      const pids = new Set<number>();
      for (const host of known) {
        if (fs.existsSync(`/var/run/netns/${host.ns}`)) {
          for (const p of spawnText("ip", ["netns", "pids", host.ns]).split(/\s+/).filter(Boolean)) pids.add(Number(p));
        }
      }
      for (const p of cgroupPids()) pids.add(p);
      return [...pids].filter((p) => p > 1 && p !== process.pid);
    };
    // Politely first (dockerd stops its containers), then by force.
    for (const pid of pidsOf()) attempt("kill", ["-TERM", String(pid)]);
    const deadline = Date.now() + 10000;
    while (pidsOf().length > 0 && Date.now() < deadline) pause(200);
    for (const pid of pidsOf()) attempt("kill", ["-KILL", String(pid)]);
    const killed = Date.now() + 5000;
    while (pidsOf().length > 0 && Date.now() < killed) pause(100);
    removeCgroups();
    for (const host of known) {
      attempt("ip", ["netns", "del", host.ns]);
      attempt("ip", ["link", "del", `vn-${host.vm.name}`]);
      host.agents.clear();
      host.holder = undefined;
    }
    attempt("ip", ["link", "del", BRIDGE.name]);
    for (const rule of FORWARD_RULES) while (attempt("iptables", ["-D", ...rule]));
    fs.rmSync(STATE_DIR, { recursive: true, force: true });
  }
}

export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function cgroupDirs(prefix = CGROUP_PREFIX): string[] {
  const root = "/sys/fs/cgroup";
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((controller) => {
    const dir = path.join(root, controller);
    try {
      return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
        .map((e) => path.join(dir, e.name));
    } catch {
      return [];
    }
  });
}

function cgroupPids(prefix = CGROUP_PREFIX): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    try {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
      const procs = path.join(dir, "cgroup.procs");
      if (fs.existsSync(procs)) pids.push(...fs.readFileSync(procs, "utf8").split("\n").filter(Boolean).map(Number));
    } catch {
      // gone meanwhile
    }
  };
  for (const dir of cgroupDirs(prefix)) walk(dir);
  return [...new Set(pids)];
}

function removeCgroups(): void {
  const remove = (dir: string) => {
    try {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) remove(path.join(dir, entry.name));
      fs.rmdirSync(dir);
    } catch {
      // still in use or gone
    }
  };
  for (const dir of cgroupDirs()) remove(dir);
}
