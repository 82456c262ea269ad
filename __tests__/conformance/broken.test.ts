/**
 * Each conformance check fails on a broken output: the synthesized JSON of a platform mutated (an intention
 * dropped, a security-group rule added, a health check removed, replicas changed, an admin route widened), a
 * record removed, or an application with a literal secret synthesized.
 */
import { ENVIRONMENTS } from "../../environments";
import { argoCopy, serviceOf } from "../helpers";
import { flowProblems, healthProblems, intentGaps, routeProblems, secretProblems } from "./checks";
import { ENTRIES, synthesize, workloadsOf, type Synthesized } from "./platforms";

const cache = new Map<string, Synthesized>();
const synth = (field: string) => {
  if (!cache.has(field)) cache.set(field, synthesize(ENTRIES.find((e) => e.field === field)!));
  return cache.get(field)!;
};

/** The synthesized stack with its JSON edited (a deep copy; the records stay as synthesized). */
function broken(field: string, edit: (json: any) => void) {
  const s = synth(field);
  const json = structuredClone(s.json);
  edit(json);
  return { s, w: workloadsOf(json, s.entry.stackName, ENVIRONMENTS) };
}

const named = (json: any, type: string, match: (name: string, values: any) => boolean) => {
  const hits = Object.entries<any>(json.resource[type]).filter(([name, values]) => match(name, values));
  if (hits.length !== 1) throw new Error(`${type}: ${hits.length} matches`);
  return hits[0][1];
};

test("nomad: an intention dropped is a talks-to pair the output no longer allows", () => {
  const { s, w } = broken("nomad", (json) => {
    const entry = named(
      json,
      "consul_config_entry",
      (_, v) => v.kind === "service-intentions" && v.name === "postgres",
    );
    const config = JSON.parse(entry.config_json);
    config.Sources = config.Sources.filter((source: any) => source.Name !== "query-api");
    entry.config_json = JSON.stringify(config);
  });
  expect(flowProblems(s, w)).toEqual(["query-api -> postgres: not allowed by the output"]);
});

test("ecs: a security-group rule added is a flow with no talks-to pair", () => {
  const { s, w } = broken("ecs", (json) => {
    const rules = json.resource.aws_vpc_security_group_ingress_rule;
    const from = Object.keys(rules).find((n) => n.startsWith("argo_postgres_from-admin-api_"))!;
    const memcached = Object.entries<any>(json.resource.aws_security_group).find(([, v]) =>
      String(v.name).endsWith("-memcached"),
    )!;
    rules.memcached_from_admin_api = {
      ...rules[from],
      security_group_id: `\${aws_security_group.${memcached[0]}.id}`,
      from_port: 11211,
      to_port: 11211,
    };
  });
  expect(flowProblems(s, w)).toEqual(["admin-api -> memcached: allowed, but no talks-to pair"]);
});

test("swarm: two services that must talk sharing no network", () => {
  const { s, w } = broken("swarm", (json) => {
    const service = named(json, "docker_service", (_, v) => v.name === "argo_ot-app");
    service.task_spec.networks_advanced = [];
  });
  expect(flowProblems(s, w)).toEqual(["ot-app -> query-api: the two share no network"]);
});

test("swarm: a service joining a network of a zone it is not in", () => {
  const { s, w } = broken("swarm", (json) => {
    const api = named(json, "docker_service", (_, v) => v.name === "argo_query-api");
    const dbs = api.task_spec.networks_advanced.find((n: any) => /network-dbs/.test(n.name));
    named(json, "docker_service", (_, v) => v.name === "argo_ot-app").task_spec.networks_advanced.push(dbs);
  });
  expect(flowProblems(s, w)).toEqual(["zone dbs: ot-app joined, not in the zone in the model"]);
});

test("swarm: a health check removed", () => {
  const { s, w } = broken("swarm", (json) => {
    delete named(json, "docker_service", (_, v) => v.name === "argo_query-api").task_spec.container_spec.healthcheck;
  });
  expect(healthProblems(s, w)).toEqual([expect.stringMatching(/^query-api: /)]);
});

test("ecs: replicas other than the model's, and a routed service's check record gone", () => {
  const { s, w } = broken("ecs", (json) => {
    named(json, "aws_ecs_service", (_, v) => v.name === "query-api").desired_count = 5;
  });
  expect(healthProblems(s, w)).toEqual(["query-api: 5 replicas, the model asks 2"]);
  const withoutRecord = {
    ...s,
    records: s.records.filter((r) => !(r.service === "admin-api" && r.intent === "health")),
  };
  expect(healthProblems(withoutRecord, workloadsOf(s.json, "ecs", ENVIRONMENTS))).toEqual([
    "admin-api: no health check, and no record naming the check that replaces it",
  ]);
});

test("ecs: an admin-only route admitting more than the admin CIDRs, and one made public", () => {
  const { s, w } = broken("ecs", (json) => {
    const rules = json.resource.aws_lb_listener_rule;
    const admin = Object.entries<any>(rules).find(([n]) => n.startsWith("argo_load-balancer_route-admin_"))![1];
    admin.condition.find((c: any) => c.source_ip).source_ip.values = ["203.0.0.0/16"];
    const add = Object.entries<any>(rules).find(([n]) => n.startsWith("argo_load-balancer_route-api-add_"))![1];
    add.condition = add.condition.filter((c: any) => !c.source_ip);
  });
  expect(routeProblems(s, w)).toEqual([
    "/admin/: admits 203.0.0.0/16, outside 203.0.113.0/24",
    "/api/add: public, the model says otherwise",
  ]);
});

test("nomad: a literal secret in a service's environment", () => {
  const app = argoCopy();
  serviceOf(app, "query-api").env = { ...serviceOf(app, "query-api").env, API_TOKEN: "hunter2" };
  const s = synthesize(
    ENTRIES.find((e) => e.field === "nomad")!,
    app,
  );
  expect(secretProblems(s, workloadsOf(s.json, "nomad-lab", ENVIRONMENTS))).toEqual([
    expect.stringMatching(/query-api sets API_TOKEN to a literal value/),
  ]);
});

test("ecs: a secret neither generated nor stored, nor recorded", () => {
  const s = synth("ecs");
  const w = workloadsOf(s.json, "ecs", ENVIRONMENTS);
  const records = s.records.filter((r) => !(r.intent === "secrets" && r.service === "postgres"));
  expect(secretProblems({ ...s, records }, w)).toEqual([
    "postgres-password: neither generated nor kept in a store, and no record saying where",
  ]);
});

test("a platform that stops recording an intent for a service opens a gap", () => {
  const all = ["nomad", "swarm", "eks", "ecs"].map(synth);
  const before = intentGaps(all);
  const swarm = all[1];
  all[1] = { ...swarm, records: swarm.records.filter((r) => !(r.service === "query-api" && r.intent === "zones")) };
  expect(intentGaps(all).filter((g) => !before.includes(g))).toEqual(["swarm query-api: zones"]);
});
