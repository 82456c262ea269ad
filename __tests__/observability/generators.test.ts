import { parse as parseYaml } from "yaml";
import { ARGO, selectApplication, type Application, type ServiceSpec } from "../../constructs/model";
import { kubernetesObservability } from "../../constructs/kubernetes/observability";
import { escapeConsulTemplate, nomadObservability, unescapeConsulTemplate } from "../../constructs/nomad/observability";
import { planServices } from "../../constructs/nomad/plan";
import {
  alertmanagerConfig,
  alertRulesOf,
  alloyDockerConfig,
  dashboardOf,
  declaredSeries,
  expressionProblems,
  isBalanced,
  lokiConfig,
  namesIn,
  prometheusExpressionsOf,
  renderAlertRules,
  type ObservabilityPlatform,
} from "../../constructs/observability";
import { swarmObservability } from "../../constructs/swarm/deployment";
import { LAB } from "../../environments";
import { argoCopy, serviceOf } from "../helpers";

const app = selectApplication(LAB.application, LAB.selection);
const prometheus = app.services.find((s) => s.collectsMetrics)!;
const declared = declaredSeries(app);
const platforms: [string, ObservabilityPlatform][] = [
  ["nomad", nomadObservability(app, LAB.nomad!, planServices(app))],
  ["swarm", swarmObservability(app, "argo")],
  ["kubernetes", kubernetesObservability(app, "argo")],
];

describe("PromQL checks", () => {
  it("tells balanced from unbalanced brackets, ignoring brackets inside strings", () => {
    expect(isBalanced('sum(rate(x{a="(["}[5m]))')).toBe(true);
    expect(isBalanced("sum(rate(x[5m])")).toBe(false);
    expect(isBalanced('x{a="b"]')).toBe(false);
  });

  it("finds metric names, not functions, label names, durations or strings", () => {
    expect(
      namesIn(
        'histogram_quantile(0.95, sum by (le, path) (rate(http_request_duration_seconds_bucket{job="query-api"}[$__rate_interval])))',
      ),
    ).toEqual({
      metrics: ["http_request_duration_seconds_bucket"],
      functions: ["histogram_quantile", "sum", "rate"],
    });
    expect(
      namesIn('(count(container_last_seen{name=~"a-[0-9a-f]{8}"}) or vector(0)) < count(up{job="x"})').metrics,
    ).toEqual(["container_last_seen", "up"]);
    expect(namesIn("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes").metrics).toEqual([
      "node_memory_MemAvailable_bytes",
      "node_memory_MemTotal_bytes",
    ]);
  });

  it("reports undeclared metrics and unknown functions", () => {
    expect(expressionProblems("rate(nginx_requests_total[5m])", declared)).toEqual([
      "undeclared metric nginx_requests_total in rate(nginx_requests_total[5m])",
    ]);
    expect(expressionProblems("frobnicate(up)", declared)).toEqual(["unknown function frobnicate() in frobnicate(up)"]);
    expect(declared.has("http_request_duration_seconds_bucket")).toBe(true);
  });
});

describe("alert rules", () => {
  for (const [platform, p] of platforms) {
    describe(`on ${platform}`, () => {
      const rules = alertRulesOf(app, prometheus, p.alerting);
      const parsed = parseYaml(renderAlertRules(rules));
      const all: { alert: string; expr: string; labels: { service: string } }[] = parsed.groups.flatMap(
        (g: { rules: unknown[] }) => g.rules,
      );

      it("parse as a Prometheus rules file whose expressions are balanced and read only declared metrics", () => {
        expect(parsed.groups.length).toBeGreaterThan(0);
        expect(all.length).toBeGreaterThan(0);
        for (const rule of all) {
          expect(rule.alert).toMatch(/^[A-Z][A-Za-z]+$/);
          expect(expressionProblems(rule.expr, declared)).toEqual([]);
        }
        expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
      });

      it("cover every service, or record why not", () => {
        expect(rules.coverage.map((c) => c.service)).toEqual(app.services.map((s) => s.name));
        for (const entry of rules.coverage) {
          if (entry.covered)
            for (const alert of entry.alerts)
              expect(all.find((r) => r.alert === alert)?.labels.service).toBe(entry.service);
          else expect(entry.reason).toMatch(/exports no metrics|not scraped/);
        }
        // Every service that exports metrics is watched on every platform.
        for (const service of app.services.filter((s) => s.metrics))
          expect(rules.coverage.find((c) => c.service === service.name)?.covered).toBe(true);
      });

      it("include the 5xx ratio of query-api on the status label its code sets, postgres down and node exporters missing", () => {
        const byName = new Map(all.map((r) => [r.alert, r.expr]));
        expect(byName.get("QueryApiHighErrorRate")).toBe(
          'sum(rate(http_requests_total{job="query-api",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="query-api"}[5m])) > 0.05',
        );
        expect(byName.get("PostgresDown")).toBe('pg_up{job="postgres-exporter"} == 0');
        expect(byName.get("NodeExporterMissing")).toBe('absent(up{job="node-exporter"})');
        expect(byName.get("QueryApiInstancesMissing")).toBe('(sum(up{job="query-api"}) or vector(0)) < 2');
        expect(byName.get("AlloyInstancesMissing")).toBe(
          '(sum(up{job="alloy"}) or vector(0)) < count(up{job="node-exporter"})',
        );
      });
    });
  }

  it("count the containers of services without metrics from cadvisor's labels on Docker platforms", () => {
    const swarm = alertRulesOf(app, prometheus, platforms[1][1].alerting).groups.flatMap((g) => g.rules);
    expect(swarm.find((r) => r.alert === "AdminApiInstancesMissing")?.expr).toBe(
      '(count(container_last_seen{job="cadvisor",container_label_com_docker_swarm_service_name="argo_admin-api"}) or vector(0)) < 1',
    );
    const nomad = alertRulesOf(app, prometheus, platforms[0][1].alerting).groups.flatMap((g) => g.rules);
    expect(nomad.find((r) => r.alert === "AdminApiInstancesMissing")?.expr).toBe(
      '(count(container_last_seen{job="cadvisor",name=~"admin-api-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}) or vector(0)) < 1',
    );
  });

  it("count pods of services without metrics from the kubelets on Kubernetes, but not of services outside the cluster", () => {
    const k8s = alertRulesOf(app, prometheus, kubernetesObservability(app, "argo", new Set(["postgres"])).alerting);
    const rules = k8s.groups.flatMap((g) => g.rules);
    expect(rules.find((r) => r.alert === "AdminApiInstancesMissing")?.expr).toBe(
      '(count(container_memory_working_set_bytes{job="kubelet",namespace="argo",container="admin-api"}) or vector(0)) < 1',
    );
    expect(rules.map((r) => r.alert)).not.toContain("PostgresInstancesMissing");
    expect(k8s.coverage.find((c) => c.service === "postgres")).toEqual({
      service: "postgres",
      covered: true,
      alerts: ["PostgresDown"],
    });
  });

  it("record services it cannot watch instead of dropping them", () => {
    const copy = argoCopy();
    const collector = serviceOf(copy, "prometheus");
    collector.talksTo = collector.talksTo!.filter((e) => e.service !== "cadvisor");
    const withoutCadvisor = copy as Application;
    const rules = alertRulesOf(
      withoutCadvisor,
      withoutCadvisor.services.find((s) => s.collectsMetrics)!,
      swarmObservability(withoutCadvisor, "argo").alerting,
    );
    const uncovered = rules.coverage.filter((c) => !c.covered);
    expect(uncovered.map((c) => c.service)).toEqual([
      "admin-api",
      "query-site",
      "admin-site",
      "ot-app",
      "memcached",
      "grafana",
      "cadvisor",
      "gitlab",
      "gitlab-runner",
      "debug",
    ]);
    expect(uncovered[0]).toEqual({
      service: "admin-api",
      covered: false,
      reason: "it exports no metrics and no container metrics (cadvisor) are scraped",
    });
    expect(uncovered[6]).toEqual({ service: "cadvisor", covered: false, reason: "not scraped by prometheus" });
  });

  it("alert on a custom availability only where the model declares the metric", () => {
    const copy = argoCopy();
    serviceOf(copy, "postgres-exporter").metrics!.families = [
      { name: "pg_stat_database_numbackends", type: "gauge", labels: [] },
    ];
    const rules = alertRulesOf(copy as Application, copy.services.find((s) => s.collectsMetrics)! as ServiceSpec, {
      noRunningInstancesReason: "exports no metrics",
    });
    expect(rules.groups.flatMap((g) => g.rules).map((r) => r.alert)).not.toContain("PostgresDown");
  });
});

describe("the dashboard", () => {
  const dashboard = dashboardOf(app, prometheus, { withLogs: true });

  it("is JSON that references only metrics the model declares", () => {
    const parsed = JSON.parse(JSON.stringify(dashboard));
    expect(parsed.uid).toBe("argo-overview");
    const expressions = prometheusExpressionsOf(dashboard);
    expect(expressions.length).toBeGreaterThan(5);
    for (const expr of expressions) expect(expressionProblems(expr, declared)).toEqual([]);
  });

  it("shows rate, p95 latency and 5xx ratio of every service with HTTP request metrics, instances up per service, node CPU and memory", () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      "query-api: requests per second",
      "query-api: p95 latency",
      "query-api: 5xx ratio",
      "Instances up per service",
      "Node CPU busy",
      "Node memory used",
      "query-api: logs",
    ]);
    expect(dashboard.panels.find((p) => p.type === "logs")?.targets[0]).toMatchObject({
      datasource: { uid: "loki" },
      expr: '{service="query-api"}',
    });
    // Panels tile without overlapping.
    const cells = dashboard.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(cells.length);
  });

  it("contains no Terraform interpolation", () => {
    expect(JSON.stringify(dashboard)).not.toMatch(/[$%]\{/);
  });
});

describe("configuration files", () => {
  it("keeps Loki's logs for the model's retention, enforced by the compactor", () => {
    const loki = parseYaml(lokiConfig(ARGO.services.find((s) => s.storesLogs)!));
    expect(loki.limits_config.retention_period).toBe("168h");
    expect(loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(loki.common.path_prefix).toBe("/loki");
    expect(loki.server.http_listen_port).toBe(3100);
  });

  it("routes every alert to a default receiver without any secret in it", () => {
    const config = parseYaml(alertmanagerConfig());
    expect(config.route.receiver).toBe("default");
    expect(config.receivers).toEqual([{ name: "default" }]);
  });

  it("labels Docker containers with their service and ships them to the store", () => {
    const config = alloyDockerConfig(
      { sourceLabel: "__meta_docker_container_name", regex: "/(.+)" },
      "http://127.0.0.1:3100/loki/api/v1/push",
    );
    expect(config).toContain('target_label = "service"');
    expect(config).toContain('url = "http://127.0.0.1:3100/loki/api/v1/push"');
    expect(config.split("{").length).toBe(config.split("}").length);
  });

  it("escapes Go template delimiters for Nomad templates and round-trips", () => {
    const text = '{"legendFormat": "{{path}}"}';
    expect(escapeConsulTemplate(text)).toBe('{"legendFormat": "{{ "{{" }}path}}"}');
    expect(unescapeConsulTemplate(escapeConsulTemplate(text))).toBe(text);
  });
});
