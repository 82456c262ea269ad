/**
 * `npm run test:e2e`: ARGO's swarm-lab deployment on real Docker engines (see docs/swarm-lab.md, "Proving swarm-lab on
 * real engines", and docs/e2e-swarm-terraform.md). Starts a Swarm of local engines and deploys the swarm-lab
 * stack synthesized for the e2e environment in one or both of its renderings, one after the other
 * (ARGO_E2E_RENDERING=stack-file, the default, terraform or both): the stack file with `docker stack deploy`,
 * the kreuzwerker/docker resources with `terraform apply`. Against each it asserts convergence, ingress,
 * segmentation, secrets, self-healing, rollback and persistence; against Terraform also that a plan after each
 * apply shows no changes and that a new secret value reaches the services; with both, that the engine holds
 * the same specs for either. Prints every measured time, removes each rendering's objects before the next,
 * and tears everything down, also on failure or interruption.
 */
import { randomBytes } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ARGO, imageRef, runtimeDirCovers, selectApplication, type Application } from "../constructs/model";
import { volumeLabel } from "../constructs/node-labels";
import { dockerApiConsumers, planSwarmDeployment } from "../constructs/swarm/deployment";
import { DOCKER_API_PROXY_SERVICE, ENGINE_SOCKET, dockerApiVolume } from "../constructs/docker-api-proxy";
import { STACK_FILE } from "../constructs/swarm/stack-file";
import { LAB } from "../environments";
import { Cluster } from "./cluster";
import {
  FULL_CLUSTER,
  POLL_MS,
  THESIS_HARNESS,
  compare,
  comparisonTable,
  harnessName,
  thesisContender,
  type Column,
} from "./comparison";
import { DOCKER_CLI, query, type Engine } from "./docker";
import { differences, snapshot, type EngineSnapshot } from "./engine-specs";
import {
  BROKEN_OT_APP_TAG,
  E2E,
  STAND_IN_SUFFIX,
  dockerApiProxyStandInImage,
  ingressStandInImage,
} from "./environment";
import { buildStandInArchives, proxyStandIn, standIn, standInImages } from "./images";
import {
  selectedRenderings,
  StackFileRendering,
  TerraformRendering,
  type Rendering,
  type RenderingName,
} from "./renderings";
import { AssertionFailed, assert, check, measured, results, summarize, timings } from "./report";
import { RESULTS_FILE, renderResults } from "./results";
import { run, waitFor } from "./shell";
import { TerraformRuns, terraformReadiness } from "./terraform";
import { adaptThesisStack, readThesisStack, type ThesisStack } from "./thesis-stack";
import { ADMIN_CLIENT, MANAGER, NODES, OUTSIDE_CLIENT, STATE_DIR, type EngineNode } from "./topology";

const ROOT = path.resolve(__dirname, "..");
const NAMESPACE = E2E.swarm!.namespace;
const INGRESS_PORT = E2E.swarm!.ingressPort;
const app: Application = selectApplication(E2E.application, E2E.selection);
/** The deployment's object names, which both renderings give the engine. */
const DEPLOYMENT = planSwarmDeployment({
  app,
  target: E2E.swarm!,
  adminCidrs: E2E.adminCidrs,
  secretValue: (name) => name,
});
const SERVICE_NAMES = DEPLOYMENT.services.map((s) => s.name);
const NETWORK_NAMES = DEPLOYMENT.networks.map((n) => n.name);
const VOLUME_NAMES = DEPLOYMENT.volumes.map((v) => `${NAMESPACE}_${v}`);
const cluster = new Cluster();
const manager = cluster.engine(MANAGER.name);
let work = "";
let terraformRuns: TerraformRuns | undefined;
/** Whether this run started (and so may stop) the cluster: with nothing to deploy it never touches one. */
let clusterStarted = false;
/** The comparison's columns (the thesis' file on two harnesses), then ours from the stack file's checks. */
const comparison = new Map<string, Column>();
const oursOnFullCluster: Column = {};
/** Why ours is measured on 1 manager + 4 workers only (found on this machine; docs/e2e-swarm-comparison.md). */
const OURS_NOT_ON_THE_ISSUES_HARNESS =
  "ours runs on 1 manager + 4 workers only: on 1 + 2, even without alertmanager, loki and alloy (which the thesis did not run), the model's reservations (3.35 CPUs of replicated services, 0.3 per node) leave 0.05 of the two 2-CPU workers' CPUs free; Swarm placed the unpinned tasks first and postgres waited for room (deploy 87.9 s), its clients used up their 5 restarts within 2 minutes, and a query-api container killed then was not restarted";
let engineVersion = "unknown";
let thesisChanges: readonly string[] = [];

/** ARGO_E2E_COMPARISON: the thesis comparison with the renderings (on, the default), without them (only), or not (off). */
function comparisonMode(value = process.env.ARGO_E2E_COMPARISON ?? "on"): "on" | "only" | "off" {
  if (value === "on" || value === "only" || value === "off") return value;
  throw new Error(`ARGO_E2E_COMPARISON=${value}: expected on, only or off`);
}

// ---------------------------------------------------------------------------------------------- the stack

interface StackFile {
  readonly dir: string;
  readonly doc: any;
}

/** `npm run synth` of one environments module (main.ts with ARGO_ENVIRONMENTS), into its own directory. */
function synth(environmentsModule: string | undefined, outdir: string, stack: string): StackFile {
  run(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      ...(environmentsModule ? { ARGO_ENVIRONMENTS: environmentsModule } : {}),
    },
  });
  const dir = path.join(outdir, "stacks", stack);
  return { dir, doc: parseYaml(fs.readFileSync(path.join(dir, STACK_FILE), "utf8")) };
}

// ---------------------------------------------------------------------------------------------- cluster state

interface Task {
  readonly ID: string;
  readonly CreatedAt: string;
  readonly ServiceID: string;
  readonly NodeID: string;
  readonly DesiredState: string;
  readonly Status: { State: string; Err?: string; ContainerStatus?: { ContainerID: string } };
  readonly Spec: { ContainerSpec: { Image: string; Secrets?: { SecretName: string }[] } };
  readonly NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[];
}

interface State {
  readonly services: any[];
  readonly tasks: Task[];
  readonly nodes: Map<string, { hostname: string; role: string; ready: boolean }>;
}

/** The deployment's services (by name: the Terraform rendering's carry no stack label), tasks and nodes. */
async function state(): Promise<State> {
  const [services, tasks, nodes] = await Promise.all([
    manager.api<any[]>("/services"),
    manager.api<Task[]>("/tasks"),
    manager.api<any[]>("/nodes"),
  ]);
  return {
    services: services.filter((s) => SERVICE_NAMES.includes(s.Spec.Name)),
    tasks,
    nodes: new Map(
      nodes.map((n) => [
        n.ID,
        {
          hostname: n.Description.Hostname,
          role: n.Spec.Role,
          ready: n.Status.State === "ready" && n.Spec.Availability === "active",
        },
      ]),
    ),
  };
}

const serviceName = (key: string) => `${NAMESPACE}_${key}`;
const engineOfNode = (s: State, nodeId: string) => cluster.engine(s.nodes.get(nodeId)!.hostname);
const runningTasks = (s: State, key: string) => {
  const service = s.services.find((x) => x.Spec.Name === serviceName(key));
  return service
    ? s.tasks.filter(
        (t) =>
          t.ServiceID === service.ID &&
          t.DesiredState === "running" &&
          t.Status.State === "running" &&
          s.nodes.get(t.NodeID)?.ready,
      )
    : [];
};
/** Problems keeping one service from its desired state: replicas (or one task per eligible node), image, health. */
async function serviceProblems(s: State, key: string, expected: any): Promise<string[]> {
  const service = s.services.find((x) => x.Spec.Name === serviceName(key));
  if (!service) return [`${key}: not deployed`];
  const running = runningTasks(s, key);
  const problems: string[] = [];
  if (expected.deploy.mode === "global") {
    const role = /node\.role == (\w+)/.exec((expected.deploy.placement?.constraints ?? []).join(" "))?.[1];
    const eligible = [...s.nodes].filter(([, n]) => n.ready && (!role || n.role === role)).map(([id]) => id);
    const missing = eligible.filter((id) => !running.some((t) => t.NodeID === id));
    if (missing.length)
      problems.push(`${key}: no running task on ${missing.map((id) => s.nodes.get(id)!.hostname).join(", ")}`);
  } else if (running.length !== expected.deploy.replicas) {
    const errors = s.tasks.filter((t) => t.ServiceID === service.ID && t.Status.Err).map((t) => t.Status.Err);
    problems.push(
      `${key}: ${running.length}/${expected.deploy.replicas} running${errors.length ? ` (last error: ${errors[errors.length - 1]})` : ""}`,
    );
  }
  for (const task of running) {
    if (task.Spec.ContainerSpec.Image !== expected.image)
      problems.push(`${key}: task ${task.ID} runs ${task.Spec.ContainerSpec.Image}, not ${expected.image}`);
    if (!expected.healthcheck) continue;
    const container = await engineOfNode(s, task.NodeID).api<any>(
      `/containers/${task.Status.ContainerStatus!.ContainerID}/json`,
    );
    const health = container.State.Health?.Status;
    if (health !== "healthy")
      problems.push(
        `${key}: task ${task.ID} on ${s.nodes.get(task.NodeID)!.hostname} is ${health ?? "without health status"}`,
      );
  }
  return problems;
}

/** Resolves once every service of the stack file (or the given ones) is at its desired state and healthy. */
async function converge(
  stack: StackFile,
  timeoutSec: number,
  keys: readonly string[] = Object.keys(stack.doc.services),
  extra?: (s: State) => string[],
  firstReady?: { readonly since: number; readonly at: Map<string, number> },
): Promise<number> {
  const { seconds } = await waitFor(
    `convergence of ${keys.length === Object.keys(stack.doc.services).length ? "the stack" : keys.join(", ")}`,
    timeoutSec,
    async () => {
      const s = await state();
      const byKey = await Promise.all(keys.map((k) => serviceProblems(s, k, stack.doc.services[k])));
      if (firstReady)
        keys.forEach((k, i) => {
          if (byKey[i].length === 0 && !firstReady.at.has(k))
            firstReady.at.set(k, (Date.now() - firstReady.since) / 1000);
        });
      const problems = byKey.flat();
      problems.push(...(extra?.(s) ?? []));
      if (problems.length) throw new Error(problems.join("; "));
      return true;
    },
    // As often as the thesis comparison polls (e2e/comparison.ts), so their figures compare.
    POLL_MS,
  );
  return seconds;
}

/**
 * Where a deploy's time went, for the services that converged last: when Swarm created the running task that
 * started last, when its container started, when the service was first seen healthy, and its earlier tasks
 * that failed (a client that started before what it needs), each with its state, time and last log line.
 */
async function deployTimeline(since: number, firstReady: ReadonlyMap<string, number>, count = 5): Promise<string[]> {
  const s = await state();
  const latest = [...firstReady].sort((a, b) => b[1] - a[1]).slice(0, count);
  const secondsAfter = (ms: number) => (ms - since) / 1000;
  const rel = (iso: string) => `+${secondsAfter(Date.parse(iso)).toFixed(1)} s`;
  const inspect = (t: Task) =>
    t.Status.ContainerStatus?.ContainerID
      ? engineOfNode(s, t.NodeID)
          .api<any>(`/containers/${t.Status.ContainerStatus.ContainerID}/json`)
          .catch(() => undefined)
      : Promise.resolve(undefined);
  const perNode = new Map<string, number[]>();
  for (const t of s.tasks.filter((t) => t.DesiredState === "running" && t.Status.State === "running")) {
    const c = await inspect(t);
    const node = s.nodes.get(t.NodeID)?.hostname ?? "?";
    if (c) perNode.set(node, [...(perNode.get(node) ?? []), secondsAfter(Date.parse(c.State.StartedAt))]);
  }
  const nodeLines = [...perNode].map(
    ([node, starts]) =>
      `${node}: ${starts.length} containers started ${starts
        .sort((a, b) => a - b)
        .map((x) => x.toFixed(1))
        .join(", ")}`,
  );
  // Joining a network, the engine waits for each peer to answer its network-state sync, or 30 s; two nodes
  // joining at once can lose an answer (an engine bug, docs/e2e-swarm-comparison.md): a node's containers
  // then start 30 s late.
  const syncWaits = NODES.flatMap((node) =>
    cluster
      .logSince(node, since, /^Bulk sync to node \S+ timed out$/)
      .map((l) => `${node.name}: ${l.message} at +${secondsAfter(l.at).toFixed(1)} s (the engine waited 30 s)`),
  );
  return [
    ...nodeLines,
    ...syncWaits,
    ...(await Promise.all(
      latest.map(async ([key, healthyAt]) => {
        const service = s.services.find((x) => x.Spec.Name === serviceName(key));
        const tasks = s.tasks.filter((t) => t.ServiceID === service?.ID);
        const running = await Promise.all(runningTasks(s, key).map(async (t) => ({ t, c: await inspect(t) })));
        const last = running.sort(
          (a, b) => Date.parse(b.c?.State.StartedAt ?? 0) - Date.parse(a.c?.State.StartedAt ?? 0),
        )[0];
        const failed = await Promise.all(
          tasks
            .filter((t) => t.DesiredState === "shutdown" && t.Status.State !== "shutdown")
            .map(async (t) => {
              const c = await inspect(t);
              const node = s.nodes.get(t.NodeID)?.hostname;
              // The container's last line, on whichever stream it wrote it.
              const tail = c
                ? spawnSync(
                    DOCKER_CLI,
                    ["-H", `unix://${engineOfNode(s, t.NodeID).socket}`, "logs", "--tail", "1", c.Id],
                    {
                      encoding: "utf8",
                      timeout: 10000,
                    },
                  )
                : undefined;
              const logs = tail ? `${tail.stdout ?? ""}\n${tail.stderr ?? ""}`.trim().split("\n").pop()! : "";
              return `${t.Status.State} on ${node} at ${c ? rel(c.State.FinishedAt) : "?"}${t.Status.Err ? ` (${t.Status.Err})` : ""}${logs.trim() ? `: ${logs.trim()}` : ""}`;
            }),
        );
        return `${key}: task created ${last ? rel(last.t.CreatedAt) : "?"}, started ${last?.c ? `${rel(last.c.State.StartedAt)} on ${s.nodes.get(last.t.NodeID)?.hostname}` : "?"}, healthy +${healthyAt.toFixed(1)} s${failed.length ? `; earlier: ${failed.join("; ")}` : ""}`;
      }),
    )),
  ];
}

/** A running container of a service: its engine, container ID and task. */
async function containerOf(key: string): Promise<{ engine: Engine; id: string; task: Task; node: string }> {
  const s = await state();
  const [task] = runningTasks(s, key);
  assert(task, `no running task of ${key}`);
  return {
    engine: engineOfNode(s, task.NodeID),
    id: task.Status.ContainerStatus!.ContainerID,
    task,
    node: s.nodes.get(task.NodeID)!.hostname,
  };
}

/**
 * Worker copies of removed networks that Docker 20.10 keeps because of its own load-balancer endpoint (the worker
 * logs "should be removed, but still has active attachments" after a failed endpoint delete, "key modified"): no
 * container of the deployment is attached, the manager no longer has the network, and a worker cannot remove it
 * (only a manager may); its engine drops it when restarted. By node, as leftovers() found them.
 */
const leakedLoadBalancers = new Map<string, string[]>();
const LOAD_BALANCER_LEAK_SEC = 30;

/** What is left of the deployment on the engines: services, networks (on every node), containers (on every node). */
async function leftovers(): Promise<string[]> {
  const left = (await manager.api<any[]>("/services"))
    .filter((s) => SERVICE_NAMES.includes(s.Spec.Name))
    .map((s) => `service ${s.Spec.Name}`);
  const managerNetworks = new Set((await manager.api<any[]>("/networks")).map((n) => n.Id));
  leakedLoadBalancers.clear();
  for (const node of NODES) {
    const engine = cluster.engine(node.name);
    for (const network of (await engine.api<any[]>("/networks")).filter((n) => NETWORK_NAMES.includes(n.Name))) {
      const where = `network ${network.Name} on ${node.name}`;
      const attached = Object.keys((await engine.api<any>(`/networks/${network.Id}`)).Containers ?? {});
      const leaked =
        node.name !== MANAGER.name &&
        !managerNetworks.has(network.Id) &&
        attached.length > 0 &&
        attached.every((name) => name === `lb-${network.Name}`);
      if (leaked) leakedLoadBalancers.set(node.name, [...(leakedLoadBalancers.get(node.name) ?? []), network.Name]);
      else left.push(where);
    }
    const containers = await engine.api<any[]>(
      `/containers/json?all=1&${query({ label: ["com.docker.swarm.service.name"] })}`,
    );
    left.push(
      ...containers
        .filter((c) => SERVICE_NAMES.includes(c.Labels["com.docker.swarm.service.name"]))
        .map((c) => `container ${c.Names[0]} on ${node.name}`),
    );
  }
  return left;
}

async function waitForRemoval(what: string, timeoutSec = 120): Promise<number> {
  const start = Date.now();
  const { seconds } = await waitFor(what, timeoutSec, async () => {
    const left = await leftovers();
    if (left.length) throw new Error(`left: ${left.join(", ")}`);
    // A worker drops its copy of a removed network within seconds normally: only one kept longer is the leak.
    if (leakedLoadBalancers.size && Date.now() - start < LOAD_BALANCER_LEAK_SEC * 1000)
      throw new Error(`left: load-balancer endpoints on ${[...leakedLoadBalancers.keys()].join(", ")}`);
    return true;
  });
  // As an operator would: restart the engine of each worker that kept one, and see the copy gone.
  for (const [name, networks] of [...leakedLoadBalancers]) {
    const node = NODES.find((n) => n.name === name)!;
    await cluster.stopEngine(node);
    cluster.startEngine(node);
    await cluster.waitForEngine(node);
    await waitFor(`${name} ready again`, 120, async () => {
      const nodes = await manager.api<any[]>("/nodes");
      return nodes.some((n) => n.Description.Hostname === name && n.Status.State === "ready") ? true : undefined;
    });
    const kept = (await cluster.engine(name).api<any[]>("/networks")).filter((n) => networks.includes(n.Name));
    assert(kept.length === 0, `${name} still has ${kept.map((n) => n.Name).join(", ")} after its engine restarted`);
    console.log(
      `    noticed: Docker 20.10 on ${name} kept its load-balancer endpoint on the removed ${networks.join(", ")} (nothing of the deployment attached, the manager has no such network, a worker cannot remove it): gone after restarting ${name}'s engine`,
    );
  }
  leakedLoadBalancers.clear();
  return seconds;
}

/** Nodes holding a volume of the deployment, by volume. */
async function volumesOnNodes(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const node of NODES) {
    for (const v of (await cluster.engine(node.name).api<any>("/volumes")).Volumes ?? []) {
      if (VOLUME_NAMES.includes(v.Name)) out.set(v.Name, [...(out.get(v.Name) ?? []), node.name]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- clients

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request on a Unix socket (a consumer's Docker API socket), with its status and body. */
function socketCall(socketPath: string, method: string, urlPath: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, timeout: 10000 }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} on ${socketPath}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * A request to the ingress as the lab's edge proxy sends it: from the client's address, with that address
 * appended to X-Forwarded-For (HAProxy's `option forwardfor`). `forwardedFor` replaces the header (forgeries).
 */
function viaEdge(
  client: string,
  pathAndQuery: string,
  options: { forwardedFor?: string | null; method?: string } = {},
): Promise<Answer> {
  const forwarded = options.forwardedFor === undefined ? client : options.forwardedFor;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: MANAGER.address,
        port: INGRESS_PORT,
        localAddress: client,
        method: options.method ?? "GET",
        path: pathAndQuery,
        headers: forwarded === null ? {} : { "x-forwarded-for": forwarded },
        timeout: 10000,
      },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Whether a TCP connection to host:port is accepted (from the host bridge). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress: ADMIN_CLIENT, timeout: 2000 });
    socket.on("connect", () => (socket.destroy(), resolve(true)));
    socket.on("timeout", () => (socket.destroy(), resolve(false)));
    socket.on("error", () => resolve(false));
  });
}

const routePath = (prefix: string) => (prefix.endsWith("/") ? prefix : `${prefix}?query=example.org`);

// ---------------------------------------------------------------------------------------------- the run

function preflight(): void {
  if (process.getuid?.() !== 0) {
    console.error(
      "test:e2e needs root to start Docker engines (dockerd), network namespaces (ip netns) and a firewall rule (iptables).\n" +
        "Run it as root (sudo npm run test:e2e) on a disposable machine, or let CI run it (.ci/run).",
    );
    process.exit(2);
  }
  const missing = [
    ["dockerd", "docker.io"],
    [DOCKER_CLI, "docker.io"],
    ["/bin/busybox", "busybox-static"],
    ["ip", "iproute2"],
    ["iptables", "iptables"],
    ["nsenter", "util-linux"],
    ["unshare", "util-linux"],
  ].filter(
    ([tool]) =>
      !(tool.startsWith("/")
        ? fs.existsSync(tool)
        : process.env.PATH!.split(":").some((d) => fs.existsSync(path.join(d, tool)))),
  );
  if (missing.length) {
    console.error(
      `test:e2e: missing ${missing.map(([t]) => t).join(", ")}; install with: apt-get install -y ${[...new Set(missing.map(([, p]) => p))].join(" ")}`,
    );
    process.exit(2);
  }
}

/** What every pass shares: the synthesized stacks, and the engine specs each rendering left (for the comparison). */
interface Pass {
  readonly good: StackFile;
  readonly broken: StackFile;
  readonly lab: StackFile;
  readonly snapshots: Map<RenderingName, EngineSnapshot>;
}

/** Every check against one rendering, from its deploy to the removal of everything it made. */
async function prove(r: Rendering, pass: Pass): Promise<void> {
  const { good, broken, lab } = pass;
  const tf = r instanceof TerraformRendering ? r : undefined;
  // The stack file's checks keep their names; the Terraform rendering's are marked.
  const named = (text: string) => (tf ? `[terraform] ${text}` : text);
  const timed = (text: string) => (tf ? `terraform: ${text}` : text);
  /** `terraform plan -detailed-exitcode` of a release must show no changes; the changes otherwise. */
  const noDrift = async (after: string, release: "good" | "broken" = "good") => {
    const plan = await tf!.plan(release);
    planCodes.push({ after, code: plan.code });
    assert(
      plan.code === 0,
      `terraform plan after ${after} exited ${plan.code}${plan.changes.length ? `: ${plan.changes.join("; ")}` : `\n${plan.output.trim().split("\n").slice(-10).join("\n")}`}`,
    );
    return `plan after ${after}: exit 0 (${plan.seconds.toFixed(1)} s)`;
  };

  await check(
    named(
      tf
        ? "the lab's Terraform rendering declares every zone an encrypted overlay with the lab's subnets"
        : "the lab's stack file declares every zone an encrypted overlay with the lab's subnets",
    ),
    async () => {
      const zones = app.zones.filter((z) => app.services.some((s) => s.zones.includes(z.name)));
      const subnets = selectApplication(LAB.application, LAB.selection).zones;
      const rendered = tf
        ? Object.fromEntries(
            Object.values<any>(
              JSON.parse(fs.readFileSync(path.join(lab.dir, "cdk.tf.json"), "utf8")).resource.docker_network,
            ).map((n) => [
              n.name.slice(`${LAB.swarm!.namespace}_`.length),
              { driver: n.driver, encrypted: n.options?.encrypted, subnet: n.ipam_config[0].subnet },
            ]),
          )
        : Object.fromEntries(
            Object.entries<any>(lab.doc.networks).map(([k, n]) => [
              k,
              { driver: n.driver, encrypted: n.driver_opts?.encrypted, subnet: n.ipam.config[0].subnet },
            ]),
          );
      for (const zone of zones) {
        const network = rendered[zone.name];
        assert(network, `no network ${zone.name} in the lab's ${tf ? "cdk.tf.json" : "stack file"}`);
        assert(
          network.driver === "overlay" && network.encrypted === "true",
          `${zone.name}: not an encrypted overlay (${JSON.stringify(network)})`,
        );
        const subnet = subnets.find((z) => z.name === zone.name)!.subnet;
        assert(network.subnet === subnet, `${zone.name}: subnet ${network.subnet}, model ${subnet}`);
      }
      // This kernel cannot install IPsec SAs: on encrypted overlays traffic between engines is dropped, so the
      // e2e environment runs the same networks without the option (asserted on the engines below).
      return `${zones.map((z) => z.name).join(", ")} encrypted; the e2e run uses them unencrypted (no IPsec SAs on this kernel)`;
    },
  );

  await r.prepare();
  const deployStart = Date.now();
  await r.deploy("good");
  const converged = await check(
    named(
      `${r.deployCommand} converges: every service at its replicas, per-node services on every node, every health check healthy`,
    ),
    async () => {
      const firstReady = { since: deployStart, at: new Map<string, number>() };
      await converge(good, 300, undefined, undefined, firstReady);
      const seconds = (Date.now() - deployStart) / 1000;
      const last = [...firstReady.at]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([k, t]) => `${k} ${t.toFixed(1)} s`);
      console.log(`    the latest services first seen at their desired state: ${last.join(", ")}`);
      for (const line of await deployTimeline(deployStart, firstReady.at)) console.log(`      ${line}`);
      measured(
        timed("deploy → converged and healthy"),
        seconds,
        tf ? `terraform apply ${tf.applies[0].seconds.toFixed(1)} s of it` : "not measured in the thesis",
      );
      if (!tf)
        oursOnFullCluster.deploy = {
          seconds,
          note: `${SERVICE_NAMES.length} services; the latest first seen at their desired state: ${last.slice(0, 4).join(", ")}`,
        };
      const s = await state();
      return `${s.services.length} services, ${s.services.reduce((n, x) => n + runningTasks(s, x.Spec.Name.slice(NAMESPACE.length + 1)).length, 0)} tasks`;
    },
  );
  if (!converged) throw new AssertionFailed(`the ${r.name} rendering did not converge; the remaining checks need it`);
  pass.snapshots.set(
    r.name,
    await snapshot(manager, { services: SERVICE_NAMES, networks: NETWORK_NAMES, prefix: `${NAMESPACE}_` }, (n) =>
      r.secretBase(n),
    ),
  );
  if (tf)
    await check(
      named("terraform plan -detailed-exitcode after the apply: no changes (the engine reads back what was applied)"),
      () => noDrift("the first apply"),
    );

  await check(named("the e2e networks are overlays with the lab's subnets (docker network inspect)"), async () => {
    for (const [key, declared] of Object.entries<any>(good.doc.networks)) {
      const [network] = JSON.parse(await manager.cli(["network", "inspect", declared.name]));
      const expected =
        key === "edge"
          ? LAB.swarm!.edgeSubnet
          : selectApplication(LAB.application, LAB.selection).zones.find((z) => z.name === key)!.subnet;
      assert(
        network.Driver === "overlay" && network.Scope === "swarm",
        `${declared.name}: driver ${network.Driver}, scope ${network.Scope}`,
      );
      assert(
        network.IPAM.Config[0].Subnet === expected,
        `${declared.name}: subnet ${network.IPAM.Config[0].Subnet}, expected ${expected}`,
      );
      assert(network.Attachable === false, `${declared.name} is attachable`);
      assert(
        !network.Options?.encrypted,
        `${declared.name} is encrypted here, where cross-engine traffic would be dropped`,
      );
    }
    return Object.keys(good.doc.networks).join(", ");
  });
  await check(named("only the edge proxy publishes a port; no other model port is reachable on any node"), async () => {
    const s = await state();
    const publishing = s.services
      .filter((x) => (x.Endpoint?.Ports ?? x.Spec.EndpointSpec?.Ports ?? []).length > 0)
      .map((x) => x.Spec.Name);
    assert(
      JSON.stringify(publishing) === JSON.stringify([serviceName("ingress")]),
      `publishing services: ${publishing.join(", ")}`,
    );
    const ports = [...new Set(app.services.flatMap((x) => x.ports.map((p) => p.containerPort)))];
    const open: string[] = [];
    for (const node of NODES)
      for (const port of [...ports, INGRESS_PORT])
        if (await accepts(node.address, port)) open.push(`${node.name}:${port}`);
    assert(
      JSON.stringify(open) === JSON.stringify([`${MANAGER.name}:${INGRESS_PORT}`]),
      `open: ${open.join(", ")} (expected only ${MANAGER.name}:${INGRESS_PORT})`,
    );
    return `open: ${open.join(", ")}; closed: ${ports.join(", ")} on every node`;
  });

  await check(named("a request through the edge proxy reaches each route's service"), async () => {
    // The proxy, like Traefik, reads the Swarm API every 15 s: the first routes may appear a little later.
    await waitFor("every route", 60, async () => {
      const wrong: string[] = [];
      for (const route of app.routes) {
        const answer = await viaEdge(ADMIN_CLIENT, routePath(route.pathPrefix));
        if (answer.status !== 200 || !answer.body.includes(`service=${route.service} `))
          wrong.push(`${route.pathPrefix} → ${answer.status} ${answer.body.trim().slice(0, 80)}`);
      }
      if (wrong.length) throw new Error(wrong.join("; "));
      return true;
    });
    const unknown = await viaEdge(ADMIN_CLIENT, "/no-such-route/");
    assert(unknown.status === 404, `an unrouted path answered ${unknown.status}`);
    return `${app.routes.length} routes`;
  });

  await check(named("admin routes are refused outside the admin CIDRs, public routes are not"), async () => {
    const refused: string[] = [];
    for (const route of app.routes) {
      const outside = await viaEdge(OUTSIDE_CLIENT, routePath(route.pathPrefix));
      if (route.adminOnly)
        assert(outside.status === 403, `${route.pathPrefix} from ${OUTSIDE_CLIENT}: ${outside.status}, expected 403`);
      else
        assert(outside.status === 200, `${route.pathPrefix} from ${OUTSIDE_CLIENT}: ${outside.status}, expected 200`);
      if (route.adminOnly) refused.push(route.pathPrefix);
    }
    const admin = app.routes.find((r) => r.adminOnly)!;
    // The allow-list judges the address the edge appended (depth 1), not one a client wrote before it.
    const forged = await viaEdge(OUTSIDE_CLIENT, routePath(admin.pathPrefix), {
      forwardedFor: `${ADMIN_CLIENT}, ${OUTSIDE_CLIENT}`,
    });
    assert(forged.status === 403, `a forged X-Forwarded-For got ${forged.status}`);
    const bare = await viaEdge(ADMIN_CLIENT, routePath(admin.pathPrefix), { forwardedFor: null });
    assert(bare.status === 403, `a request that bypassed the edge got ${bare.status}`);
    return `${refused.length} admin routes refused from ${OUTSIDE_CLIENT}, allowed from ${ADMIN_CLIENT} (admin CIDRs ${E2E.adminCidrs.join(", ")})`;
  });

  await check(
    named(
      "the Docker API only through each node's proxy: the engine's socket is the proxy's alone; reads pass, writes, secrets and configs are refused with 403",
    ),
    async () => {
      const s = await state();
      const mountsSocket = s.services
        .filter((x) => (x.Spec.TaskTemplate.ContainerSpec.Mounts ?? []).some((m: any) => m.Source === ENGINE_SOCKET))
        .map((x) => x.Spec.Name);
      assert(
        JSON.stringify(mountsSocket) === JSON.stringify([serviceName(DOCKER_API_PROXY_SERVICE)]),
        `services mounting ${ENGINE_SOCKET}: ${mountsSocket.join(", ") || "none"}`,
      );
      const ingress = await containerOf("ingress");
      const direct = ingress.engine.exec(ingress.id, ["test", "-e", ENGINE_SOCKET]);
      assert(direct.code !== 0, `the ingress container has ${ENGINE_SOCKET}`);
      const consumers = dockerApiConsumers(app).map((c) => c.key);
      const refused: [string, string][] = [
        ["POST", "/v1.41/containers/create"],
        ["POST", "/v1.41/services/create"],
        ["DELETE", `/v1.41/services/${serviceName("postgres")}`],
        ["GET", "/v1.41/secrets"],
        ["GET", "/v1.41/configs"],
        ["POST", `/v1.41/containers/${ingress.id}/exec`],
        ["GET", `/v1.41/containers/${ingress.id}/export`],
      ];
      let calls = 0;
      for (const node of NODES)
        for (const consumer of consumers) {
          // The consumer's volume on this node, as the node's engine keeps it in its data root.
          const socket = path.join(
            STATE_DIR,
            node.name,
            "data",
            "volumes",
            serviceName(dockerApiVolume(consumer)),
            "_data",
            "docker.sock",
          );
          const info = await socketCall(socket, "GET", "/v1.41/info");
          assert(info.status === 200, `${node.name} ${consumer}: GET /info answered ${info.status}`);
          // The node's own engine answers: a consumer sees its own node.
          assert(
            JSON.parse(info.body).Name === node.name,
            `${node.name} ${consumer}: /info names ${JSON.parse(info.body).Name}`,
          );
          for (const [method, urlPath] of refused) {
            const answer = await socketCall(socket, method, urlPath);
            assert(answer.status === 403, `${node.name} ${consumer}: ${method} ${urlPath} answered ${answer.status}`);
          }
          calls += 1 + refused.length;
        }
      // The manager's engine itself would list its secrets: the 403 above is the proxy's, not the engine's.
      assert((await manager.api<any[]>("/secrets")).length > 0, "the manager's engine lists no secret");
      const services = await socketCall(
        path.join(
          STATE_DIR,
          MANAGER.name,
          "data",
          "volumes",
          serviceName(dockerApiVolume("ingress")),
          "_data",
          "docker.sock",
        ),
        "GET",
        "/v1.41/services",
      );
      assert(services.status === 200, `the ingress' GET /services answered ${services.status}`);
      return `${calls} calls through ${consumers.length} consumers' sockets on ${NODES.length} nodes: each node's own engine answers reads; ${refused.map(([m, p]) => `${m} ${p.replace(/[0-9a-f]{64}/, "<id>")}`).join(", ")} refused with 403; only ${serviceName(DOCKER_API_PROXY_SERVICE)} mounts ${ENGINE_SOCKET}`;
    },
  );

  await check(
    named(
      "no engine socket through a host volume: where a service mounts the node's root, its /run is empty on every node",
    ),
    async () => {
      const s = await state();
      const seen: string[] = [];
      for (const service of app.services)
        for (const cover of runtimeDirCovers(service)) {
          const tasks = runningTasks(s, service.name);
          assert(tasks.length > 0, `no running task of ${service.name}`);
          for (const task of tasks) {
            const engine = engineOfNode(s, task.NodeID);
            const id = task.Status.ContainerStatus!.ContainerID;
            const where = `${service.name} on ${s.nodes.get(task.NodeID)!.hostname}`;
            // The volume still shows the node: its engine's data root is there, only /run is not.
            const root = engine.exec(id, ["test", "-d", `${cover.volume.mountPath}/var/lib/docker/swarm`]);
            assert(root.code === 0, `${where}: ${cover.volume.mountPath} does not show the node's /var/lib/docker`);
            const sockets = engine.exec(id, ["find", cover.mountPath, "-type", "s"]);
            assert(sockets.code === 0, `${where}: find ${cover.mountPath} failed: ${sockets.output}`);
            assert(
              sockets.output.trim() === "",
              `${where}: sockets under ${cover.mountPath}: ${sockets.output.trim()}`,
            );
            seen.push(where);
          }
        }
      assert(seen.length > 0, "no service mounts the node's root (nothing to check)");
      return `no socket under /run of the node's root in ${seen.length} containers (${seen.join(", ")}); the node's /var/lib/docker is there`;
    },
  );

  await check(
    named("segmentation: from sites, postgres does not resolve and is unreachable; from dbs it resolves and answers"),
    async () => {
      const postgresPort = app.services.find((x) => x.name === "postgres")!.ports[0].containerPort;
      const sitesMember = app.services.find((x) => x.zones.includes("sites") && !x.zones.includes("dbs"))!;
      const dbsMember = app.services.find(
        (x) => x.zones.includes("dbs") && (x.talksTo ?? []).some((t) => t.service === "postgres"),
      )!;
      const postgres = await containerOf("postgres");
      const address = postgres.task
        .NetworksAttachments!.find((a) => a.Network.Spec.Name === serviceName("dbs"))!
        .Addresses[0].split("/")[0];
      const tcp = (target: string) => ["timeout", "4", "bash", "-c", `exec 3<>/dev/tcp/${target}/${postgresPort}`];
      const site = await containerOf(sitesMember.name);
      for (const name of ["postgres", serviceName("postgres")]) {
        const lookup = site.engine.exec(site.id, ["nslookup", name]);
        assert(
          lookup.code !== 0 && !lookup.output.includes(address),
          `${sitesMember.name} resolved ${name}: ${lookup.output}`,
        );
      }
      assert(
        site.engine.exec(site.id, tcp(address)).code !== 0,
        `${sitesMember.name} reached ${address}:${postgresPort}`,
      );
      const member = await containerOf(dbsMember.name);
      const lookup = member.engine.exec(member.id, ["nslookup", "postgres"]);
      assert(
        lookup.code === 0 && lookup.output.includes(address),
        `${dbsMember.name} could not resolve postgres to ${address}: ${lookup.output}`,
      );
      const reach = member.engine.exec(member.id, tcp("postgres"));
      assert(reach.code === 0, `${dbsMember.name} could not reach postgres:${postgresPort}: ${reach.output}`);
      return `${sitesMember.name} (${site.node}) ✗ ${address}:${postgresPort}; ${dbsMember.name} (${member.node}) ✓ postgres → ${address}`;
    },
  );

  await check(
    named("secrets are mounted read-only (0400) under /run/secrets and appear in no inspect output"),
    async () => {
      let mounts = 0;
      for (const [key, service] of Object.entries<any>(good.doc.services)) {
        if (!service.secrets) continue;
        const c = await containerOf(key);
        for (const secret of service.secrets) {
          const file: string = secret.target;
          assert(
            file.startsWith("/run/secrets/"),
            `${key}: secret ${secret.source} is mounted at ${file}, not under /run/secrets`,
          );
          const expected = await r.secretValue(secret.source);
          assert(c.engine.exec(c.id, ["stat", "-c", "%a", file]).output === "400", `${key}: ${file} is not mode 0400`);
          const mount = c.engine.exec(c.id, ["grep", ` ${file} `, "/proc/mounts"]).output;
          assert(/\sro[\s,]/.test(mount), `${key}: ${file} is not mounted read-only (${mount || "no mount"})`);
          assert(c.engine.exec(c.id, ["sh", "-c", `echo changed > ${file}`]).code !== 0, `${key}: ${file} is writable`);
          assert(c.engine.exec(c.id, ["cat", file]).output === expected, `${key}: ${file} does not hold the secret`);
          mounts++;
        }
      }
      const s = await state();
      const inspected = await manager.cli(["service", "inspect", ...s.services.map((x) => x.ID)]);
      const containers: string[] = [];
      for (const task of s.tasks.filter((t) => t.Status.State === "running" && s.nodes.get(t.NodeID)?.ready)) {
        containers.push(await engineOfNode(s, task.NodeID).cli(["inspect", task.Status.ContainerStatus!.ContainerID]));
      }
      for (const value of await r.secretValues()) {
        for (const form of [value, Buffer.from(value).toString("base64")]) {
          assert(!inspected.includes(form), "a secret value appears in docker service inspect");
          assert(!containers.some((c) => c.includes(form)), "a secret value appears in docker inspect of a container");
        }
      }
      return `${mounts} mounts checked; ${s.services.length} services and ${containers.length} containers inspected`;
    },
  );

  if (tf) {
    /** Services (keys) that mount any of these secrets (by key). */
    const consumersOf = (keys: readonly string[]) =>
      Object.keys(good.doc.services).filter((k) =>
        (good.doc.services[k].secrets ?? []).some((x: any) => keys.includes(x.source)),
      );
    /**
     * After an apply that changed secrets: every consumer converged on tasks that mount the new secrets, every
     * running container's file holding the new value, the old secrets gone from the engine.
     */
    const reachesServices = async (before: Map<string, { name: string; value: string }>) => {
      const after = await tf.secrets();
      const changed = [...after].filter(([key, s]) => before.get(key)?.name !== s.name).map(([key]) => key);
      assert(changed.length > 0, "no secret changed");
      for (const key of changed)
        assert(after.get(key)!.value !== before.get(key)!.value, `${key}: a new name but the same value`);
      const consumers = consumersOf(changed);
      const newNamesOf = (k: string) =>
        good.doc.services[k].secrets
          .filter((x: any) => changed.includes(x.source))
          .map((x: any) => after.get(x.source)!.name as string);
      const mountsAll = (t: Task, names: readonly string[]) =>
        names.every((n) => (t.Spec.ContainerSpec.Secrets ?? []).some((x) => x.SecretName === n));
      // The rotation ends when Swarm ends each consumer's update, after its last monitor window: until then a
      // failing task rolls the service back onto the secret the apply has removed (docs/e2e-swarm-terraform.md).
      await converge(good, 240, consumers, (s) =>
        consumers.flatMap((k) => {
          // Any state but completed is reported, so a rolled-back update names itself when the wait times out.
          const update = s.services.find((x) => x.Spec.Name === serviceName(k))?.UpdateStatus;
          return [
            ...runningTasks(s, k)
              .filter((t) => !mountsAll(t, newNamesOf(k)))
              .map((t) => `${k}: task ${t.ID} does not mount the new secret yet`),
            ...(update && update.State !== "completed"
              ? [`${k}: Swarm's update is ${update.State} (${update.Message ?? ""})`]
              : []),
          ];
        }),
      );
      const s = await state();
      let files = 0;
      for (const key of consumers) {
        for (const task of runningTasks(s, key)) {
          const engine = engineOfNode(s, task.NodeID);
          for (const secret of good.doc.services[key].secrets.filter((x: any) => changed.includes(x.source))) {
            const read = engine.exec(task.Status.ContainerStatus!.ContainerID, ["cat", secret.target]);
            assert(
              read.output === after.get(secret.source)!.value,
              `${key}: task ${task.ID}'s ${secret.target} does not hold the new value`,
            );
            files++;
          }
        }
      }
      const engineSecrets = (await manager.api<any[]>("/secrets")).map((x) => x.Spec.Name);
      for (const key of changed) {
        assert(
          !engineSecrets.includes(before.get(key)!.name),
          `the old secret ${before.get(key)!.name} is still on the engine`,
        );
        assert(
          engineSecrets.includes(after.get(key)!.name),
          `the new secret ${after.get(key)!.name} is not on the engine`,
        );
      }
      return { changed, consumers, files };
    };

    await check(
      named(
        "secret rotation: a new generated value reaches the services that mount it in one apply, the old secret is removed (grafana-admin-password)",
      ),
      async () => {
        const key = "grafana-admin-password";
        const before = await tf.secrets();
        const start = Date.now();
        const applied = await tf.applyGood([`-replace=${tf.randomPasswordOf(key)}`]);
        const { changed, consumers, files } = await reachesServices(before);
        measured(
          timed(`new ${key} → its services healthy with the new value`),
          (Date.now() - start) / 1000,
          `terraform apply -replace ${applied.seconds.toFixed(1)} s of it`,
        );
        return `${changed.join(", ")} replaced (${before.get(key)!.name} → ${(await tf.secrets()).get(key)!.name}); ${consumers.join(", ")} updated, ${files} files hold the new value; ${await noDrift(`rotating ${key}`)}`;
      },
    );

    await check(
      named(
        "rotating the database password: the operator sets it in the database between a targeted and a full apply, then every client logs in with it (postgres-password)",
      ),
      async () => {
        // postgres (like the real image) keeps the password its data directory was initialised with: a new secret
        // alone makes the clients' new tasks fail to log in, Swarm rolls them back to the old secret, which the same
        // apply has removed. docs/e2e-swarm-terraform.md gives these steps to an operator.
        const key = "postgres-password";
        const random = tf.randomPasswordOf(key);
        const before = await tf.secrets();
        const start = Date.now();
        // 1. A new value in the state only: nothing on the Swarm changes yet.
        await tf.applyGood([`-replace=${random}`, `-target=${random}`]);
        const untouched = await tf.secrets();
        assert(
          [...before].every(([k, s]) => untouched.get(k)?.name === s.name),
          "the targeted apply changed a secret",
        );
        // 2. The database learns the new password from a client that knows the current one (ALTER ROLE).
        const fresh = await tf.randomValue(random);
        assert(fresh !== before.get(key)!.value, "the replaced random_password kept its value");
        const pg = await containerOf("postgres");
        const altered = pg.engine.exec(
          pg.id,
          [
            "bash",
            "-c",
            '. /stand-in/lib.sh; read -r old; read -r new; ask 127.0.0.1 5432 "PASSWORD $POSTGRES_USER $POSTGRES_DB $old $new"',
          ],
          15000,
          `${before.get(key)!.value}\n${fresh}\n`,
        );
        assert(altered.output === "OK", `the database refused the new password: ${altered.output}`);
        // 3. The full apply: new secrets, postgres and its clients moved onto them, the old secrets removed.
        const applied = await tf.applyGood([]);
        const { changed, consumers, files } = await reachesServices(before);
        measured(
          timed(`new ${key} → database and clients healthy with it`),
          (Date.now() - start) / 1000,
          `the final terraform apply ${applied.seconds.toFixed(1)} s of it`,
        );
        return `${changed.join(", ")} replaced; ${consumers.join(", ")} healthy on the new value (the APIs log in at start), ${files} files checked; ${await noDrift(`rotating ${key}`)}`;
      },
    );
  }

  const selfHealing = app.services.find(
    (x) => x.placement.kind === "replicated" && x.placement.replicas >= 2 && x.healthCheck && !(x.volumes ?? []).length,
  )!;
  await check(named(`self-healing: a killed ${selfHealing.name} container is replaced by a healthy one`), async () => {
    const victim = await containerOf(selfHealing.name);
    const start = Date.now();
    await victim.engine.cli(["kill", victim.id]);
    await converge(good, 120, [selfHealing.name], (s) =>
      runningTasks(s, selfHealing.name).some((t) => t.ID === victim.task.ID)
        ? [`${victim.task.ID} still counted as running`]
        : [],
    );
    measured(
      timed(`killed ${selfHealing.name} container → replacement healthy`),
      (Date.now() - start) / 1000,
      "not measured in the thesis",
    );
    if (!tf)
      oursOnFullCluster.killed = {
        seconds: (Date.now() - start) / 1000,
        note: `${selfHealing.name} on ${victim.node}`,
      };
    return `killed ${victim.id.slice(0, 12)} on ${victim.node}`;
  });

  await check(
    named("rollback: releasing the crashing ot-app rolls back automatically to the running version"),
    async () => {
      const key = "ot-app";
      const goodImage = good.doc.services[key].image;
      const brokenImage = broken.doc.services[key].image;
      const replicas = good.doc.services[key].deploy.replicas;
      let start = Date.now();
      const since = () => (Date.now() - start) / 1000;
      await r.deploy("broken");
      if (tf) {
        // terraform apply refreshes every resource before the provider updates the service: the release starts
        // with its first task, which is when Swarm's clock starts for the stack file too (within a second).
        const [svc] = await manager.api<any[]>(`/services?${query({ name: [serviceName(key)] })}`);
        const first = (await manager.api<Task[]>(`/tasks?${query({ service: [svc.ID] })}`))
          .filter((t) => t.Spec.ContainerSpec.Image === brokenImage)
          .map((t) => Date.parse(t.CreatedAt));
        if (first.length) start = Math.min(...first);
      }
      let rollbackStarted: number | undefined;
      let oldVersionBack: number | undefined;
      const { value: service } = await waitFor("ot-app's rollback", 240, async () => {
        const [svc] = await manager.api<any[]>(`/services?${query({ name: [serviceName(key)] })}`);
        const status: string | undefined = svc.UpdateStatus?.State;
        if (status === "paused" || status === "rollback_paused")
          throw new AssertionFailed(`update ${status}: ${svc.UpdateStatus.Message}`);
        if (status?.startsWith("rollback") && rollbackStarted === undefined) rollbackStarted = since();
        if (rollbackStarted !== undefined && oldVersionBack === undefined) {
          const s = await state();
          const running = runningTasks(s, key);
          const brokenLeft = s.tasks.filter(
            (t) => t.ServiceID === svc.ID && t.DesiredState === "running" && t.Spec.ContainerSpec.Image === brokenImage,
          );
          if (
            running.length === replicas &&
            running.every((t) => t.Spec.ContainerSpec.Image === goodImage) &&
            brokenLeft.length === 0
          )
            oldVersionBack = since();
        }
        // Swarm reports the rollback complete only after its monitor period (the model's healthy deadline).
        return status === "rollback_completed" && oldVersionBack !== undefined ? svc : undefined;
      });
      await converge(good, 120, [key]);
      const applied = tf
        ? `; from the release's first task, the whole terraform apply took ${tf.applies[tf.applies.length - 1].seconds.toFixed(1)} s`
        : "";
      measured(
        timed("broken ot-app released → Swarm starts the rollback"),
        rollbackStarted!,
        `thesis: cancelled as soon as one instance failed${applied}`,
      );
      measured(
        timed("broken ot-app released → only the old version runs, all replicas"),
        oldVersionBack!,
        'Swarm "within seconds"; Nomad ~10 min',
      );
      measured(
        timed("broken ot-app released → Swarm reports rollback_completed"),
        since(),
        "includes Swarm's rollback monitor, the model's min healthy time",
      );
      if (!tf) oursOnFullCluster.rollback = { seconds: since(), note: service.UpdateStatus.Message };
      assert(
        service.Spec.TaskTemplate.ContainerSpec.Image === goodImage,
        `after the rollback ot-app runs ${service.Spec.TaskTemplate.ContainerSpec.Image}`,
      );
      const s = await state();
      const tried = s.tasks.filter((t) => t.ServiceID === service.ID && t.Spec.ContainerSpec.Image === brokenImage);
      assert(
        tried.length > 0 && tried.every((t) => t.DesiredState !== "running"),
        "the broken release was never started (or still runs)",
      );
      let plans = "";
      if (tf) {
        // The engine holds the good release again: the good configuration has nothing to change, the broken one
        // would release ot-app's image again (Terraform sees that its release did not land).
        plans = `; ${await noDrift("the rollback (the good release's configuration)")}`;
        const again = await tf.plan("broken");
        planCodes.push({ after: "the rollback (the broken release's configuration)", code: again.code });
        assert(
          again.code === 2 && again.changes.length === 1 && again.changes[0].includes("ot-app"),
          `plan of the broken release after the rollback: exit ${again.code}, ${again.changes.join("; ") || "no changes"}`,
        );
        plans += `; the broken release's plan: exit 2, ${again.changes[0]}`;
      }
      return `${tried.length} task(s) of ${brokenImage} failed; ${service.UpdateStatus.Message}${plans}`;
    },
  );

  const volumeNodes = new Set(Object.values(E2E.swarm!.volumeNodes));
  const candidates = NODES.filter((n) => n.role === "worker" && !volumeNodes.has(n.name));
  let stopped: EngineNode | undefined;
  await check(named("self-healing: a stopped worker's tasks are rescheduled on the other workers"), async () => {
    const s = await state();
    const replicated = Object.keys(good.doc.services).filter((k) => good.doc.services[k].deploy.mode !== "global");
    const onNode = (name: string) =>
      replicated.flatMap((k) =>
        runningTasks(s, k)
          .filter((t) => s.nodes.get(t.NodeID)!.hostname === name)
          .map(() => k),
      );
    const worker = candidates
      .map((n) => ({ n, tasks: onNode(n.name) }))
      .sort((a, b) => b.tasks.length - a.tasks.length)[0];
    assert(worker && worker.tasks.length > 0, "no worker without volumes runs a replicated task");
    stopped = worker.n;
    const start = Date.now();
    await cluster.stopEngine(worker.n);
    const seconds = await converge(good, 240, undefined, (st) => {
      const node = [...st.nodes.values()].find((n) => n.hostname === worker.n.name);
      return node?.ready ? [`${worker.n.name} not yet seen down`] : [];
    });
    measured(
      timed(`stopped worker → its ${worker.tasks.length} tasks healthy elsewhere`),
      (Date.now() - start) / 1000,
      "thesis: rescheduled, no figure; sources: single service < 1 min",
    );
    if (!tf)
      oursOnFullCluster.lostWorker = {
        seconds: (Date.now() - start) / 1000,
        note: `${worker.n.name} stopped, ${worker.tasks.length} tasks healthy elsewhere`,
      };
    return `${worker.n.name} ran ${worker.tasks.join(", ")} (${seconds.toFixed(1)} s of polling)`;
  });
  if (stopped) {
    const node = stopped;
    await check(named(`the stopped worker ${node.name} rejoins and runs its per-node services again`), async () => {
      const start = Date.now();
      cluster.startEngine(node);
      await cluster.waitForEngine(node);
      await converge(good, 180, undefined, (s) =>
        [...s.nodes.values()].some((n) => n.hostname === node.name && n.ready) ? [] : [`${node.name} not ready`],
      );
      measured(
        timed(`restarted worker → ready, stack converged`),
        (Date.now() - start) / 1000,
        "not measured in the thesis",
      );
    });
  }

  await check(
    named(
      `nothing lost: postgres' data survives a forced update, a redeploy, and ${r.removeCommand} + ${r.deployCommand}`,
    ),
    async () => {
      const row = `argo-e2e-row-${randomBytes(8).toString("hex")}`;
      const pg = await containerOf("postgres");
      const written = pg.engine.exec(pg.id, [
        "sh",
        "-c",
        `printf %s ${row} > "$PGDATA/e2e-row" && cat "$PGDATA/stand-in-cluster-id"`,
      ]);
      assert(written.code === 0, `could not write into postgres' data directory: ${written.output}`);
      const cluster0 = written.output;
      const volumeNode = E2E.swarm!.volumeNodes["postgres-data"];
      const readBack = async (after: string) => {
        const c = await containerOf("postgres");
        assert(
          c.node === volumeNode,
          `after ${after}, postgres runs on ${c.node}, not on ${volumeNode} (its volume's node)`,
        );
        const read = c.engine.exec(c.id, [
          "sh",
          "-c",
          'cat "$PGDATA/e2e-row"; echo; cat "$PGDATA/stand-in-cluster-id"',
        ]);
        assert(
          read.output === `${row}\n${cluster0}`,
          `after ${after}: read ${JSON.stringify(read.output)}, wrote ${row} in cluster ${cluster0}`,
        );
        return c;
      };
      const plans: string[] = [];

      await manager.cli(["service", "update", "--detach", "--force", serviceName("postgres")]);
      await converge(good, 180, undefined, (s) =>
        runningTasks(s, "postgres").some((t) => t.ID === pg.task.ID) ? ["postgres not yet replaced"] : [],
      );
      const updated = await readBack("a forced update");
      assert(updated.task.ID !== pg.task.ID, "the forced update did not replace the task");
      // An operator's restart is no drift: the next apply leaves the counter alone (as docker stack deploy does).
      if (tf) plans.push(await noDrift("docker service update --force"));

      await r.deploy("good");
      await converge(good, 180);
      await readBack("a redeploy");

      const removed = await r.removeStack();
      await waitForRemoval("the stack's removal");
      const volumes = await volumesOnNodes();
      const onNodes = volumes.get(`${NAMESPACE}_postgres-data`) ?? [];
      assert(
        JSON.stringify(onNodes) === JSON.stringify([volumeNode]),
        `volume ${NAMESPACE}_postgres-data on ${onNodes.join(", ") || "no node"}`,
      );
      const redeployStart = Date.now();
      await r.deploy("good");
      await converge(good, 300);
      measured(
        timed(`${tf ? "terraform destroy of the services" : "stack rm"}, then deploy → converged and healthy`),
        (Date.now() - redeployStart) / 1000,
        "not measured in the thesis",
      );
      await readBack(`${r.removeCommand} and a new deploy`);
      if (tf) plans.push(await noDrift("the services were destroyed and applied again"));
      return `row ${row} and cluster ${cluster0.slice(0, 8)} kept on ${volumeNode}; ${removed}${plans.length ? `; ${plans.join("; ")}` : ""}`;
    },
  );
}

/** Removes every object of a rendering and the volumes the engines made for it; asserts nothing is left. */
async function removeRendering(r: Rendering): Promise<void> {
  await check(
    `${r.name === "terraform" ? "[terraform] " : ""}removing the deployment leaves nothing on the engines (services, networks, containers, secrets, configs, volumes)`,
    async () => {
      const start = Date.now();
      const how = await r.removeAll();
      await waitForRemoval("the deployment's removal");
      const volumes = await volumesOnNodes();
      for (const [volume, nodes] of volumes)
        for (const node of nodes) await cluster.engine(node).cli(["volume", "rm", volume]);
      const secrets = (await manager.api<any[]>("/secrets"))
        .map((s) => s.Spec.Name)
        .filter((n) => n.startsWith(`${NAMESPACE}_`));
      const configs = (await manager.api<any[]>("/configs"))
        .map((c) => c.Spec.Name)
        .filter((n) => n.startsWith(`${NAMESPACE}_`));
      assert(secrets.length === 0 && configs.length === 0, `left: ${[...secrets, ...configs].join(", ")}`);
      assert((await volumesOnNodes()).size === 0, "volumes left");
      return `${how}; ${[...volumes.keys()].length} volumes removed by the harness (${((Date.now() - start) / 1000).toFixed(1)} s)`;
    },
  );
}

/** Each `terraform plan -detailed-exitcode` of the run, in order. */
const planCodes: { after: string; code: number }[] = [];

/** Starts the cluster and proves each rendering on it, one after the other; compares their engine specs. */
async function deployAndProve(
  renderings: readonly RenderingName[],
  stacks: { lab: StackFile; good: StackFile; broken: StackFile },
  notRun: string[],
  thesis?: ThesisStack,
): Promise<void> {
  const { lab, good, broken } = stacks;
  console.log(`renderings: ${renderings.join(", then ") || "none"}${thesis ? `; the thesis comparison first` : ""}`);

  console.log("building the stand-in images");
  const otApp = app.services.find((s) => s.name === "ot-app")!;
  const brokenOtApp = `${otApp.image.repository}:${BROKEN_OT_APP_TAG}`;
  const archives = buildStandInArchives(
    work,
    standInImages(app, [
      standIn(brokenOtApp, "ot-app", ["/stand-in/crash-at-start"]),
      // The thesis' debug shell runs its own command (sleep infinity), as netshoot has no entrypoint.
      standIn(thesisDebugImage(), "debug", []),
    ]),
    standIn(ingressStandInImage(), "ingress", ["/usr/local/bin/traefik"]),
    proxyStandIn(dockerApiProxyStandInImage()),
  );

  console.log(
    `starting ${NODES.length} Docker engines (${NODES.map((n) => `${n.name} ${n.role} ${n.address}`).join(", ")})`,
  );
  const labels: Record<string, string[]> = {};
  for (const [volume, node] of Object.entries(E2E.swarm!.volumeNodes))
    (labels[node] ??= []).push(`${volumeLabel(volume)}=true`);
  const upStart = Date.now();
  await cluster.up(labels);
  await Promise.all(
    NODES.map(async (node) => {
      const engine = cluster.engine(node.name);
      await engine.cli(["load", "-q", "-i", archives.services], { timeoutMs: 300000 });
      await engine.cli(["load", "-q", "-i", archives.proxy!], { timeoutMs: 300000 });
      if (node.role === "manager") await engine.cli(["load", "-q", "-i", archives.ingress], { timeoutMs: 300000 });
    }),
  );
  console.log(
    `  swarm of ${NODES.length} engines formed and images loaded in ${((Date.now() - upStart) / 1000).toFixed(1)} s`,
  );

  // The stack file's secrets as an operator creates them: generated now, composed as the deployment composes them.
  const generated = Object.fromEntries(
    app.secrets.map((s) => [
      s.name,
      randomBytes(48)
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "")
        .slice(0, s.source.kind === "generate" ? s.source.length : 32),
    ]),
  );
  const plan = planSwarmDeployment({
    app,
    target: E2E.swarm!,
    adminCidrs: E2E.adminCidrs,
    secretValue: (name) => generated[name],
  });
  const dirs = { good: good.dir, broken: broken.dir };
  const pass: Pass = { good, broken, lab, snapshots: new Map() };

  engineVersion = (await manager.api<{ Version: string }>("/version")).Version;
  if (thesis) {
    const contender = thesisContender(cluster, thesis, {
      dir: path.join(work, "thesis"),
      storageDir: path.join(STATE_DIR, "thesis-storage"),
      brokenOtAppImage: brokenOtApp,
      // The thesis' operator's .env (not published): the variables its file names.
      env: {
        POSTGRES_USER: "argo",
        POSTGRES_PASSWORD: randomBytes(24).toString("hex"),
        POSTGRES_DB: "argodb",
        GF_SECURITY_ADMIN_USER: "admin",
      },
      secretValue: randomBytes(24).toString("hex"),
    });
    // The issue's harness, then the one ours runs on.
    for (const harness of [THESIS_HARNESS, FULL_CLUSTER]) {
      const drained = NODES.filter((n) => !harness.includes(n));
      console.log(
        `checks: the thesis' stack file on ${harnessName(harness)}${drained.length ? ` (${drained.map((n) => n.name).join(", ")} drained)` : ""}`,
      );
      comparison.set(`thesis, ${harnessName(harness)}`, await compare(cluster, contender, harness));
    }
  }

  for (const name of renderings) {
    const r: Rendering =
      name === "stack-file"
        ? new StackFileRendering(manager, dirs, plan, async () => void (await waitForRemoval("the services' removal")))
        : new TerraformRendering(terraformRuns!, dirs, NAMESPACE);
    console.log(`checks: the ${name} rendering (${r.deployCommand})`);
    try {
      await prove(r, pass);
    } catch (error) {
      if (!(error instanceof AssertionFailed)) {
        results.push({
          name: `the ${name} rendering's run itself`,
          ok: false,
          detail: (error as Error).stack ?? String(error),
        });
        console.log(`  ✗ the ${name} rendering's run stopped: ${(error as Error).stack ?? error}`);
        for (const node of NODES)
          console.log(`--- ${node.name} dockerd log (last lines) ---\n${cluster.logTail(node, 15)}`);
      }
    }
    await removeRendering(r);
    if (r instanceof TerraformRendering) {
      console.log(`  terraform apply: ${r.applies.map((a) => `${a.what} ${a.seconds.toFixed(1)} s`).join(", ")}`);
      for (const retry of r.destroyRetries)
        console.log(`  terraform ${retry}; a second run completed it (the services were already removed)`);
    }
  }

  if (pass.snapshots.size === 2) {
    await check(
      "docker service inspect: the Terraform-created services, networks, secrets and configs equal the stack file's, read back from the engine",
      async () => {
        const terraform = pass.snapshots.get("terraform")!;
        const stackFile = pass.snapshots.get("stack-file")!;
        const found = differences(terraform, stackFile, ["terraform", "stack file"]);
        assert(found.length === 0, `${found.length} differences:\n${found.slice(0, 40).join("\n")}`);
        const counts = (["services", "networks", "secrets", "configs"] as const)
          .map((k) => `${Object.keys(terraform[k]).length} ${k}`)
          .join(", ");
        assert(
          Object.keys(terraform.services).length === SERVICE_NAMES.length,
          `${Object.keys(terraform.services).length} of ${SERVICE_NAMES.length} services read`,
        );
        return `${counts} equal, whole specs (IDs, list order, the stack CLI's own labels and empty defaults aside: e2e/engine-specs.ts)`;
      },
    );
  } else if (renderings.length === 1) {
    notRun.push(
      `the engine-spec comparison of both renderings: not run: only the ${renderings[0]} rendering was deployed (ARGO_E2E_RENDERING=both runs it)`,
    );
  }
}

async function main(): Promise<void> {
  let renderings: RenderingName[];
  let mode: ReturnType<typeof comparisonMode>;
  try {
    renderings = selectedRenderings();
    mode = comparisonMode();
  } catch (error) {
    console.error(`test:e2e: ${(error as Error).message}`);
    process.exit(2);
  }
  preflight();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "argo-e2e-"));
  const started = Date.now();
  const notRun: string[] = [];
  let torndown = false;
  const teardown = () => {
    if (torndown) return;
    torndown = true;
    terraformRuns?.stop();
    console.log(
      `teardown: ${clusterStarted ? "engines, namespaces, bridge, firewall rule, " : ""}temporary files (Terraform's state and working directories among them)`,
    );
    if (clusterStarted) cluster.down();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      teardown();
      process.exit(130);
    });
  }
  process.on("exit", teardown);

  try {
    console.log("synthesizing the lab stack and the e2e stacks (main.ts)");
    const lab = synth(undefined, path.join(work, "synth-lab"), LAB.swarm!.stackName ?? `swarm-${LAB.name}`);
    const good = synth(path.join(__dirname, "environment.ts"), path.join(work, "synth-e2e"), E2E.swarm!.stackName!);
    const broken = synth(
      path.join(__dirname, "environment-broken-release.ts"),
      path.join(work, "synth-broken"),
      E2E.swarm!.stackName!,
    );

    if (renderings.includes("terraform")) {
      const ready = terraformReadiness(good.dir, work);
      if (ready.ok) {
        terraformRuns = new TerraformRuns(ready.terraform, ready.env, (line) => console.log(line));
      } else {
        notRun.push(`the terraform rendering: not run: ${ready.reason}`);
        console.log(`  ${notRun[notRun.length - 1]}`);
        renderings = renderings.filter((r) => r !== "terraform");
      }
    }
    let thesis: ThesisStack | undefined;
    if (mode !== "off") {
      const published = readThesisStack();
      if (published.ok) {
        thesis = adaptThesisStack(published.text, {
          images: thesisImages(),
          storageDir: path.join(STATE_DIR, "thesis-storage"),
        });
      } else {
        notRun.push(`the thesis comparison: not run: ${published.reason}`);
        console.log(`  ${notRun[notRun.length - 1]}`);
      }
    }
    thesisChanges = thesis?.changes ?? [];
    if (mode === "only") renderings = [];
    if (renderings.length > 0 || thesis) {
      clusterStarted = true;
      await deployAndProve(renderings, { lab, good, broken }, notRun, thesis);
    }
  } catch (error) {
    if (!(error instanceof AssertionFailed)) {
      results.push({ name: "the e2e run itself", ok: false, detail: (error as Error).stack ?? String(error) });
      console.log(`  ✗ the e2e run stopped: ${(error as Error).stack ?? error}`);
      for (const node of NODES)
        console.log(`--- ${node.name} dockerd log (last lines) ---\n${cluster.logTail(node, 15)}`);
    }
  } finally {
    teardown();
  }

  if (planCodes.length)
    console.log(
      `\nterraform plan -detailed-exitcode (0: no changes, 2: changes) after ${planCodes.map((p) => `${p.after}: ${p.code}`).join("; ")}`,
    );
  if (comparison.size) {
    if (Object.keys(oursOnFullCluster).length) comparison.set(`ours, ${harnessName(FULL_CLUSTER)}`, oursOnFullCluster);
    console.log(
      `\nthe thesis' stack file and ours, reported, not asserted (${OURS_NOT_ON_THE_ISSUES_HARNESS}):\n${comparisonTable(comparison)}`,
    );
  }
  summarize(
    "measured times (this machine: 1 manager + 4 workers as local engines)",
    68,
    `e2e: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  for (const line of notRun) console.log(line);
  if (process.env.ARGO_E2E_WRITE_RESULTS === "1") writeResults(notRun);
}

/** The stand-in of the model's (optional) debug shell, which the thesis ran. */
const thesisDebugImage = () => `${imageRef(ARGO.services.find((s) => s.name === "debug")!)}${STAND_IN_SUFFIX}`;

/**
 * The stand-in for each service of the thesis' file: the one of the model service it deploys (its keys are the
 * model's names; wrouesnel/postgres_exporter is the model's postgres-exporter).
 */
function thesisImages(): Record<string, string> {
  const byKey: Record<string, string> = Object.fromEntries(app.services.map((s) => [s.name, imageRef(s)]));
  return { ...byKey, debug: thesisDebugImage() };
}

/** docs/e2e-swarm-results.md from this run (ARGO_E2E_WRITE_RESULTS=1). */
function writeResults(notRun: readonly string[]): void {
  const failed = results.filter((r) => !r.ok).length;
  const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT }).trim() !== "";
  const text = renderResults({
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "unknown"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Docker ${engineVersion} engines (vfs) in network namespaces`,
    commit: `${run("git", ["rev-parse", "HEAD"], { cwd: ROOT }).trim().slice(0, 12)}${dirty ? " (with uncommitted changes)" : ""}`,
    command: [
      `ARGO_E2E_RENDERING=${process.env.ARGO_E2E_RENDERING ?? "stack-file"}`,
      process.env.ARGO_E2E_COMPARISON ? `ARGO_E2E_COMPARISON=${process.env.ARGO_E2E_COMPARISON}` : "",
      "ARGO_E2E_WRITE_RESULTS=1 npm run test:e2e",
    ]
      .filter(Boolean)
      .join(" "),
    oursWhy: OURS_NOT_ON_THE_ISSUES_HARNESS,
    columns: [...comparison].map(([label, figures]) => ({ label, figures })),
    thesisChanges: thesisChanges.length ? thesisChanges : notRun.filter((l) => l.startsWith("the thesis comparison")),
    timings,
    checks: { passed: results.length - failed, failed },
  });
  fs.writeFileSync(path.join(ROOT, RESULTS_FILE), text);
  console.log(`wrote ${RESULTS_FILE}`);
}

void main();
