import { ARGO, runtimeDirCovers, type TalksTo } from "../../constructs/model";
import { argoCopy, problemsOf, serviceOf } from "../helpers";

describe("the ARGO model", () => {
  it("is valid as defined", () => {
    expect(problemsOf(ARGO)).toEqual([]);
  });

  it("defines the 15 core services and 3 optional ones", () => {
    const core = ARGO.services.filter((s) => !s.optional).map((s) => s.name);
    const optional = ARGO.services.filter((s) => s.optional).map((s) => s.name);
    expect(core.sort()).toEqual(
      [
        "admin-api",
        "admin-site",
        "alertmanager",
        "alloy",
        "cadvisor",
        "grafana",
        "loki",
        "memcached",
        "node-exporter",
        "ot-app",
        "postgres",
        "postgres-exporter",
        "prometheus",
        "query-api",
        "query-site",
      ].sort(),
    );
    expect(optional.sort()).toEqual(["debug", "gitlab", "gitlab-runner"]);
  });

  it("gives every service CPU, memory and a pinned image", () => {
    for (const s of ARGO.services) {
      expect(s.resources?.cpuMillicores).toBeGreaterThan(0);
      expect(s.resources?.memoryMiB).toBeGreaterThan(0);
      expect(s.image.tag).not.toMatch(/^(latest)?$/);
    }
  });

  it("carries the fixes the sources needed", () => {
    const otApp = ARGO.services.find((s) => s.name === "ot-app")!;
    expect(Object.keys(otApp.env ?? {})).toEqual(["API_HOST", "API_PORT"]);
    const queryApi = ARGO.services.find((s) => s.name === "query-api")!;
    expect(queryApi.talksTo?.map((t) => t.service)).toContain("memcached");
    expect(ARGO.routes.filter((r) => r.service === "admin-api").every((r) => r.adminOnly)).toBe(true);
  });
});

describe("model validation", () => {
  it("rejects a talks-to entry naming an unknown service", () => {
    const app = argoCopy();
    (serviceOf(app, "query-api").talksTo as TalksTo[])[1] = { service: "memcache", port: "memcached" };
    expect(problemsOf(app)).toContain(
      'services.query-api.talksTo[1]: unknown service "memcache": did you mean "memcached"? (known: query-api, admin-api, query-site, admin-site, ot-app, postgres, memcached, prometheus, ...)',
    );
  });

  it("rejects a talks-to port the target does not expose", () => {
    const app = argoCopy();
    (serviceOf(app, "admin-api").talksTo as TalksTo[])[0] = { service: "postgres", port: "pg" };
    expect(problemsOf(app)).toContain(
      'services.admin-api.talksTo[0].port: service "postgres" exposes no port "pg" (its ports: postgres)',
    );
  });

  it("rejects an unknown zone", () => {
    const app = argoCopy();
    serviceOf(app, "memcached").zones = ["dbs", "cache"];
    expect(problemsOf(app)).toContain(
      'services.memcached.zones[1]: unknown zone "cache" (known: sites, apis, dbs, monitoring, ci)',
    );
  });

  it("rejects an unknown secret", () => {
    const app = argoCopy();
    serviceOf(app, "grafana").secretEnv = { GF_SECURITY_ADMIN_PASSWORD: { secret: "grafana-password" } };
    expect(problemsOf(app)).toContain(
      'services.grafana.secretEnv.GF_SECURITY_ADMIN_PASSWORD: unknown secret "grafana-password" (known: postgres-password, grafana-admin-password)',
    );
  });

  it("rejects an unknown port in a health check", () => {
    const app = argoCopy();
    serviceOf(app, "prometheus").healthCheck = {
      type: "http",
      port: "web",
      path: "/-/healthy",
      intervalSec: 10,
      timeoutSec: 2,
    };
    expect(problemsOf(app)).toContain(
      'services.prometheus.healthCheck.port: unknown port "web" on service "prometheus" (known: http)',
    );
  });

  it("rejects duplicate service names", () => {
    const app = argoCopy();
    app.services.push({ ...structuredClone(serviceOf(app, "postgres")) });
    expect(problemsOf(app)).toContain(
      `services[${app.services.length - 1}].name: duplicate service name "postgres" (already used by services[5])`,
    );
  });

  it("rejects duplicate routes", () => {
    const app = argoCopy();
    app.routes.push({ pathPrefix: "/query/", service: "admin-site", port: "http" });
    expect(problemsOf(app)).toContain(
      `routes[${app.routes.length - 1}].pathPrefix: duplicate route "/query/" (already routed by routes[0])`,
    );
  });

  it("rejects a route to an unknown service or to a non-HTTP port", () => {
    const app = argoCopy();
    app.routes.push(
      { pathPrefix: "/db", service: "postgres", port: "postgres" },
      { pathPrefix: "/x", service: "nope", port: "http" },
    );
    const problems = problemsOf(app);
    expect(problems).toContain(
      `routes[${app.routes.length - 2}].port: port "postgres" of "postgres" speaks tcp; public routes need an http port`,
    );
    expect(problems.some((p) => p.startsWith(`routes[${app.routes.length - 1}].service: unknown service "nope"`))).toBe(
      true,
    );
  });

  it("rejects non-positive replicas", () => {
    const app = argoCopy();
    serviceOf(app, "admin-api").placement = { kind: "replicated", replicas: 0 };
    expect(problemsOf(app)).toContain("services.admin-api.placement.replicas: must be a positive whole number (got 0)");
  });

  it("rejects an autoscaling minimum above its maximum", () => {
    const app = argoCopy();
    serviceOf(app, "query-api").autoscaling = { minReplicas: 6, maxReplicas: 2, targetCpuPercent: 70 };
    expect(problemsOf(app)).toContain(
      "services.query-api.autoscaling: minReplicas (6) is greater than maxReplicas (2)",
    );
  });

  it("rejects autoscaling a per-node service", () => {
    const app = argoCopy();
    serviceOf(app, "cadvisor").autoscaling = { minReplicas: 1, maxReplicas: 2, targetCpuPercent: 70 };
    expect(problemsOf(app)).toContain(
      "services.cadvisor.autoscaling: a per-node service runs once on every node and cannot be autoscaled",
    );
  });

  it.each([
    ["latest", '"latest" is not a pinned tag (expected a fixed version such as "16.4")'],
    ["", '"" is not a pinned tag (expected a fixed version such as "16.4")'],
  ])("rejects the image tag %j", (tag, message) => {
    const app = argoCopy();
    serviceOf(app, "postgres").image.tag = tag;
    expect(problemsOf(app)).toContain(`services.postgres.image.tag: ${message}`);
  });

  it("rejects a tag hidden in the repository", () => {
    const app = argoCopy();
    serviceOf(app, "memcached").image.repository = "memcached:latest";
    expect(problemsOf(app)).toContain(
      'services.memcached.image.repository: "memcached:latest" contains a tag or digest (put it in image.tag or image.digest)',
    );
  });

  it("rejects overlapping zone subnets", () => {
    const app = argoCopy();
    app.zones[1].subnet = "192.168.32.0/19";
    expect(problemsOf(app)).toContain("zones.apis.subnet: 192.168.32.0/19 overlaps zones.sites.subnet 192.168.0.0/18");
  });

  it.each([
    ["192.168.0.0/33", "expected an IPv4 CIDR block like 10.0.0.0/16"],
    ["10.0.0.1/16", "host bits are set; the network address is 10.0.0.0/16"],
    ["300.1.0.0/16", "expected an IPv4 CIDR block like 10.0.0.0/16"],
  ])("rejects the invalid zone subnet %s", (subnet, reason) => {
    const app = argoCopy();
    app.zones[4].subnet = subnet;
    expect(problemsOf(app)).toContain(`zones.ci.subnet: "${subnet}" is not a valid subnet: ${reason}`);
  });

  it("rejects a long-running service without a health check or a reason", () => {
    const app = argoCopy();
    delete serviceOf(app, "memcached").healthCheck;
    expect(problemsOf(app)).toContain(
      "services.memcached.healthCheck: missing: a long-running service needs a health check (http, tcp or command), or a healthCheckExemption saying why it has none",
    );
  });

  it("accepts a service without a health check when it says why", () => {
    expect(ARGO.services.find((s) => s.name === "ot-app")?.healthCheckExemption).toMatch(/no port/);
    expect(problemsOf(argoCopy()).filter((p) => p.startsWith("services.ot-app"))).toEqual([]);
  });

  it("rejects a service without resources", () => {
    const app = argoCopy();
    delete serviceOf(app, "grafana").resources;
    expect(problemsOf(app)).toContain(
      "services.grafana.resources: missing: every service needs cpuMillicores and memoryMiB",
    );
  });

  it("rejects an endpoint reference without a talks-to entry", () => {
    const app = argoCopy();
    serviceOf(app, "admin-api").env = {
      ...serviceOf(app, "admin-api").env,
      CACHE: { endpoint: { service: "memcached", port: "memcached" }, part: "host" },
    };
    expect(problemsOf(app)).toContain(
      'services.admin-api.env.CACHE: refers to memcached:memcached, but "admin-api" has no talksTo entry for it (every platform would block that traffic)',
    );
  });

  it("rejects a secret in the plain environment", () => {
    const app = argoCopy();
    serviceOf(app, "postgres").env = {
      ...serviceOf(app, "postgres").env,
      POSTGRES_PASSWORD: { secret: "postgres-password" },
    };
    expect(problemsOf(app)).toContain(
      'services.postgres.env.POSTGRES_PASSWORD: refers to secret "postgres-password"; move it to secretEnv so platforms deliver it through their secret store',
    );
  });

  it("rejects a talks-to pair that shares no zone", () => {
    const app = argoCopy();
    serviceOf(app, "grafana").talksTo = [{ service: "postgres", port: "postgres" }];
    expect(problemsOf(app)).toContain(
      'services.grafana.talksTo[0]: "grafana" (zones: monitoring) shares no zone with "postgres" (zones: dbs), so it could not reach it',
    );
  });

  it("rejects start-first updates of a service with a persistent volume", () => {
    const app = argoCopy();
    serviceOf(app, "postgres").update = { order: "start-first" };
    expect(problemsOf(app)).toContain(
      "services.postgres.update.order: start-first would run two instances on the same persistent volume during an update (expected stop-first)",
    );
  });

  it("rejects a progress deadline that does not exceed the healthy deadline", () => {
    const app = argoCopy();
    serviceOf(app, "ot-app").update = { healthyDeadlineSec: 300, progressDeadlineSec: 300 };
    expect(problemsOf(app)).toContain(
      "services.ot-app.update.progressDeadlineSec: must be longer than healthyDeadlineSec (300 s); got 300 s",
    );
  });

  it("rejects port names no platform accepts", () => {
    const app = argoCopy();
    serviceOf(app, "memcached").ports[0].name = "cache_port";
    expect(problemsOf(app)).toContain(
      'services.memcached.ports[0].name: "cache_port" is not a valid port name (expected up to 15 lowercase letters and digits, starting with a letter)',
    );
  });

  it("rejects a scraper without a scrape configuration", () => {
    const app = argoCopy();
    delete serviceOf(app, "prometheus").collectsMetrics;
    expect(problemsOf(app)).toContain(
      'services.prometheus.collectsMetrics: missing: "prometheus" scrapes query-api, cadvisor, node-exporter, postgres-exporter, alertmanager, loki, alloy but declares no scrape configuration file',
    );
  });

  it("rejects duplicate zone, secret and port names", () => {
    const app = argoCopy();
    app.zones.push({ ...app.zones[2] });
    app.secrets.push({ ...app.secrets[0] });
    serviceOf(app, "gitlab").ports[1].name = "http";
    const problems = problemsOf(app);
    expect(problems).toContain('zones[5].name: duplicate zone name "dbs" (already used by zones[2])');
    expect(problems).toContain(
      'secrets[2].name: duplicate secret name "postgres-password" (already used by secrets[0])',
    );
    expect(problems).toContain('services.gitlab.ports[1].name: duplicate port name "http"');
  });

  it("rejects a malformed digest", () => {
    const app = argoCopy();
    serviceOf(app, "memcached").image.digest = "sha256:abc";
    expect(problemsOf(app)).toContain(
      'services.memcached.image.digest: "sha256:abc" is not a digest (expected sha256: followed by 64 hex digits)',
    );
  });

  it("rejects a health check that times out after its interval", () => {
    const app = argoCopy();
    serviceOf(app, "grafana").healthCheck = {
      type: "http",
      port: "http",
      path: "/api/health",
      intervalSec: 5,
      timeoutSec: 10,
    };
    expect(problemsOf(app)).toContain(
      "services.grafana.healthCheck.timeoutSec: must not exceed intervalSec (5 s); got 10 s",
    );
  });

  it("rejects metrics on an unknown port, and scraping a service without metrics", () => {
    const app = argoCopy();
    serviceOf(app, "query-api").metrics = {
      port: "metrics",
      path: "/metrics",
      families: [{ name: "http_requests_total", type: "counter", labels: [] }],
    };
    const problems = problemsOf(app);
    expect(problems).toContain(
      'services.query-api.metrics.port: unknown port "metrics" on service "query-api" (known: http)',
    );
    expect(problems).toContain(
      'services.prometheus.talksTo[0].kind: scrapes "query-api" on port "http", but "query-api" declares no metrics on that port',
    );
  });

  it("rejects a core service that depends on an optional one", () => {
    const app = argoCopy();
    serviceOf(app, "grafana").talksTo = [{ service: "debug", port: "http" }];
    expect(problemsOf(app)).toContain(
      'services.grafana.talksTo[0]: core service "grafana" depends on optional service "debug"',
    );
  });

  it("reports every problem in one run", () => {
    const app = argoCopy();
    serviceOf(app, "postgres").image.tag = "latest";
    serviceOf(app, "admin-api").placement = { kind: "replicated", replicas: -1 };
    app.zones[0].subnet = "nonsense";
    const problems = problemsOf(app);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "zones.sites.subnet",
      "services.admin-api.placement.replicas",
      "services.postgres.image.tag",
    ]);
  });
});

describe("model validation: observability", () => {
  it("declares metrics only where the application's code exports them: query-api does, admin-api does not", () => {
    const queryApi = ARGO.services.find((s) => s.name === "query-api")!;
    expect(queryApi.metrics?.families.map((f) => [f.name, f.type, f.labels])).toEqual([
      ["http_requests_total", "counter", ["path", "method", "status"]],
      ["http_request_duration_seconds", "histogram", ["path", "method"]],
    ]);
    expect(ARGO.services.find((s) => s.name === "admin-api")!.metrics).toBeUndefined();
  });

  it("rejects metrics without declared families, invalid and duplicate family names", () => {
    const app = argoCopy();
    serviceOf(app, "node-exporter").metrics!.families = [];
    serviceOf(app, "query-api").metrics!.families = [
      { name: "http-requests", type: "counter", labels: [] },
      { name: "x", type: "gauge", labels: [] },
      { name: "x", type: "gauge", labels: [] },
    ];
    const problems = problemsOf(app);
    expect(problems).toContain(
      'services.node-exporter.metrics.families: missing: declare the metric families "node-exporter" exports (name, type, labels); generated alerts and dashboards may use nothing else',
    );
    expect(problems).toContain(
      'services.query-api.metrics.families[0].name: "http-requests" is not a Prometheus metric name (expected letters, digits, _ and :, not starting with a digit)',
    );
    expect(problems).toContain('services.query-api.metrics.families[2].name: duplicate metric family "x"');
  });

  it("requires a log collector to run per node and to send to a log store", () => {
    const app = argoCopy();
    const alloy = serviceOf(app, "alloy");
    alloy.placement = { kind: "replicated", replicas: 1 };
    alloy.talksTo = [];
    const problems = problemsOf(app);
    expect(problems).toContain(
      "services.alloy.placement: a log collector (collectsLogs) must run one per node to read every node's containers (expected placement per-node)",
    );
    expect(problems).toContain(
      'services.alloy.collectsLogs: "alloy" sends its logs nowhere: it needs a call talks-to entry to a service that stores logs (storesLogs)',
    );
  });

  it("requires explicit retention: Prometheus' flag must match the model, Loki's hours must be positive", () => {
    const app = argoCopy();
    serviceOf(app, "prometheus").collectsMetrics!.retentionDays = 30;
    serviceOf(app, "loki").storesLogs!.retentionHours = 0;
    const problems = problemsOf(app);
    expect(problems).toContain(
      "services.prometheus.args: must pass --storage.tsdb.retention.time=30d to match collectsMetrics.retentionDays (30)",
    );
    expect(problems).toContain("services.loki.storesLogs.retentionHours: must be a positive whole number (got 0)");
  });

  it("rejects an Alertmanager no collector sends to, and dashboards without a metrics source", () => {
    const app = argoCopy();
    const prometheus = serviceOf(app, "prometheus");
    prometheus.talksTo = prometheus.talksTo!.filter((e) => !(e.service === "alertmanager" && e.kind === undefined));
    serviceOf(app, "grafana").talksTo = [{ service: "loki", port: "http" }];
    const problems = problemsOf(app);
    expect(problems).toContain(
      'services.alertmanager.receivesAlerts: no metrics collector sends alerts to "alertmanager" (expected a call talks-to entry from a collectsMetrics service)',
    );
    expect(problems).toContain(
      'services.grafana.dashboards: "grafana" has no data source: it needs a call talks-to entry to a service that collects metrics (collectsMetrics)',
    );
  });

  it("refuses a host volume in the node's runtime directory unless it is the Docker socket with dockerApi", () => {
    const app = argoCopy();
    const exporter = serviceOf(app, "node-exporter");
    exporter.volumes = [
      ...exporter.volumes!,
      { kind: "host", name: "containerd", hostPath: "/run/containerd/containerd.sock", mountPath: "/containerd.sock" },
      { kind: "host", name: "var-run", hostPath: "/var/run", mountPath: "/host/run" },
    ];
    const problems = problemsOf(app);
    expect(problems).toContain(
      'services.node-exporter.volumes[3].hostPath: "/run/containerd/containerd.sock" lies in the node\'s runtime directory /run, whose sockets (Docker, containerd) give root on the node even mounted read-only (expected a path outside /run, or the Docker socket with dockerApi stating what the service reads)',
    );
    expect(problems.filter((p) => p.startsWith("services.node-exporter.volumes[4].hostPath"))).toHaveLength(1);
    // The model's own Docker socket volume states its access and passes.
    expect(problems.filter((p) => p.startsWith("services.cadvisor.volumes"))).toEqual([]);
  });

  it("covers the node's /run where a host volume holds it, and nowhere else", () => {
    const covers = (hostPath: string, mountPath: string) =>
      runtimeDirCovers({
        ...serviceOf(argoCopy(), "node-exporter"),
        volumes: [{ kind: "host", name: "x", hostPath, mountPath }],
      }).map((c) => c.mountPath);
    expect(covers("/", "/rootfs")).toEqual(["/rootfs/run"]);
    expect(covers("/", "/rootfs/")).toEqual(["/rootfs/run"]);
    expect(covers("/sys", "/host/sys")).toEqual([]);
    expect(covers("/var", "/host/var")).toEqual([]);
    expect(covers("/runner", "/runner")).toEqual([]);
  });

  it("requires absolute paths for every configuration file", () => {
    const app = argoCopy();
    serviceOf(app, "loki").storesLogs!.configFile = "loki.yaml";
    serviceOf(app, "prometheus").collectsMetrics!.rulesFile = "rules.yml";
    const problems = problemsOf(app);
    expect(problems).toContain('services.loki.storesLogs.configFile: "loki.yaml" must be an absolute path');
    expect(problems).toContain('services.prometheus.collectsMetrics.rulesFile: "rules.yml" must be an absolute path');
  });
});

describe("probe tools", () => {
  it("refuses a tcp health check on an image without bash", () => {
    const app = argoCopy();
    const memcached = serviceOf(app, "memcached");
    memcached.image = { ...memcached.image, probeTool: undefined };
    expect(problemsOf(app)).toContain(
      'services.memcached.image.probeTool: is "wget" (the default), but the tcp health check runs bash inside the container: set probeTool "bash" if the image has it, or use an http or command check',
    );
  });
});
