/**
 * The issue's comparison on one harness: the thesis' own stack file (e2e/thesis-stack.ts) and ours, deployed
 * one after the other on 1 manager + 2 workers of the e2e cluster (the other two workers drained, so they run
 * nothing), each measured the same way: deploy → every service running (thesis: it has no health checks) or
 * healthy (ours), a killed query-api container → its replacement running/healthy, a crashing ot-app release
 * → Swarm reports the rollback completed, a stopped worker → its tasks running elsewhere. Figures are
 * reported next to the issue's goals, never asserted; only what keeps a figure from being taken fails.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import type { Cluster } from "./cluster";
import { query, type Engine } from "./docker";
import { AssertionFailed, assert, check } from "./report";
import { waitFor } from "./shell";
import { THESIS_NAMESPACE, bindSources, externalSecrets, type ThesisStack } from "./thesis-stack";
import { NODES, type EngineNode } from "./topology";

/** How often a convergence is polled, here and in the full run (e2e/run.ts, its cadence before the comparison): figures are that precise. */
export const POLL_MS = 1000;

export type Measure = "deploy" | "killed" | "rollback" | "lostWorker";
export const MEASURES: readonly Measure[] = ["killed", "lostWorker", "rollback", "deploy"];

/** The issue's goals and what each row measures. */
export const GOALS: Readonly<Record<Measure, { readonly what: string; readonly goalSec: number }>> = {
  killed: { what: "killed container → replacement running (thesis) / healthy (ours)", goalSec: 8 },
  lostWorker: { what: "lost worker → its tasks running (thesis) / healthy (ours) elsewhere", goalSec: 20 },
  rollback: { what: "broken release → Swarm reports rollback_completed", goalSec: 15 },
  deploy: { what: "deploy → every service running (thesis) / healthy (ours)", goalSec: 20 },
};

export interface Figure {
  readonly seconds?: number;
  /** Where and how it was taken, or why it was not. */
  readonly note: string;
}
export type Column = Partial<Record<Measure, Figure>>;

/** The issue's harness: the manager and the first two workers; the others are drained meanwhile. */
export const THESIS_HARNESS: readonly EngineNode[] = NODES.filter((n) => n.role === "manager").concat(
  NODES.filter((n) => n.role === "worker").slice(0, 2),
);
/** The whole e2e cluster, where ours runs its checks. */
export const FULL_CLUSTER: readonly EngineNode[] = NODES;
export const harnessName = (nodes: readonly EngineNode[]) =>
  `${nodes.filter((n) => n.role === "manager").length} manager + ${nodes.filter((n) => n.role === "worker").length} workers`;
const MANAGER_NAME = NODES.find((n) => n.role === "manager")!.name;

interface Deployed {
  readonly namespace: string;
  /** Service keys of the file, every one of which must run. */
  readonly keys: readonly string[];
}

/** Problems keeping a stack from its desired state: replicas (one per eligible node), image, health where checked. */
async function problemsOf(
  cluster: Cluster,
  stack: Deployed,
  extra: (tasks: any[], nodes: Map<string, any>) => string[] = () => [],
): Promise<string[]> {
  const manager = cluster.engine(MANAGER_NAME);
  const [services, tasks, nodeList] = await Promise.all([
    manager.api<any[]>(`/services?${query({ label: [`com.docker.stack.namespace=${stack.namespace}`] })}`),
    manager.api<any[]>("/tasks"),
    manager.api<any[]>("/nodes"),
  ]);
  const nodes = new Map(nodeList.map((n) => [n.ID, n]));
  const ready = (id: string) =>
    nodes.get(id)?.Status.State === "ready" && nodes.get(id)?.Spec.Availability === "active";
  const problems: string[] = [];
  for (const key of stack.keys) {
    const service = services.find((s) => s.Spec.Name === `${stack.namespace}_${key}`);
    if (!service) {
      problems.push(`${key}: not deployed`);
      continue;
    }
    const image = service.Spec.TaskTemplate.ContainerSpec.Image.split("@")[0];
    const running = tasks.filter(
      (t) =>
        t.ServiceID === service.ID && t.DesiredState === "running" && t.Status.State === "running" && ready(t.NodeID),
    );
    if (service.Spec.Mode.Global) {
      const role = /node\.role\s*==\s*(\w+)/.exec(
        (service.Spec.TaskTemplate.Placement?.Constraints ?? []).join(" "),
      )?.[1];
      const eligible = nodeList.filter((n) => ready(n.ID) && (!role || n.Spec.Role === role));
      const missing = eligible.filter((n) => !running.some((t) => t.NodeID === n.ID));
      if (missing.length)
        problems.push(`${key}: no running task on ${missing.map((n) => n.Description.Hostname).join(", ")}`);
    } else if (running.length !== service.Spec.Mode.Replicated.Replicas)
      problems.push(`${key}: ${running.length}/${service.Spec.Mode.Replicated.Replicas} running`);
    const test: string[] = service.Spec.TaskTemplate.ContainerSpec.Healthcheck?.Test ?? [];
    for (const task of running) {
      if (task.Spec.ContainerSpec.Image.split("@")[0] !== image)
        problems.push(`${key}: task ${task.ID} runs ${task.Spec.ContainerSpec.Image}`);
      if (test.length === 0 || test[0] === "NONE") continue;
      const engine = cluster.engine(nodes.get(task.NodeID)!.Description.Hostname);
      const container = await engine.api<any>(`/containers/${task.Status.ContainerStatus.ContainerID}/json`);
      if (container.State.Health?.Status !== "healthy")
        problems.push(`${key}: task ${task.ID} is ${container.State.Health?.Status ?? "without health"}`);
    }
  }
  problems.push(...extra(tasks, nodes));
  return problems;
}

/**
 * Waits until the stack converged; returns the seconds since `start` and when each service was first seen at
 * its desired state (what dominates a deploy).
 */
async function converged(
  cluster: Cluster,
  stack: Deployed,
  start: number,
  timeoutSec: number,
  extra?: (tasks: any[], nodes: Map<string, any>) => string[],
): Promise<{ seconds: number; firstReady: Map<string, number> }> {
  const firstReady = new Map<string, number>();
  await waitFor(
    `${stack.namespace} to converge`,
    timeoutSec,
    async () => {
      const problems = await problemsOf(cluster, stack, extra);
      const now = (Date.now() - start) / 1000;
      for (const key of stack.keys)
        if (!firstReady.has(key) && !problems.some((p) => p.startsWith(`${key}:`))) firstReady.set(key, now);
      if (problems.length) throw new Error(problems.join("; "));
      return true;
    },
    POLL_MS,
  );
  return { seconds: (Date.now() - start) / 1000, firstReady };
}

const slowest = (firstReady: Map<string, number>, n = 4) =>
  [...firstReady]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, s]) => `${k} ${s.toFixed(1)} s`)
    .join(", ");

/** What is left of a stack on the harness' engines (services, containers, networks). */
async function leftOf(cluster: Cluster, namespace: string): Promise<string[]> {
  const manager = cluster.engine(MANAGER_NAME);
  const label = `com.docker.stack.namespace=${namespace}`;
  const left = (await manager.api<any[]>(`/services?${query({ label: [label] })}`)).map(
    (s) => `service ${s.Spec.Name}`,
  );
  for (const node of NODES) {
    const engine = cluster.engine(node.name);
    left.push(
      ...(await engine.api<any[]>(`/containers/json?all=1&${query({ label: [label] })}`)).map(
        (c) => `container ${c.Names[0]} on ${node.name}`,
      ),
    );
    left.push(
      ...(await engine.api<any[]>("/networks"))
        .filter((n) => n.Name.startsWith(`${namespace}_`))
        .map((n) => `network ${n.Name} on ${node.name}`),
    );
  }
  return left;
}

async function removeStack(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.engine(MANAGER_NAME).cli(["stack", "rm", namespace]);
  await waitFor(`${namespace}'s removal`, 120, async () => {
    const left = await leftOf(cluster, namespace);
    if (left.length) throw new Error(`left: ${left.join(", ")}`);
    return true;
  });
}

async function setAvailability(
  manager: Engine,
  nodes: readonly EngineNode[],
  availability: "drain" | "active",
): Promise<void> {
  for (const node of nodes) await manager.cli(["node", "update", "--availability", availability, node.name]);
}

/** One side of the comparison: how to deploy it, release the broken ot-app, remove it. */
export interface Contender {
  readonly label: string;
  readonly namespace: string;
  readonly keys: readonly string[];
  /** Whether its services have health checks (ours) or only run (the thesis'). */
  readonly healthChecked: boolean;
  readonly prepare: () => Promise<void>;
  readonly deploy: (release: "good" | "broken") => Promise<void>;
  readonly remove: () => Promise<string>;
  /** The crashing ot-app release's image. */
  readonly brokenImage: string;
}

/** The thesis' file as deployed: written into `dir`, its external secret and storage created by `prepare`. */
export function thesisContender(
  cluster: Cluster,
  thesis: ThesisStack,
  options: {
    dir: string;
    storageDir: string;
    brokenOtAppImage: string;
    env: Readonly<Record<string, string>>;
    secretValue: string;
  },
): Contender {
  const manager = cluster.engine(MANAGER_NAME);
  const files = {
    good: path.join(options.dir, "argo-stack.yml"),
    broken: path.join(options.dir, "argo-stack-broken.yml"),
  };
  fs.mkdirSync(options.dir, { recursive: true });
  fs.writeFileSync(files.good, stringifyYaml(thesis.doc));
  const broken = structuredClone(thesis.doc);
  broken.services["ot-app"].image = options.brokenOtAppImage;
  fs.writeFileSync(files.broken, stringifyYaml(broken));
  return {
    label: "thesis stack file",
    namespace: THESIS_NAMESPACE,
    keys: Object.keys(thesis.doc.services),
    healthChecked: false,
    brokenImage: options.brokenOtAppImage,
    prepare: async () => {
      const { dirs, files: configFiles } = bindSources(thesis.doc, options.storageDir);
      for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
      for (const file of configFiles) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // The thesis kept its Prometheus configuration on the shared volume; it scraped the query API.
        fs.writeFileSync(
          file,
          'scrape_configs:\n  - job_name: query-api\n    static_configs:\n      - targets: ["query-api:8080"]\n',
        );
      }
      for (const secret of externalSecrets(thesis.doc))
        await manager.cli(["secret", "create", secret, "-"], { input: options.secretValue });
    },
    // The operator's .env supplies ${POSTGRES_USER} and the others; the CLI substitutes them.
    deploy: async (release) =>
      void (await manager.cli(["stack", "deploy", "--resolve-image", "never", "-c", files[release], THESIS_NAMESPACE], {
        env: options.env,
      })),
    remove: async () => {
      await removeStack(cluster, THESIS_NAMESPACE);
      for (const secret of externalSecrets(thesis.doc)) await manager.cli(["secret", "rm", secret]);
      fs.rmSync(options.storageDir, { recursive: true, force: true });
      return `docker stack rm, ${externalSecrets(thesis.doc).length} secret and the storage directory removed`;
    },
  };
}

/** Deploys, measures and removes one contender; every figure it could take. */
export async function measureContender(
  cluster: Cluster,
  c: Contender,
  harness: readonly EngineNode[],
): Promise<Column> {
  const column: Column = {};
  const manager = cluster.engine(MANAGER_NAME);
  const stack: Deployed = { namespace: c.namespace, keys: c.keys };
  const named = (text: string) => `comparison, ${c.label} on ${harnessName(harness)}: ${text}`;
  const label = `com.docker.stack.namespace=${c.namespace}`;
  const serviceOf = async (key: string) =>
    (await manager.api<any[]>(`/services?${query({ name: [`${c.namespace}_${key}`] })}`)).find(
      (s) => s.Spec.Name === `${c.namespace}_${key}`,
    );

  await c.prepare();
  const deployed = await check(
    named(
      `docker stack deploy → every service ${c.healthChecked ? "running and healthy" : "running"} on ${harnessName(harness)}`,
    ),
    async () => {
      const start = Date.now();
      await c.deploy("good");
      const { seconds, firstReady } = await converged(cluster, stack, start, 300);
      column.deploy = {
        seconds,
        note: `the latest services first seen at their desired state: ${slowest(firstReady)}`,
      };
      return `${c.keys.length} services in ${seconds.toFixed(1)} s; latest first seen at their desired state: ${slowest(firstReady)}`;
    },
  );
  if (!deployed) {
    await c.remove().catch(() => undefined);
    throw new AssertionFailed(`the ${c.label} did not converge on ${harnessName(harness)}`);
  }

  await check(named("a killed query-api container is replaced"), async () => {
    const service = await serviceOf("query-api");
    const [task] = (
      await manager.api<any[]>(`/tasks?${query({ service: [service.ID], "desired-state": ["running"] })}`)
    ).filter((t) => t.Status.State === "running");
    assert(task, "no running query-api task");
    const node = (await manager.api<any>(`/nodes/${task.NodeID}`)).Description.Hostname;
    const start = Date.now();
    await cluster.engine(node).cli(["kill", task.Status.ContainerStatus.ContainerID]);
    const { seconds } = await converged(cluster, stack, start, 120, (tasks) =>
      tasks.some((t) => t.ID === task.ID && t.DesiredState === "running" && t.Status.State === "running")
        ? [`${task.ID} still running`]
        : [],
    );
    column.killed = { seconds, note: `query-api on ${node}` };
    return `killed on ${node}; replaced in ${seconds.toFixed(1)} s`;
  });

  await check(named("the crashing ot-app release is rolled back"), async () => {
    const start = Date.now();
    await c.deploy("broken");
    const { value } = await waitFor(
      "ot-app's rollback",
      240,
      async () => {
        const service = await serviceOf("ot-app");
        const state: string | undefined = service.UpdateStatus?.State;
        if (state === "paused" || state === "rollback_paused")
          throw new AssertionFailed(`update ${state}: ${service.UpdateStatus.Message}`);
        return state === "rollback_completed" ? service : undefined;
      },
      POLL_MS,
    );
    const seconds = (Date.now() - start) / 1000;
    const before = (await serviceOf("ot-app")).PreviousSpec?.TaskTemplate.ContainerSpec.Image;
    const tried = (await manager.api<any[]>(`/tasks?${query({ service: [value.ID] })}`)).filter(
      (t) => t.Spec.ContainerSpec.Image.split("@")[0] === c.brokenImage,
    );
    assert(tried.length > 0, `no task of ${c.brokenImage} was started: nothing was released`);
    assert(
      value.Spec.TaskTemplate.ContainerSpec.Image.split("@")[0] !== c.brokenImage,
      `after the rollback ot-app's spec still names ${c.brokenImage} (previous: ${before})`,
    );
    await converged(cluster, stack, Date.now(), 120);
    column.rollback = { seconds, note: value.UpdateStatus.Message };
    return `${value.UpdateStatus.Message} after ${seconds.toFixed(1)} s`;
  });

  await check(named("a stopped worker's tasks run on the other workers"), async () => {
    const tasks = await manager.api<any[]>(`/tasks?${query({ label: [label], "desired-state": ["running"] })}`);
    const nodes = await manager.api<any[]>("/nodes");
    const workers = harness
      .filter((n) => n.role === "worker")
      .map((n) => ({
        node: n,
        tasks: tasks.filter((t) => nodes.find((x) => x.ID === t.NodeID)?.Description.Hostname === n.name).length,
      }));
    const victim = workers.sort((a, b) => b.tasks - a.tasks)[0];
    const start = Date.now();
    await cluster.stopEngine(victim.node);
    try {
      const { seconds } = await converged(cluster, stack, start, 180, (_t, n) =>
        [...n.values()].some((x) => x.Description.Hostname === victim.node.name && x.Status.State === "ready")
          ? [`${victim.node.name} not yet seen down`]
          : [],
      );
      column.lostWorker = { seconds, note: `${victim.node.name} stopped, ${victim.tasks} tasks` };
      return `${victim.node.name} ran ${victim.tasks} tasks; elsewhere in ${seconds.toFixed(1)} s`;
    } finally {
      cluster.startEngine(victim.node);
      await cluster.waitForEngine(victim.node);
      await waitFor(`${victim.node.name} ready`, 60, async () =>
        (await manager.api<any[]>("/nodes")).some(
          (x) => x.Description.Hostname === victim.node.name && x.Status.State === "ready",
        )
          ? true
          : undefined,
      );
    }
  });

  await check(named("removed: nothing of it left on the engines"), async () => {
    const how = await c.remove();
    const left = await leftOf(cluster, c.namespace);
    assert(left.length === 0, `left: ${left.join(", ")}`);
    return how;
  });
  return column;
}

/** Measures one contender on some of the cluster's nodes (the others drained meanwhile, then active again). */
export async function compare(cluster: Cluster, c: Contender, harness: readonly EngineNode[]): Promise<Column> {
  const manager = cluster.engine(MANAGER_NAME);
  const drained = NODES.filter((n) => !harness.includes(n));
  await setAvailability(manager, drained, "drain");
  try {
    return await measureContender(cluster, c, harness);
  } catch (error) {
    if (!(error instanceof AssertionFailed)) throw error;
    return {};
  } finally {
    await setAvailability(manager, drained, "active");
  }
}

/** The side-by-side table, as the run prints it. */
export function comparisonTable(columns: ReadonlyMap<string, Column>): string {
  const labels = [...columns.keys()];
  const cell = (f?: Figure) => (f?.seconds === undefined ? "—" : `${f.seconds.toFixed(1)} s`);
  const width = Math.max(...MEASURES.map((m) => GOALS[m].what.length));
  const cellWidth = Math.max(...labels.map((l) => l.length));
  const lines = [
    `  ${"measure".padEnd(width)}  ${labels.map((l) => l.padStart(cellWidth)).join("  ")}  ${"goal".padStart(6)}`,
    ...MEASURES.map(
      (m) =>
        `  ${GOALS[m].what.padEnd(width)}  ${labels.map((l) => cell(columns.get(l)![m]).padStart(cellWidth)).join("  ")}  ${`≤ ${GOALS[m].goalSec} s`.padStart(6)}`,
    ),
  ];
  for (const l of labels)
    for (const m of MEASURES) {
      const f = columns.get(l)![m];
      if (f?.note) lines.push(`    ${l}, ${m}: ${f.note}`);
    }
  return lines.join("\n");
}
