/**
 * Issue 15, what the deployed nomad-lab must show on the real cluster (after `terraform apply`): services
 * passing in Consul, no drift, secrets only where they belong, routes through Fabio, the mesh's intentions,
 * self-healing, automatic rollback of a crashing release, and data that outlives its job. Every expectation is
 * read from the model or the synthesized stack, every observation from Nomad, Consul, Fabio or the tasks.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runtimeDirCovers, selectApplication, type Application } from "../../constructs/model";
import { METRICS_LISTENER } from "../../constructs/nomad/plan";
import type { TerraformJson } from "../../tools/validate/stacks";
import { sleep, waitFor } from "../shell";
import { assert, check, measured } from "../report";
import { plainRequest, type Answer, type RequestOptions } from "./api";
import { brokenOtAppRef } from "./deploy";
import { NOMAD_E2E } from "./environment";
import type { Host, Hosts } from "./hosts";

type Api = (host: Host, p: string, options?: RequestOptions) => Promise<Answer>;

export interface DeployedContext {
  readonly hosts: Hosts;
  readonly consul: Api;
  readonly nomad: Api;
  readonly stackDir: string;
  readonly consulToken: string;
  /** A client host loses power (every process of it dies), and its units start again (consul, docker, nomad). */
  readonly powerOff: (host: Host) => Promise<void>;
  readonly startClient: (host: Host) => void;
  /** Runs terraform in the stack directory with the deployer's environment; resolves to its exit code. */
  readonly terraform: (args: readonly string[], timeoutMs: number) => Promise<{ code: number | null; log: string }>;
}

const app: Application = selectApplication(NOMAD_E2E.application, NOMAD_E2E.selection);
const target = NOMAD_E2E.nomad!;

async function json<T = any>(answer: Promise<Answer>, what: string): Promise<T> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${a.body.trim().slice(0, 300)}`);
  return a.json<T>();
}

/**
 * What happened to each allocation of a rollout from `fromVersion` on, in seconds since `t0`: the version, when its
 * task first and last started, its restarts, when Nomad judged it healthy or not, and whether it was a reschedule
 * of a failed allocation. Printed with the rollback's times, so a slow run says which step was slow.
 */
async function rolloutTimeline(ctx: DeployedContext, host: Host, fromVersion: number, t0: number): Promise<string[]> {
  const allocs = await json<any[]>(ctx.nomad(host, "/v1/job/ot-app/allocations"), "allocs");
  const at = (nanos?: number) =>
    nanos ? `${(nanos / 1e6 - t0) / 1000 >= 0 ? "+" : ""}${((nanos / 1e6 - t0) / 1000).toFixed(1)} s` : "–";
  return allocs
    .filter((a) => a.JobVersion >= fromVersion)
    .sort((a, b) => a.CreateTime - b.CreateTime)
    .map((a) => {
      // The task itself, not its Connect sidecar; StartedAt is its last start, the events hold the first.
      const state = (a.TaskStates ?? {})[a.TaskGroup];
      const firstStart = state?.Events?.find((e: any) => e.Type === "Started")?.Time;
      const health = a.DeploymentStatus?.Healthy;
      const rescheduled = a.RescheduleTracker?.Events?.length ? ", a reschedule of a failed allocation" : "";
      return (
        `alloc ${a.ID.slice(0, 8)} v${a.JobVersion} ${a.ClientStatus}: created ${at(a.CreateTime)}, started ` +
        `${at(firstStart)}, ${state?.Restarts ?? 0} restarts, last start ` +
        `${state?.StartedAt ? at(Date.parse(state.StartedAt) * 1e6) : "–"}, ` +
        `${health === undefined ? "no health" : health ? "healthy" : "unhealthy"} ` +
        `${at(Date.parse(a.DeploymentStatus?.Timestamp ?? "") * 1e6 || undefined)}${rescheduled}`
      );
    });
}

/** The jobspecs exactly as the stack submits them. */
function jobSpecs(stackDir: string): any[] {
  const config: TerraformJson = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  return Object.values((config.resource?.nomad_job ?? {}) as Record<string, any>).map(
    (r) => JSON.parse(String(r.jobspec).replace(/\$\$\{/g, "${")).Job,
  );
}

/** Terraform address of a job's resource. */
function jobAddress(stackDir: string, jobId: string): string {
  const config: TerraformJson = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const entry = Object.entries((config.resource?.nomad_job ?? {}) as Record<string, any>).find(
    ([, r]) => JSON.parse(r.jobspec).Job.ID === jobId,
  );
  if (!entry) throw new Error(`no nomad_job for ${jobId}`);
  return `nomad_job.${entry[0]}`;
}

// ---------------------------------------------------------------------------------------------- the mesh, from a client

/**
 * Consul's built-in Connect proxy on a client, with the identity of `as` and local listeners for `upstreams`:
 * what a task with that identity reaches through the mesh (real certificates from the Connect CA, real
 * intention checks at the destination's sidecar). Returns a function asking one line on an upstream.
 */
async function meshClient(
  ctx: DeployedContext,
  host: Host,
  as: string,
  upstreams: readonly { service: string; localPort: number }[],
) {
  const args = [
    "connect",
    "proxy",
    "-service",
    as,
    ...upstreams.flatMap((u) => ["-upstream", `${u.service}:${u.localPort}`]),
  ];
  const child = spawn("nsenter", ["-t", String(host.holder), "-m", "-n", "-u", "--", "consul", ...args], {
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      CONSUL_HTTP_ADDR: `https://${host.address}:${target.consul.httpsPort}`,
      CONSUL_CACERT: target.consul.caFile,
      CONSUL_HTTP_TOKEN: ctx.consulToken,
    },
    stdio: "ignore",
    detached: true,
  });
  const ask = (localPort: number, request: string): string =>
    ctx.hosts
      .exec(host, [
        "timeout",
        "8",
        "bash",
        "-c",
        'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 0; printf "%b" "$1" >&3; IFS= read -r -t 6 a <&3; printf "%s" "$a"',
        String(localPort),
        request,
      ])
      .output.trim();
  // Ready once every listener accepts.
  await waitFor(
    `the mesh client as ${as}`,
    30,
    () =>
      upstreams.every(
        (u) => ctx.hosts.exec(host, ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${u.localPort}`]).code === 0,
      )
        ? true
        : undefined,
    250,
  );
  return {
    ask,
    stop: () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // gone
      }
    },
  };
}

/** A request line the stand-in on a port answers, and what a good answer starts with. */
function probeFor(service: string): { request: string; answer: RegExp } {
  if (service === "postgres") return { request: "PING\\n", answer: /^READY/ };
  if (service === "memcached") return { request: "version\\n", answer: /^VERSION/ };
  return { request: "GET / HTTP/1.0\\r\\n\\r\\n", answer: /^HTTP\/1\.[01] / };
}

// ---------------------------------------------------------------------------------------------- the checks

export async function deployedChecks(ctx: DeployedContext): Promise<void> {
  const [first] = ctx.hosts.servers;
  const specs = jobSpecs(ctx.stackDir);

  await check("every Consul service of every job is registered and all its checks pass", async () => {
    const expected = [
      ...new Set(
        specs.flatMap((j) =>
          (j.TaskGroups ?? []).flatMap((g: any) =>
            [...(g.Services ?? []), ...(g.Tasks ?? []).flatMap((t: any) => t.Services ?? [])].map((s: any) => s.Name),
          ),
        ),
      ),
    ].sort();
    const { value: states } = await waitFor(
      "every service passing",
      90,
      async () => {
        const states = await Promise.all(
          expected.map(
            async (name) =>
              [
                name,
                await json<any[]>(
                  ctx.consul(first, `/v1/health/checks/${encodeURIComponent(name)}`),
                  `checks of ${name}`,
                ),
              ] as const,
          ),
        );
        const registered = await Promise.all(
          expected.map(
            async (name) =>
              (
                await json<any[]>(
                  ctx.consul(first, `/v1/catalog/service/${encodeURIComponent(name)}`),
                  `catalog ${name}`,
                )
              ).length > 0,
          ),
        );
        // A service without a check is one the model exempts from health checks (ot-app: its process is its liveness).
        const unchecked = (name: string) => Boolean(app.services.find((s) => s.name === name)?.healthCheckExemption);
        return registered.every(Boolean) &&
          states.every(
            ([name, checks]) => (checks.length > 0 || unchecked(name)) && checks.every((c) => c.Status === "passing"),
          )
          ? states
          : undefined;
      },
      1000,
    ).catch(async (e) => {
      throw new Error(
        `${e.message}: ${JSON.stringify(await Promise.all(expected.map(async (n) => [n, (await json<any[]>(ctx.consul(first, `/v1/health/checks/${n}`), n)).map((c) => `${c.Name}:${c.Status}`)])))}`,
      );
    });
    return `${expected.length} services (${states.reduce((n, [, c]) => n + c.length, 0)} checks) passing: ${expected.join(", ")}`;
  });

  await check("a second terraform plan shows no changes", async () => {
    const r = await ctx.terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"], 300000);
    assert(
      r.code === 0,
      `terraform plan -detailed-exitcode exited ${r.code}:\n${r.log
        .split("\n")
        .filter((l) => /^\s+[~+-]|will be|must be/.test(l))
        .slice(0, 30)
        .join("\n")}`,
    );
    return "terraform plan -detailed-exitcode: exit 0";
  });

  await check("secrets: delivered to the tasks, absent from every job specification and from Consul KV", async () => {
    const paths = (await json<any[]>(ctx.nomad(first, "/v1/vars?prefix=nomad/jobs"), "variables")).map(
      (v) => v.Path as string,
    );
    const values: string[] = [];
    for (const p of paths) {
      const variable = await json<any>(ctx.nomad(first, `/v1/var/${p}`), `variable ${p}`);
      for (const value of Object.values<string>(variable.Items ?? {})) if (value.length >= 8) values.push(value);
    }
    assert(values.length >= 3, `only ${values.length} secret values in ${paths.length} variables`);
    const leaks: string[] = [];
    for (const job of await json<any[]>(ctx.nomad(first, "/v1/jobs"), "jobs")) {
      const inspected = (await ctx.nomad(first, `/v1/job/${encodeURIComponent(job.ID)}`)).body;
      for (const v of values)
        if (inspected.includes(v) || inspected.includes(JSON.stringify(v).slice(1, -1))) leaks.push(`job ${job.ID}`);
    }
    const statePrefix = target.backend?.kind === "consul" ? target.backend.pathPrefix : "";
    const kv = await json<any[]>(ctx.consul(first, "/v1/kv/?recurse"), "KV");
    for (const entry of kv) {
      if (statePrefix && String(entry.Key).startsWith(statePrefix)) continue;
      const content = Buffer.from(entry.Value ?? "", "base64").toString("utf8");
      for (const v of values) if (content.includes(v)) leaks.push(`KV ${entry.Key}`);
    }
    assert(leaks.length === 0, `secret values found in ${[...new Set(leaks)].join(", ")}`);
    // Terraform's state holds them (as every state does): only the deployer's token may read it.
    const stateKeys = kv
      .filter((e) => statePrefix && String(e.Key).startsWith(statePrefix))
      .map((e) => e.Key as string);
    const fabioToken = (await json<any>(ctx.nomad(first, "/v1/var/nomad/jobs/fabio"), "fabio's variable")).Items
      .FABIO_registry_consul_token as string;
    const stateRead = stateKeys.length
      ? await ctx.consul(first, `/v1/kv/${stateKeys[0]}`, { token: fabioToken })
      : undefined;
    assert(
      !stateRead || stateRead.status === 403,
      `Fabio's Consul token reads the Terraform state: ${stateRead?.status}`,
    );
    // The APIs logged in to the database with the delivered password (the stand-in refuses an empty one).
    const logins: string[] = [];
    for (const api of ["query-api", "admin-api", "postgres-exporter"]) {
      const alloc = (await json<any[]>(ctx.nomad(first, `/v1/job/${api}/allocations`), api)).find(
        (a) => a.ClientStatus === "running",
      );
      assert(alloc, `${api}: no running allocation`);
      const out = (await ctx.nomad(first, `/v1/client/fs/logs/${alloc.ID}?task=${api}&type=stdout&plain=true`)).body;
      assert(
        /logged in to \S+ at 127\.0\.0\.1:\d+ as \S+/.test(out),
        `${api} did not log in to the database: ${out.trim().slice(-300)}`,
      );
      logins.push(api);
    }
    return `${values.length} values in ${paths.length} variables; none in ${kv.length} KV entries outside the state (${stateKeys.join(", ") || "none"}, refused to Fabio's token) nor in any job; ${logins.join(", ")} logged in through the mesh`;
  });

  await check(
    "no engine socket through a host volume: where a job mounts the node's root, its /run is empty",
    async () => {
      const seen: string[] = [];
      for (const service of app.services)
        for (const cover of runtimeDirCovers(service)) {
          const allocs = (
            await json<any[]>(ctx.nomad(first, `/v1/job/${service.name}/allocations`), service.name)
          ).filter((a) => a.ClientStatus === "running");
          assert(allocs.length > 0, `no running allocation of ${service.name}`);
          for (const alloc of allocs) {
            const host = ctx.hosts.clients.find((h) => alloc.NodeName === h.vm.name)!;
            const where = `${service.name} on ${alloc.NodeName}`;
            const inTask = (...command: string[]) =>
              ctx.hosts.exec(host, ["docker", "exec", `${service.name}-${alloc.ID}`, ...command]);
            // The volume still shows the node (its /etc), only /run is empty; the client's engine socket is there.
            assert(inTask("test", "-d", `${cover.volume.mountPath}/etc`).code === 0, `${where}: no node root`);
            assert(ctx.hosts.exec(host, ["test", "-S", "/run/docker.sock"]).code === 0, `${where}: no engine socket`);
            const sockets = inTask("find", cover.mountPath, "-type", "s");
            assert(sockets.code === 0, `${where}: find ${cover.mountPath} failed: ${sockets.output}`);
            assert(sockets.output === "", `${where}: sockets under ${cover.mountPath}: ${sockets.output}`);
            seen.push(where);
          }
        }
      assert(seen.length > 0, "no job mounts the node's root (nothing to check)");
      return `no socket under /run of the node's root in ${seen.length} tasks (${seen.join(", ")}), while each client's /run/docker.sock exists`;
    },
  );

  await check("a job's workload identity cannot read another job's Nomad Variable", async () => {
    const probe = {
      ID: "e2e-variable-probe",
      Name: "e2e-variable-probe",
      Type: "service",
      Region: target.region,
      Datacenters: [target.datacenter],
      // Group "own" reads the probe's own variable (the control), group "other" postgres' variable.
      TaskGroups: [
        ["own", "nomad/jobs/e2e-variable-probe", "KEY"],
        ["other", "nomad/jobs/postgres", "POSTGRES_PASSWORD"],
      ].map(([group, variable, key]) => ({
        Name: group,
        Count: 1,
        Tasks: [
          {
            Name: "probe",
            Driver: "docker",
            Config: { image: "argo-e2e/pause:stand-in" },
            Resources: { CPU: 50, MemoryMB: 32 },
            Templates: [
              {
                EmbeddedTmpl: `{{ with nomadVar "${variable}" }}{{ .${key} }}{{ end }}`,
                DestPath: "secrets/read",
                ChangeMode: "noop",
              },
            ],
          },
        ],
      })),
    };
    await json(
      ctx.nomad(first, "/v1/var/nomad/jobs/e2e-variable-probe", {
        method: "PUT",
        body: JSON.stringify({ Path: "nomad/jobs/e2e-variable-probe", Items: { KEY: "probe-value" } }),
      }),
      "the probe's own variable",
    );
    await json(ctx.nomad(first, "/v1/jobs", { method: "POST", body: JSON.stringify({ Job: probe }) }), "probe job");
    try {
      const stateOf = async (group: string) => {
        const allocs = await json<any[]>(
          ctx.nomad(first, "/v1/job/e2e-variable-probe/allocations"),
          "probe allocations",
        );
        return allocs.find((a) => a.TaskGroup === group)?.TaskStates?.probe;
      };
      await waitFor(
        "the control probe (its own variable) running",
        60,
        async () => ((await stateOf("own"))?.State === "running" ? true : undefined),
        500,
      );
      await sleep(10000);
      const state = await stateOf("other");
      const events = (state?.Events ?? []).map((e: any) => e.DisplayMessage).join(" | ");
      assert(state?.State !== "running", `the probe started: it read nomad/jobs/postgres (${events})`);
      assert(/nomad\/jobs\/postgres/.test(events), `the probe waits, but not on the variable: ${events}`);
      return `its own variable: running; postgres' variable: ${state?.State ?? "pending"} 10 s later (${events.split(" | ").pop()})`;
    } finally {
      await ctx.nomad(first, "/v1/job/e2e-variable-probe?purge=true", { method: "DELETE" });
      await ctx.nomad(first, "/v1/var/nomad/jobs/e2e-variable-probe", { method: "DELETE" });
    }
  });

  await check(
    "every route answers through Fabio on both clients; admin-only routes refuse clients outside the admin CIDRs",
    async () => {
      const notes: string[] = [];
      for (const client of ctx.hosts.clients) {
        for (const route of app.routes) {
          const url = route.pathPrefix;
          const inside = await plainRequest(client.address, target.fabio.httpPort, url);
          assert(
            !("error" in inside) && inside.status < 400,
            `${client.vm.name} ${url} → ${JSON.stringify(inside).slice(0, 200)}`,
          );
          // As the edge forwards a client from the internet: the peer is allowed, the client it names is not.
          const outside = await plainRequest(client.address, target.fabio.httpPort, url, {
            "X-Forwarded-For": "203.0.113.9",
          });
          const refused = !("error" in outside) && outside.status === 403;
          assert(
            route.adminOnly ? refused : !("error" in outside) && outside.status < 400,
            `${client.vm.name} ${url} for 203.0.113.9 → ${"error" in outside ? outside.error : outside.status} (admin-only: ${Boolean(route.adminOnly)})`,
          );
          if (client === ctx.hosts.clients[0])
            notes.push(`${url} ${inside.status}${route.adminOnly ? "/403 outside" : ""}`);
        }
      }
      return notes.join(", ");
    },
  );

  await check(
    "published ports: only Fabio has static ports; only routed and scraped ports, sidecars (mTLS only) and metrics/check listeners are on the hosts",
    async () => {
      const notes: string[] = [];
      for (const job of await json<any[]>(ctx.nomad(first, "/v1/jobs"), "jobs")) {
        const spec = await json<any>(ctx.nomad(first, `/v1/job/${encodeURIComponent(job.ID)}`), job.ID);
        const reserved = (spec.TaskGroups ?? []).flatMap((g: any) =>
          (g.Networks ?? []).flatMap((n: any) => n.ReservedPorts ?? []),
        );
        assert(
          job.ID === "fabio" || reserved.length === 0,
          `${job.ID} reserves static ports ${JSON.stringify(reserved)}`,
        );
        // Ports the model makes reachable: routed ones (Fabio) and scraped ones outside the mesh (Prometheus).
        const scraped = app.services.flatMap((s) =>
          (s.talksTo ?? []).filter((t) => t.kind === "scrape" && t.service === job.ID).map((t) => t.port),
        );
        const routed = [...app.routes.filter((r) => r.service === job.ID).map((r) => r.port), ...scraped];
        const alloc = (
          await json<any[]>(ctx.nomad(first, `/v1/job/${encodeURIComponent(job.ID)}/allocations`), job.ID)
        ).find((a) => a.ClientStatus === "running");
        if (!alloc) continue;
        const ports: any[] =
          (await json<any>(ctx.nomad(first, `/v1/allocation/${alloc.ID}`), alloc.ID)).AllocatedResources?.Shared
            ?.Ports ?? [];
        for (const port of ports) {
          const label = String(port.Label);
          const allowed =
            routed.includes(label) ||
            label.startsWith("connect-proxy-") ||
            label === METRICS_LISTENER ||
            /_ck_/.test(label) ||
            (job.ID === "fabio" && reserved.some((r: any) => r.Label === label));
          assert(
            allowed,
            `${job.ID} publishes ${label} on ${port.HostIP}:${port.Value}, which no route, scrape, sidecar or listener needs`,
          );
          if (label.startsWith("connect-proxy-")) {
            const plain = await plainRequest(port.HostIP, port.Value, "/");
            assert(
              "error" in plain,
              `${job.ID}'s sidecar on ${port.HostIP}:${port.Value} answered plain HTTP: ${JSON.stringify(plain).slice(0, 120)}`,
            );
          }
        }
        if (ports.length) notes.push(`${job.ID}: ${ports.map((p) => p.Label).join("/")}`);
      }
      return notes.join("; ");
    },
  );

  await check(
    "mesh: every talks-to pair connects through its upstream; pairs not in the model are refused by intentions",
    async () => {
      const [client] = ctx.hosts.clients;
      const calls = app.services.flatMap((s) =>
        (s.talksTo ?? []).filter((t) => (t.kind ?? "call") === "call").map((t) => ({ from: s.name, to: t.service })),
      );
      const refusedPairs = [
        { from: "query-site", to: "postgres" },
        { from: "ot-app", to: "admin-api" },
      ].filter((p) => !calls.some((c) => c.from === p.from && c.to === p.to));
      const notes: string[] = [];
      let port = 41000;
      for (const pair of [
        ...calls.map((c) => ({ ...c, allowed: true })),
        ...refusedPairs.map((p) => ({ ...p, allowed: false })),
      ]) {
        const localPort = port++;
        const mesh = await meshClient(ctx, client, pair.from, [{ service: pair.to, localPort }]);
        try {
          const { request, answer } = probeFor(pair.to);
          const got = mesh.ask(localPort, request);
          if (pair.allowed) assert(answer.test(got), `${pair.from} → ${pair.to}: "${got}" (expected ${answer})`);
          else assert(got === "", `${pair.from} → ${pair.to} is not in the model, yet answered "${got}"`);
          notes.push(`${pair.from}→${pair.to} ${pair.allowed ? "ok" : "refused"}`);
        } finally {
          mesh.stop();
        }
      }
      return notes.join(", ");
    },
  );

  await check("self-healing: a killed allocation's task is restarted and healthy again", async () => {
    const alloc = (await json<any[]>(ctx.nomad(first, "/v1/job/query-api/allocations"), "query-api")).find(
      (a) => a.ClientStatus === "running",
    );
    assert(alloc, "no running query-api allocation");
    const host = ctx.hosts.clients.find((h) => alloc.NodeName === h.vm.name)!;
    const task = async () =>
      (await json<any>(ctx.nomad(first, `/v1/allocation/${alloc.ID}`), "alloc")).TaskStates?.["query-api"];
    const restartsBefore = (await task())?.Restarts ?? 0;
    const interval = app.services.find((s) => s.name === "query-api")!.healthCheck!.intervalSec;
    const t0 = Date.now();
    const killed = ctx.hosts.exec(host, ["docker", "kill", `query-api-${alloc.ID}`]);
    assert(killed.code === 0, `docker kill: ${killed.output}`);
    const { seconds: restarted } = await waitFor(
      "query-api restarted",
      120,
      async () => {
        const t = await task();
        return t && t.Restarts > restartsBefore && t.State === "running" ? true : undefined;
      },
      200,
    );
    // Healthy: its checks pass at least one check interval after the new container started.
    await sleep(interval * 1000);
    const { seconds } = await waitFor(
      "query-api passing again",
      120,
      async () => {
        const checks = await json<any[]>(ctx.consul(first, "/v1/health/checks/query-api"), "checks");
        return checks.length > 0 && checks.every((c) => c.Status === "passing") ? true : undefined;
      },
      200,
    );
    const healthy = (Date.now() - t0) / 1000;
    measured("killed query-api container → its task running again", restarted, "restart delay 3 s");
    measured(
      "killed query-api container → running, checks passing one interval later",
      healthy,
      "thesis (Swarm, no health checks): 6.6 s",
    );
    return `restarted after ${restarted.toFixed(1)} s, passing ${seconds.toFixed(1)} s after one ${interval} s interval`;
  });

  // ARGO_NOMAD_E2E_ROLLBACK_ROUNDS=N releases the crashing ot-app N times (its time varies with the machine's load).
  for (let round = 0; round < Number(process.env.ARGO_NOMAD_E2E_ROLLBACK_ROUNDS ?? 1); round++)
    await check(
      "rollback: a crashing ot-app release is reverted automatically (auto_revert), the old version runs alone",
      async () => {
        const current = (await json<any>(ctx.nomad(first, "/v1/job/ot-app"), "ot-app")) as any;
        const goodImage = current.TaskGroups[0].Tasks[0].Config.image as string;
        const broken = structuredClone(current);
        broken.TaskGroups[0].Tasks[0].Config.image = brokenOtAppRef();
        const t0 = Date.now();
        await json(
          ctx.nomad(first, "/v1/job/ot-app", { method: "POST", body: JSON.stringify({ Job: broken }) }),
          "release the broken ot-app",
        );
        const since = () => (Date.now() - t0) / 1000;
        let failedAt = 0;
        const { value: deploymentNote } = await waitFor(
          "the broken release's deployment to fail",
          240,
          async () => {
            const deployments = await json<any[]>(ctx.nomad(first, "/v1/job/ot-app/deployments"), "deployments");
            const failed = deployments.find((d) => d.JobVersion === current.Version + 1 && d.Status === "failed");
            if (failed && !failedAt) failedAt = since();
            return failed ? failed.StatusDescription : undefined;
          },
          250,
        );
        await waitFor(
          "only the old version running, all healthy",
          240,
          async () => {
            const job = await json<any>(ctx.nomad(first, "/v1/job/ot-app"), "ot-app");
            if (job.TaskGroups[0].Tasks[0].Config.image !== goodImage) return undefined;
            const allocs = await json<any[]>(ctx.nomad(first, "/v1/job/ot-app/allocations"), "allocs");
            const running = allocs.filter((a) => a.ClientStatus === "running");
            const brokenRunning = running.filter((a) => a.JobVersion === current.Version + 1);
            const healthy = running.filter((a) => a.JobVersion === job.Version && a.DeploymentStatus?.Healthy === true);
            return brokenRunning.length === 0 && healthy.length === job.TaskGroups[0].Count ? true : undefined;
          },
          250,
        );
        console.log(`    ${(await rolloutTimeline(ctx, first, current.Version, t0)).join("\n    ")}`);
        measured("broken ot-app released → deployment failed", failedAt, "thesis: about 10 minutes (Nomad's defaults)");
        measured("broken ot-app released → only the old version runs, healthy", since(), "goal: under one minute");
        assert(since() < 60, `the rollback took ${since().toFixed(1)} s`);
        return `${deploymentNote}; old image ${goodImage} back`;
      },
    );

  await check("a slow but healthy start is not failed: a release taking 20 s to listen deploys", async () => {
    const current = (await json<any>(ctx.nomad(first, "/v1/job/query-site"), "query-site")) as any;
    const slow = structuredClone(current);
    slow.TaskGroups[0].Tasks[0].Env = { ...(slow.TaskGroups[0].Tasks[0].Env ?? {}), STAND_IN_START_DELAY_SEC: "20" };
    const t0 = Date.now();
    await json(
      ctx.nomad(first, "/v1/job/query-site", { method: "POST", body: JSON.stringify({ Job: slow }) }),
      "release the slow query-site",
    );
    const { value } = await waitFor(
      "the slow release's deployment",
      300,
      async () => {
        const d = await json<any>(ctx.nomad(first, "/v1/job/query-site/deployment"), "deployment");
        return d && d.JobVersion === current.Version + 1 && d.Status !== "running" ? d : undefined;
      },
      500,
    );
    assert(value.Status === "successful", `the slow release's deployment ${value.Status}: ${value.StatusDescription}`);
    measured("slow query-site release (20 s to listen) → deployment successful", (Date.now() - t0) / 1000);
    return value.StatusDescription;
  });

  await check(
    "nothing lost: a row in postgres' host volume survives a job update and the job's destroy and re-create",
    async () => {
      const [client] = ctx.hosts.clients;
      const password = (await json<any>(ctx.nomad(first, "/v1/var/nomad/jobs/postgres"), "postgres variable")).Items
        .POSTGRES_PASSWORD as string;
      const env = specs.find((j) => j.ID === "postgres").TaskGroups[0].Tasks[0].Env as Record<string, string>;
      const login = `${env.POSTGRES_USER} ${env.POSTGRES_DB} ${password}`;
      const row = `e2e-${Date.now()}`;
      const asClient = async (request: string) => {
        const mesh = await meshClient(ctx, client, "query-api", [{ service: "postgres", localPort: 41900 }]);
        try {
          return await waitFor(
            `postgres answering ${request.split(" ")[0]}`,
            60,
            () => mesh.ask(41900, request) || undefined,
            500,
          ).then((r) => r.value);
        } finally {
          mesh.stop();
        }
      };
      assert((await asClient(`WRITE ${login} ${row}\\n`)) === "OK", "the row was not written");
      const steps: string[] = [];
      // A job update: new metadata, a new allocation on the same host volume.
      const job = await json<any>(ctx.nomad(first, "/v1/job/postgres"), "postgres");
      job.Meta = { ...(job.Meta ?? {}), e2e_update: row };
      await json(
        ctx.nomad(first, "/v1/job/postgres", { method: "POST", body: JSON.stringify({ Job: job }) }),
        "postgres update",
      );
      await waitFor(
        "postgres' update deployed",
        180,
        async () => {
          const d = await json<any>(ctx.nomad(first, "/v1/job/postgres/deployment"), "deployment");
          return d && d.JobVersion === job.Version + 1 && d.Status === "successful" ? true : undefined;
        },
        500,
      );
      assert((await asClient(`READ ${login}\\n`)).split(",").includes(row), "the row is gone after the job update");
      steps.push("job update");
      // Terraform destroys the job and creates it again (and so puts the update back to what the stack says).
      const r = await ctx.terraform(
        ["apply", "-auto-approve", "-input=false", "-no-color", `-replace=${jobAddress(ctx.stackDir, "postgres")}`],
        400000,
      );
      assert(
        r.code === 0,
        `terraform apply -replace exited ${r.code}: ${r.log
          .split("\n")
          .filter((l) => /Error/.test(l))
          .slice(0, 5)
          .join("\n")}`,
      );
      assert(
        (await asClient(`READ ${login}\\n`)).split(",").includes(row),
        "the row is gone after the job was destroyed and created again",
      );
      steps.push("terraform apply -replace (destroy, then create)");
      return `row ${row} kept through ${steps.join(", ")}`;
    },
  );

  await check(
    "a client fails: its stateless allocations run healthy on the other client; it rejoins and its pinned jobs return",
    async () => {
      const pinnedTo = (job: any) =>
        Object.values<any>(job.TaskGroups[0].Volumes ?? {})
          .map((v) => target.hostVolumes[v.Source]?.client)
          .find(Boolean);
      const postgresClient = pinnedTo(specs.find((j) => j.ID === "postgres"));
      const victim = ctx.hosts.clients.find((h) => h.vm.name !== postgresClient)!;
      const survivor = ctx.hosts.clients.find((h) => h !== victim)!;
      const serviceJobs = specs.filter((j) => j.Type === "service" && !j.ID.startsWith("e2e-"));
      const movable = serviceJobs
        .filter((j) => !pinnedTo(j))
        .map((j) => ({ id: j.ID as string, count: j.TaskGroups[0].Count as number }));
      const pinned = serviceJobs
        .filter((j) => pinnedTo(j) === victim.vm.name)
        .map((j) => ({ id: j.ID as string, count: j.TaskGroups[0].Count as number }));
      // The Consul name of a job's first service (ot-app has no checks: its allocations running are its health).
      const passingOn = async (job: { id: string; count: number }, node: string) => {
        const passing = await json<any[]>(
          ctx.consul(first, `/v1/health/service/${encodeURIComponent(job.id)}?passing=true`),
          `${job.id} health`,
        );
        return passing.filter((e) => e.Node.Node === node).length;
      };
      const runningOn = async (job: { id: string }, node: string) =>
        (await json<any[]>(ctx.nomad(first, `/v1/job/${job.id}/allocations`), job.id)).filter(
          (a) => a.ClientStatus === "running" && a.NodeName === node && a.DesiredStatus === "run",
        ).length;
      const t0 = Date.now();
      await ctx.powerOff(victim);
      const { seconds: down } = await waitFor(
        `Nomad to mark ${victim.vm.name} down`,
        120,
        async () => {
          const nodes = await json<any[]>(ctx.nomad(first, "/v1/nodes"), "nodes");
          return nodes.find((n) => n.Name === victim.vm.name)?.Status === "down" ? true : undefined;
        },
        250,
      );
      measured(`client ${victim.vm.name} lost → Nomad marks it down`, down, "Nomad's heartbeat grace");
      await waitFor(
        `every stateless job running healthy on ${survivor.vm.name}`,
        180,
        async () => {
          for (const job of movable) {
            if ((await runningOn(job, survivor.vm.name)) < job.count) return undefined;
            if (job.id !== "ot-app" && (await passingOn(job, survivor.vm.name)) < job.count) return undefined;
          }
          return true;
        },
        500,
      );
      const moved = (Date.now() - t0) / 1000;
      measured(
        `client ${victim.vm.name} lost → ${movable.length} stateless jobs running healthy on ${survivor.vm.name}`,
        moved,
        "thesis (Swarm): 21–25 s",
      );
      const t1 = Date.now();
      ctx.startClient(victim);
      await waitFor(
        `${victim.vm.name} ready again with ${pinned.map((j) => j.id).join(", ")} running`,
        240,
        async () => {
          const nodes = await json<any[]>(ctx.nomad(first, "/v1/nodes"), "nodes");
          if (nodes.find((n) => n.Name === victim.vm.name)?.Status !== "ready") return undefined;
          for (const job of pinned)
            if (
              (await runningOn(job, victim.vm.name)) < job.count ||
              (await passingOn(job, victim.vm.name)) < job.count
            )
              return undefined;
          return true;
        },
        1000,
      );
      measured(
        `${victim.vm.name} restarted → ready, its pinned jobs (${pinned.map((j) => j.id).join(", ")}) healthy`,
        (Date.now() - t1) / 1000,
      );
      return `${victim.vm.name} powered off: ${movable.map((j) => j.id).join(", ")} healthy on ${survivor.vm.name} after ${moved.toFixed(1)} s; back with ${pinned.map((j) => j.id).join(", ")} after ${((Date.now() - t1) / 1000).toFixed(1)} s`;
    },
  );
}
