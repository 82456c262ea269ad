import { Document } from "yaml";
import { edgesOf, type Application, type ServiceSpec } from "../model";

/**
 * Prometheus alert rules generated from the model, the same on every platform that runs Prometheus:
 * - every scraped service: fewer instances up than it should run (its replicas, or its autoscaling minimum;
 *   one per node for per-node services, counted by the node exporter's targets);
 * - every other service: the same count from a platform-specific source of running containers where the
 *   platform has one (cadvisor's container labels), otherwise an explicit "not covered" entry with the reason;
 * - a service an exporter talks to and reports on through an `<x>_up` gauge (postgres via `pg_up`): down;
 * - every service exporting `http_requests_total` with a `status` label: 5xx ratio above a threshold;
 * - node exporter missing or down; well-known failure counters of the observability services themselves.
 * Queries use only the metric families the model declares (and Prometheus' own `up`).
 */

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "critical" | "warning"; readonly service: string };
  readonly annotations: { readonly summary: string };
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** How one service is watched by the rules, or why it is not. */
export type Coverage =
  | { readonly service: string; readonly covered: true; readonly alerts: readonly string[] }
  | { readonly service: string; readonly covered: false; readonly reason: string };

export interface AlertRuleOptions {
  /**
   * The platform's count of a service's running instances for services Prometheus does not scrape, e.g.
   * `count(container_last_seen{...})`; undefined where the platform has no such source.
   */
  readonly runningInstances?: (service: ServiceSpec) => string | undefined;
  /** Why services without metrics are not watched where `runningInstances` gives nothing. */
  readonly noRunningInstancesReason: string;
  /** Ratio of 5xx responses above which an HTTP service alerts. @default 0.05 */
  readonly errorRatio?: number;
}

export interface AlertRules {
  readonly groups: readonly AlertGroup[];
  readonly coverage: readonly Coverage[];
}

export const HTTP_REQUESTS_FAMILY = "http_requests_total";
export const DEFAULT_ERROR_RATIO = 0.05;

/** Well-known failure counters, alerted on wherever a scraped service declares them. */
const FAILURE_COUNTERS: Readonly<Record<string, { readonly alert: string; readonly summary: string }>> = {
  loki_write_dropped_entries_total: {
    alert: "LogEntriesDropped",
    summary: "log lines are being dropped on their way to the log store",
  },
  alertmanager_notifications_failed_total: {
    alert: "AlertNotificationsFailing",
    summary: "Alertmanager fails to deliver notifications",
  },
  prometheus_rule_evaluation_failures_total: { alert: "AlertRulesFailing", summary: "alert rules fail to evaluate" },
};

/** `query-api` → `QueryApi`. */
export function alertPrefix(service: string): string {
  return service
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The alert rules of a Prometheus server (`collector`): only services it scrapes count as scraped. */
export function alertRulesOf(app: Application, collector: ServiceSpec, options: AlertRuleOptions): AlertRules {
  const scraped = new Set(
    edgesOf(app)
      .filter((e) => e.from.name === collector.name && e.kind === "scrape")
      .map((e) => e.to.name),
  );
  const scrapedServices = app.services.filter((s) => scraped.has(s.name) || (s.name === collector.name && s.metrics));
  const isScraped = (s: ServiceSpec) => scrapedServices.includes(s);
  const declares = (s: ServiceSpec, family: string) => (s.metrics?.families ?? []).some((f) => f.name === family);
  const nodeExporter = scrapedServices.find(
    (s) => s.placement.kind === "per-node" && (s.metrics?.families ?? []).some((f) => f.name.startsWith("node_")),
  );
  const nodeCount = nodeExporter ? `count(up{job="${nodeExporter.name}"})` : undefined;
  const alertsOf = new Map<string, string[]>();
  const note = (service: string, alert: string) => alertsOf.set(service, [...(alertsOf.get(service) ?? []), alert]);

  const availability: AlertRule[] = [];
  const uncovered = new Map<string, string>();
  for (const service of app.services) {
    const running = isScraped(service) ? `sum(up{job="${service.name}"})` : options.runningInstances?.(service);
    if (service === nodeExporter) continue;
    if (!running) {
      uncovered.set(
        service.name,
        service.metrics ? `not scraped by ${collector.name}` : options.noRunningInstancesReason,
      );
      continue;
    }
    const expected =
      service.placement.kind === "per-node"
        ? nodeCount
        : String(service.autoscaling?.minReplicas ?? service.placement.replicas);
    if (!expected) {
      uncovered.set(service.name, "one per node, but no node exporter is scraped to count the nodes");
      continue;
    }
    const alert = `${alertPrefix(service.name)}InstancesMissing`;
    availability.push({
      alert,
      expr: `(${running} or vector(0)) < ${expected}`,
      for: "5m",
      labels: { severity: "critical", service: service.name },
      annotations: {
        summary:
          service.placement.kind === "per-node"
            ? `${service.name} runs on fewer nodes than there are nodes`
            : `${service.name} has fewer ${isScraped(service) ? "healthy" : "running"} instances than the ${expected} it should run`,
      },
    });
    note(service.name, alert);
  }
  if (nodeExporter) {
    for (const [alert, expr, summary] of [
      [
        `${alertPrefix(nodeExporter.name)}Missing`,
        `absent(up{job="${nodeExporter.name}"})`,
        `no ${nodeExporter.name} target is discovered at all`,
      ],
      [
        `${alertPrefix(nodeExporter.name)}Down`,
        `up{job="${nodeExporter.name}"} == 0`,
        `a ${nodeExporter.name} instance cannot be scraped (its node may be down)`,
      ],
    ] as const) {
      availability.push({
        alert,
        expr,
        for: "5m",
        labels: { severity: "critical", service: nodeExporter.name },
        annotations: { summary },
      });
      note(nodeExporter.name, alert);
    }
  }

  const dependencies: AlertRule[] = [];
  for (const exporter of scrapedServices) {
    const upGauges = (exporter.metrics?.families ?? []).filter((f) => f.type === "gauge" && /^[a-z]+_up$/.test(f.name));
    const targets = (exporter.talksTo ?? []).filter((e) => (e.kind ?? "call") === "call").map((e) => e.service);
    for (const gauge of upGauges) {
      for (const target of targets) {
        const alert = `${alertPrefix(target)}Down`;
        dependencies.push({
          alert,
          expr: `${gauge.name}{job="${exporter.name}"} == 0`,
          for: "1m",
          labels: { severity: "critical", service: target },
          annotations: { summary: `${exporter.name} cannot reach ${target} (${gauge.name} is 0)` },
        });
        note(target, alert);
      }
    }
  }

  const ratio = options.errorRatio ?? DEFAULT_ERROR_RATIO;
  const errors: AlertRule[] = [];
  for (const service of scrapedServices) {
    const requests = (service.metrics?.families ?? []).find(
      (f) => f.name === HTTP_REQUESTS_FAMILY && f.type === "counter",
    );
    if (!requests?.labels.includes("status")) continue;
    const alert = `${alertPrefix(service.name)}HighErrorRate`;
    const selector = `job="${service.name}"`;
    errors.push({
      alert,
      expr: `sum(rate(${HTTP_REQUESTS_FAMILY}{${selector},status=~"5.."}[5m])) / sum(rate(${HTTP_REQUESTS_FAMILY}{${selector}}[5m])) > ${ratio}`,
      for: "5m",
      labels: { severity: "warning", service: service.name },
      annotations: { summary: `more than ${ratio * 100} % of ${service.name}'s responses are 5xx` },
    });
    note(service.name, alert);
  }

  const pipeline: AlertRule[] = [];
  for (const service of scrapedServices) {
    for (const [family, rule] of Object.entries(FAILURE_COUNTERS)) {
      if (!declares(service, family)) continue;
      pipeline.push({
        alert: rule.alert,
        expr: `sum(rate(${family}{job="${service.name}"}[10m])) > 0`,
        for: "10m",
        labels: { severity: "warning", service: service.name },
        annotations: { summary: rule.summary },
      });
      note(service.name, rule.alert);
    }
  }

  const coverage: Coverage[] = app.services.map((s) => {
    const alerts = alertsOf.get(s.name);
    if (alerts) return { service: s.name, covered: true, alerts };
    return { service: s.name, covered: false, reason: uncovered.get(s.name) ?? options.noRunningInstancesReason };
  });
  const groups = [
    { name: `${app.name}-availability`, rules: availability },
    { name: `${app.name}-dependencies`, rules: dependencies },
    { name: `${app.name}-errors`, rules: errors },
    { name: `${app.name}-observability`, rules: pipeline },
  ].filter((g) => g.rules.length > 0);
  return { groups, coverage };
}

/** The rules as Prometheus reads them from `rule_files`. */
export function renderAlertRules(rules: AlertRules): string {
  return new Document({ groups: rules.groups }).toString({ lineWidth: 0 });
}
