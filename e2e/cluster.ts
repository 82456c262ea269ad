import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Engine } from "./docker";
import { SWARM_DISPATCHER_HEARTBEAT_SEC } from "../constructs/lab/swarm-cluster";
import { attempt, pause, run, spawnText, waitFor } from "./shell";
import { ADMIN_CLIENT, BRIDGE, NODES, OUTSIDE_CLIENT, STATE_DIR, netnsOf, socketOf, type EngineNode } from "./topology";

const hostVeth = (node: EngineNode) => `v-${node.name}`;
const cgroupParent = (node: EngineNode) => `argo-e2e-${node.name}`;
const stateOf = (node: EngineNode) => path.join(STATE_DIR, node.name);
const logFileOf = (node: EngineNode) => path.join(stateOf(node), "dockerd.log");
const FORWARD_RULE = ["FORWARD", "-i", BRIDGE.name, "-o", BRIDGE.name, "-j", "ACCEPT"];

/**
 * A Swarm of Docker engines on this machine: each engine runs as root in its own network namespace (joined to
 * the others by a host bridge, no route anywhere else), its own mount namespace (a private /run, where its
 * /var/run/docker.sock is its own socket, and its data root at /var/lib/docker, so the model's host mounts
 * name this engine's files) and its own hostname (its Swarm node name).
 */
export class Cluster {
  readonly engines = new Map<string, Engine>(NODES.map((n) => [n.name, new Engine(n.name, socketOf(n))]));
  private readonly pids = new Map<string, number>();

  engine(name: string): Engine {
    const engine = this.engines.get(name);
    if (!engine) throw new Error(`no engine ${name}`);
    return engine;
  }

  async up(nodeLabels: Readonly<Record<string, readonly string[]>>): Promise<void> {
    this.down(); // what an interrupted run may have left
    run("ip", ["link", "add", BRIDGE.name, "type", "bridge"]);
    run("ip", ["addr", "add", `${BRIDGE.address}/${BRIDGE.prefixLength}`, "dev", BRIDGE.name]);
    for (const client of [ADMIN_CLIENT, OUTSIDE_CLIENT]) run("ip", ["addr", "add", `${client}/32`, "dev", BRIDGE.name]);
    run("ip", ["link", "set", BRIDGE.name, "up"]);
    // With br_netfilter loaded, bridged packets cross this host's FORWARD chain, which Docker may set to DROP.
    run("iptables", ["-I", ...FORWARD_RULE]);
    for (const node of NODES) {
      const ns = netnsOf(node);
      run("ip", ["netns", "add", ns]);
      run("ip", ["link", "add", hostVeth(node), "type", "veth", "peer", "name", "eth0", "netns", ns]);
      run("ip", ["link", "set", hostVeth(node), "master", BRIDGE.name, "up"]);
      run("ip", ["-n", ns, "addr", "add", `${node.address}/${BRIDGE.prefixLength}`, "dev", "eth0"]);
      run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      run("ip", ["-n", ns, "link", "set", "lo", "up"]);
      fs.mkdirSync(path.join(stateOf(node), "data"), { recursive: true });
    }
    for (const node of NODES) this.startEngine(node);
    await Promise.all(NODES.map((node) => this.waitForEngine(node)));
    await this.formSwarm(nodeLabels);
  }

  /** Starts (or restarts) a node's engine; its Swarm state survives in its data root. */
  startEngine(node: EngineNode): void {
    const state = stateOf(node);
    fs.mkdirSync(path.join(state, "data"), { recursive: true });
    // The mount point Debian's docker.io normally leaves; a machine whose engine never ran lacks it.
    fs.mkdirSync("/var/lib/docker", { recursive: true });
    const log = fs.openSync(logFileOf(node), "a");
    const script = [
      "mount -t tmpfs -o mode=755 tmpfs /run",
      `mount --bind ${state}/data /var/lib/docker`,
      `hostname ${node.name}`,
      [
        "exec dockerd --storage-driver=vfs --data-root=/var/lib/docker --exec-root=/run/docker",
        `--pidfile=${state}/dockerd.pid -H unix://${socketOf(node)} -H unix:///var/run/docker.sock`,
        // Nothing outside this machine is reachable: names Docker's DNS does not know fail at once.
        `--dns=127.0.0.1 --cgroup-parent=${cgroupParent(node)}`,
      ].join(" "),
    ].join(" && ");
    // `ip netns exec` would remount /sys and hide the cgroup mounts; nsenter --net does not.
    const child = spawn(
      "nsenter",
      [
        `--net=/var/run/netns/${netnsOf(node)}`,
        "unshare",
        "--mount",
        "--uts",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        script,
      ],
      {
        detached: true,
        stdio: ["ignore", log, log],
        // No registry is reachable: use local images without asking one.
        env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" },
      },
    );
    fs.closeSync(log);
    child.unref();
    this.pids.set(node.name, child.pid!);
  }

  async waitForEngine(node: EngineNode): Promise<void> {
    const engine = this.engine(node.name);
    try {
      await waitFor(
        `engine ${node.name}`,
        60,
        async () => ((await engine.api<{ Name: string }>("/info")).Name === node.name ? true : undefined),
        500,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${node.name} dockerd log ---\n${this.logTail(node)}`, {
        cause: error,
      });
    }
  }

  logTail(node: EngineNode, lines = 30): string {
    const file = logFileOf(node);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n") : "(no log)";
  }

  /** A node's dockerd log lines since `sinceMs` (epoch ms) whose message matches, each with its time. */
  logSince(node: EngineNode, sinceMs: number, match: RegExp): { at: number; message: string }[] {
    const file = logFileOf(node);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line) => {
        const at = Date.parse(/time="([^"]+)"/.exec(line)?.[1] ?? "");
        const message = /msg="([^"]*)"/.exec(line)?.[1] ?? "";
        return at >= sinceMs && match.test(message) ? [{ at, message }] : [];
      });
  }

  /** Stops a node's engine as an operator (or a failing host) would: dockerd ends, its containers with it. */
  async stopEngine(node: EngineNode): Promise<void> {
    const pid = this.pids.get(node.name);
    if (pid === undefined) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    await waitFor(`engine ${node.name} to stop`, 60, () => (fs.existsSync(`/proc/${pid}`) ? undefined : true), 250);
    this.pids.delete(node.name);
    // A host that goes down takes its network devices with it; here the namespace outlives dockerd, and an
    // overlay's VXLAN device left in it makes the restarted engine fail every task on that overlay ("error
    // creating vxlan interface: file exists") until the restart policy gives up.
    const ns = netnsOf(node);
    for (const line of run("ip", ["-n", ns, "-o", "link", "show", "type", "vxlan"]).split("\n").filter(Boolean)) {
      const name = line.split(":")[1].trim().split("@")[0];
      attempt("ip", ["-n", ns, "link", "del", name]);
    }
  }

  private async formSwarm(nodeLabels: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const [first, ...others] = NODES.filter((n) => n.role === "manager");
    const leader = this.engine(first.name);
    // Real addresses, not 127.0.0.1: overlay traffic (VXLAN, gossip) flows between the namespaces.
    const addr = (n: EngineNode) => [
      "--advertise-addr",
      n.address,
      "--listen-addr",
      `${n.address}:2377`,
      "--data-path-addr",
      n.address,
    ];
    // The lab's heartbeat (constructs/lab/swarm-cluster.ts), so a lost worker is noticed as on the lab.
    await leader.cli(["swarm", "init", ...addr(first), "--dispatcher-heartbeat", `${SWARM_DISPATCHER_HEARTBEAT_SEC}s`]);
    const token = {
      manager: (await leader.cli(["swarm", "join-token", "-q", "manager"])).trim(),
      worker: (await leader.cli(["swarm", "join-token", "-q", "worker"])).trim(),
    };
    for (const node of [...others, ...NODES.filter((n) => n.role === "worker")]) {
      await this.engine(node.name).cli([
        "swarm",
        "join",
        "--token",
        token[node.role],
        ...addr(node),
        `${first.address}:2377`,
      ]);
    }
    // As the lab stack does: label the nodes that hold persistent volumes.
    for (const [node, labels] of Object.entries(nodeLabels)) {
      await leader.cli(["node", "update", ...labels.flatMap((l) => ["--label-add", l]), node]);
    }
    await waitFor("every node ready", 60, async () => {
      const nodes = await leader.api<any[]>("/nodes");
      return nodes.length === NODES.length && nodes.every((n) => n.Status.State === "ready") ? true : undefined;
    });
  }

  /**
   * Removes everything `up` made, whatever state it is in: engines (dockerd, containerd and shims in the
   * namespace, containers in the engine's cgroups), namespaces, bridge, firewall rule, state directory.
   * Only processes started here are signalled, found by their namespace and cgroups.
   */
  down(): void {
    for (const node of NODES) {
      const pid = this.pids.get(node.name) ?? this.pidFromFile(node);
      if (pid !== undefined) attempt("kill", ["-TERM", String(pid)]);
    }
    const deadline = Date.now() + 30000;
    for (const node of NODES) {
      const pid = this.pids.get(node.name) ?? this.pidFromFile(node);
      while (pid !== undefined && fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) pause(200);
    }
    for (const node of NODES) {
      const ns = netnsOf(node);
      if (fs.existsSync(`/var/run/netns/${ns}`)) {
        const left = spawnText("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean);
        for (const pid of left) attempt("kill", ["-KILL", pid]);
      }
      for (const pid of this.cgroupPids(node)) attempt("kill", ["-KILL", String(pid)]);
    }
    const killed = Date.now() + 5000;
    while (NODES.some((n) => this.cgroupPids(n).length > 0) && Date.now() < killed) pause(200);
    for (const node of NODES) {
      this.removeCgroups(node);
      attempt("ip", ["netns", "del", netnsOf(node)]);
      attempt("ip", ["link", "del", hostVeth(node)]);
    }
    attempt("ip", ["link", "del", BRIDGE.name]);
    while (attempt("iptables", ["-D", ...FORWARD_RULE]));
    fs.rmSync(STATE_DIR, { recursive: true, force: true });
    this.pids.clear();
  }

  private pidFromFile(node: EngineNode): number | undefined {
    const file = path.join(stateOf(node), "dockerd.pid");
    if (!fs.existsSync(file)) return undefined;
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    // Only a dockerd started for this node (its pid file names our state directory).
    return pid > 0 &&
      fs.existsSync(`/proc/${pid}/cmdline`) &&
      fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateOf(node))
      ? pid
      : undefined;
  }

  private cgroupDirs(node: EngineNode): string[] {
    const root = "/sys/fs/cgroup";
    if (!fs.existsSync(root)) return [];
    return fs
      .readdirSync(root)
      .map((controller) => path.join(root, controller, cgroupParent(node)))
      .filter((dir) => fs.existsSync(dir));
  }

  private cgroupPids(node: EngineNode): number[] {
    const pids: number[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
      const procs = path.join(dir, "cgroup.procs");
      if (fs.existsSync(procs)) pids.push(...fs.readFileSync(procs, "utf8").split("\n").filter(Boolean).map(Number));
    };
    for (const dir of this.cgroupDirs(node)) walk(dir);
    return [...new Set(pids)];
  }

  private removeCgroups(node: EngineNode): void {
    const remove = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) remove(path.join(dir, entry.name));
      try {
        fs.rmdirSync(dir);
      } catch {
        // a cgroup still in use: its processes were killed above and it goes when they have exited
      }
    };
    for (const dir of this.cgroupDirs(node)) remove(dir);
  }
}
