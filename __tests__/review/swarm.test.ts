import { destroy, fixture, replace, reviewOf, summary, update } from "./plans";

// Hand-built from swarm-lab's synthesized configuration (fixtures/README.md): no engine belongs to this test.
const plan = () => fixture("swarm-lab.hand-built.plan.json");
const SERVICE = (name: string) => new RegExp(`^docker_service\\.argo_service-${name}_`);

describe("review of swarm-lab (docker_service, docker_network, docker_secret)", () => {
  test("an unchanged plan says nothing", () => {
    expect(summary(reviewOf("swarm-lab", plan()))).toEqual({ lines: [], dangers: [], other: [] });
  });

  test("replicas, image, health check and update policy of a service", () => {
    const p = update(plan(), SERVICE("ot-app"), (after) => {
      after.mode[0].replicated[0].replicas = 4;
      after.task_spec[0].container_spec[0].image = "cadeke/argo-ot-app:v9";
      after.task_spec[0].container_spec[0].healthcheck = [{ test: ["CMD", "true"], interval: "5s", timeout: "1s" }];
      after.update_config[0].order = "stop-first";
    });
    const { lines, dangers } = summary(reviewOf("swarm-lab", p));
    expect(lines).toEqual([
      "ot-app: health: none → true every 5s, timeout 1s",
      "ot-app: image: cadeke/argo-ot-app:v1.1 → cadeke/argo-ot-app:v9",
      "ot-app: replicas: 2 → 4",
      "ot-app: update: 1 at a time, start-first, delay 10s, on failure rollback → 1 at a time, stop-first, delay 10s, on failure rollback",
    ]);
    expect(dangers).toEqual([]);
  });

  test("an admin-only route losing its allow-list becomes public: a danger", () => {
    const p = update(plan(), SERVICE("admin-api"), (after) => {
      after.labels = after.labels.filter((l: any) => !/\.middlewares$/.test(l.label));
    });
    const { lines, dangers } = summary(reviewOf("swarm-lab", p));
    expect(lines).toContain("admin-api: route /api/add: admin-only (192.168.10.0/24) → public");
    expect(dangers).toContain("route /api/add becomes public");
    expect(dangers).toHaveLength(5);
  });

  test("admin CIDRs widened: a danger; narrowed: none", () => {
    const widened = update(plan(), SERVICE("admin-site"), (after) => {
      const l = after.labels.find((x: any) => /ipallowlist\.sourcerange$/.test(x.label));
      l.value = "192.168.0.0/16";
    });
    expect(summary(reviewOf("swarm-lab", widened)).dangers).toEqual([
      "admin CIDRs of /admin/ widened by 192.168.0.0/16",
    ]);
    const narrowed = update(plan(), SERVICE("admin-site"), (after) => {
      const l = after.labels.find((x: any) => /ipallowlist\.sourcerange$/.test(x.label));
      l.value = "192.168.10.80/32";
    });
    const r = summary(reviewOf("swarm-lab", narrowed));
    expect(r.lines).toEqual(["admin-site: route /admin/: admin CIDRs 192.168.10.0/24 → 192.168.10.80/32"]);
    expect(r.dangers).toEqual([]);
  });

  test("a service joining the dbs network is a new edge into a data zone", () => {
    const p = update(plan(), SERVICE("query-site"), (after) => {
      after.task_spec[0].networks_advanced.push({
        aliases: ["query-site"],
        name: "hand-built-id:docker_network.argo_network-dbs_7034568C",
      });
    });
    const { lines, dangers } = summary(reviewOf("swarm-lab", p));
    expect(lines).toEqual([
      "query-site: zones: apis, edge, sites → apis, dbs, edge, sites",
      "who talks to whom: query-site → zone dbs added (Swarm network)",
    ]);
    expect(dangers).toEqual(["new edge into data zone dbs: query-site → zone dbs"]);
  });

  test("a secret destroyed, a secret rotated (a new digest-named secret replaces the old)", () => {
    const destroyed = destroy(
      destroy(plan(), /^docker_secret\.argo_secret-grafana-admin-password_/),
      /^random_password\..*grafana-admin-password/,
    );
    expect(summary(reviewOf("swarm-lab", destroyed)).dangers).toEqual(["secret grafana-admin-password destroyed"]);
    const rotated = replace(
      replace(plan(), /^docker_secret\.argo_secret-grafana-admin-password_/),
      /^random_password\..*grafana-admin-password/,
    );
    const r = summary(reviewOf("swarm-lab", rotated));
    expect(r.lines).toEqual([
      expect.stringMatching(/^secrets: grafana-admin-password rotated \(.*random_password\..* replaced/),
    ]);
    expect(r.dangers).toEqual([]);
  });

  test("removing postgres: the service, its volume's service and its edges; a danger", () => {
    const { lines, dangers } = summary(reviewOf("swarm-lab", destroy(plan(), SERVICE("postgres"))));
    expect(lines).toEqual([
      "postgres: service removed",
      "postgres: persistent data postgres-data: no longer mounted by any service (Docker volume argo_postgres-data on the node keeps its files)",
      "who talks to whom: postgres → zone dbs removed (Swarm network)",
    ]);
    expect(dangers).toEqual(["postgres holding persistent data postgres-data is removed"]);
  });

  test("a changed config is listed as another resource, by address", () => {
    const p = update(plan(), /^docker_config\.argo_config-loki-config_/, (after) => (after.data = "changed"));
    expect(summary(reviewOf("swarm-lab", p)).other).toEqual([
      expect.stringMatching(/^docker_config\.argo_config-loki-config_\w+ \(update\)$/),
    ]);
  });
});
