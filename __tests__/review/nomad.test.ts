import { ENVIRONMENTS as E2E } from "../../e2e/nomad/environment";
import { destroy, fixture, replace, reviewOf, summary, update } from "./plans";

// Recorded by the Nomad e2e's review part: real plans of the deployed e2e stack (fixtures/README.md).
const STACK = "nomad-nomad-e2e";
const of = (name: string, mode: "plan" | "drift" = "plan") => summary(reviewOf(STACK, fixture(name), mode, E2E));
const JOB = (name: string) => new RegExp(`^nomad_job\\.argo_${name}_[0-9A-F]{8}$`);

/** Edits the job Nomad receives (the jobspec JSON) in a plan's after values. */
const editJob = (edit: (job: any) => void) => (after: any) => {
  const spec = JSON.parse(after.jobspec);
  edit(spec.Job);
  after.jobspec = JSON.stringify(spec);
};

describe("review of nomad-lab on real plans (nomad_job, intentions, variables, random_password)", () => {
  test("ot-app 2 → 3 replicas; prometheus' changed alert rules are another resource", () => {
    expect(of("nomad-replicas.plan.json")).toEqual({
      lines: ["ot-app: replicas: 2 → 3"],
      dangers: [],
      other: [expect.stringMatching(/^nomad_job\.argo_prometheus_\w+ \(update\)$/)],
    });
  });

  test("/query/ admin-only: the route's access and the admin CIDRs it admits", () => {
    expect(of("nomad-route-admin-only.plan.json")).toEqual({
      lines: ["query-site: route /query/: public → admin-only (10.232.0.0/24, 10.232.0.80/32)"],
      dangers: [],
      other: [],
    });
  });

  test("admin-api → memcached: a new edge (intention and upstream) into the dbs zone, a danger", () => {
    expect(of("nomad-talks-to.plan.json")).toEqual({
      lines: ["who talks to whom: admin-api → memcached added (Consul intention, mesh upstream)"],
      dangers: ["new edge into data zone dbs: admin-api → memcached"],
      other: [],
    });
  });

  test("postgres removed: the service, its data's service, its callers' edges; a danger", () => {
    const r = of("nomad-remove-postgres.plan.json");
    expect(r.lines).toEqual([
      "postgres: service removed",
      "postgres: persistent data postgres-data: no longer mounted by any service (Nomad host volume postgres-data keeps its files)",
      "who talks to whom: admin-api → postgres removed (Consul intention, mesh upstream)",
      "who talks to whom: postgres-exporter → postgres removed (Consul intention, mesh upstream)",
      "who talks to whom: query-api → postgres removed (Consul intention, mesh upstream)",
    ]);
    expect(r.dangers).toEqual(["postgres holding persistent data postgres-data is removed"]);
    expect(r.other).toEqual([
      expect.stringMatching(/^consul_config_entry\.argo_mesh_defaults-admin-api_\w+ \(delete\)$/),
      expect.stringMatching(/^consul_config_entry\.argo_mesh_defaults-postgres-exporter_\w+ \(delete\)$/),
      expect.stringMatching(/^nomad_job\.argo_prometheus_\w+ \(update\)$/),
    ]);
  });

  test("grafana's admin password rotated (--replace of its random_password): the secret and who reads it", () => {
    expect(of("nomad-rotate-secret.plan.json")).toEqual({
      lines: [
        "grafana: secret values it reads: new value",
        expect.stringMatching(/^secrets: grafana-admin-password rotated \(random_password\.\S+ replaced\)$/),
      ],
      dangers: [],
      other: [],
    });
  });

  test("drift made with nomad job scale: replicas as Nomad reports them", () => {
    expect(of("nomad-drift.plan.json", "drift")).toEqual({
      lines: ["ot-app: replicas: 3 → 4"],
      dangers: [],
      other: [],
    });
  });

  test("an admin-only route losing its allow list is public: a danger; a wider allow list: a danger", () => {
    const open = update(
      fixture("nomad-replicas.plan.json"),
      JOB("admin-site"),
      editJob((job) => (job.TaskGroups[0].Services[0].Tags = ["urlprefix-/admin/"])),
    );
    const opened = summary(reviewOf(STACK, open, "plan", E2E));
    expect(opened.lines).toContain("admin-site: route /admin/: admin-only (10.232.0.0/24, 10.232.0.80/32) → public");
    expect(opened.dangers).toEqual(["route /admin/ becomes public"]);
    const wide = update(
      fixture("nomad-replicas.plan.json"),
      JOB("admin-site"),
      editJob(
        (job) => (job.TaskGroups[0].Services[0].Tags = ["urlprefix-/admin/ allow=ip:10.0.0.0/8,ip:10.232.0.80/32"]),
      ),
    );
    expect(summary(reviewOf(STACK, wide, "plan", E2E)).dangers).toEqual([
      "admin CIDRs of /admin/ widened by 10.0.0.0/8",
    ]);
  });

  test("an intention removed while the upstream stays: the pair is still there, one mechanism less", () => {
    const p = update(
      fixture("nomad-replicas.plan.json"),
      /^consul_config_entry\.argo_mesh_intentions-memcached_/,
      (after) => {
        after.config_json = JSON.stringify({ Sources: [] });
      },
    );
    expect(summary(reviewOf(STACK, p, "plan", E2E)).lines).toContain(
      "who talks to whom: query-api → memcached: no longer Consul intention",
    );
  });

  test("the mesh's deny-all intention removed: a danger", () => {
    const p = destroy(fixture("nomad-replicas.plan.json"), /^consul_config_entry\.argo_mesh_deny-all_/);
    expect(summary(reviewOf(STACK, p, "plan", E2E)).dangers).toEqual([
      "mesh denies every pair not allowed (Consul intention * → *) turned off",
    ]);
  });

  test("a secret's generator destroyed: a danger; the postgres job replaced: its host volume keeps the data", () => {
    const gone = destroy(fixture("nomad-replicas.plan.json"), /^random_password\..*grafana-admin-password/);
    expect(summary(reviewOf(STACK, gone, "plan", E2E)).dangers).toEqual(["secret grafana-admin-password destroyed"]);
    const replaced = summary(
      reviewOf(STACK, replace(fixture("nomad-replicas.plan.json"), JOB("postgres")), "plan", E2E),
    );
    expect(replaced.dangers).toEqual([]);
    expect(replaced.other).toContainEqual(expect.stringMatching(/^nomad_job\.argo_postgres_\w+ \(delete,create\)$/));
  });

  test("image, health check, update policy and autoscaling of a job", () => {
    const p = update(
      fixture("nomad-replicas.plan.json"),
      JOB("query-api"),
      editJob((job) => {
        const group = job.TaskGroups[0];
        group.Tasks[0].Config.image = "cadeke/argo-q-api:v9";
        group.Services[0].Checks[0].Interval = 10e9;
        group.Update.AutoRevert = false;
        group.Scaling.Max = 8;
      }),
    );
    expect(summary(reviewOf(STACK, p, "plan", E2E)).lines).toEqual([
      "ot-app: replicas: 2 → 3",
      "query-api: autoscaling: 2–6 instances, target CPU 70% → 2–8 instances, target CPU 70%",
      "query-api: health: http /health every 3s, timeout 2s → http /health every 10s, timeout 2s",
      expect.stringMatching(/^query-api: image: cadeke\/argo-q-api:\S+ → cadeke\/argo-q-api:v9$/),
      expect.stringMatching(/^query-api: update: .*, auto-revert, .* → .*, no auto-revert, /),
    ]);
  });
});
