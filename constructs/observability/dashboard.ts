import { edgesOf, type Application, type ServiceSpec } from "../model";
import { HTTP_REQUESTS_FAMILY } from "./alert-rules";

/**
 * The ARGO dashboard, generated from the model as Grafana dashboard JSON: for every scraped service that
 * declares HTTP request metrics, its request rate, p95 latency and 5xx ratio; instances up per scraped
 * service; node CPU and memory where a node exporter is scraped; and the logs of the HTTP services.
 * Queries use only the metric families the model declares.
 */

export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;
export const LOKI_DATASOURCE = { type: "loki", uid: "loki" } as const;
export const DASHBOARD_UID = "argo-overview";
const HTTP_DURATION_FAMILY = "http_request_duration_seconds";

interface Target {
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly expr: string;
  readonly legendFormat?: string;
  readonly refId: string;
}

export interface Panel {
  readonly id: number;
  readonly type: "timeseries" | "logs";
  readonly title: string;
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets: readonly Target[];
  readonly fieldConfig?: unknown;
  readonly options?: unknown;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly panels: readonly Panel[];
}

export interface DashboardOptions {
  /** A log store is provisioned as a data source: add log panels. */
  readonly withLogs: boolean;
}

const unit = (u: string) => ({ defaults: { unit: u }, overrides: [] });

export function dashboardOf(app: Application, collector: ServiceSpec, options: DashboardOptions): Dashboard {
  const scraped = edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "scrape")
    .map((e) => e.to);
  const declares = (s: ServiceSpec, family: string) => (s.metrics?.families ?? []).some((f) => f.name === family);
  const panels: Omit<Panel, "id" | "gridPos">[] = [];
  const prometheusPanel = (
    title: string,
    expr: string,
    legendFormat: string,
    fieldUnit: string,
  ): Omit<Panel, "id" | "gridPos"> => ({
    type: "timeseries",
    title,
    datasource: PROMETHEUS_DATASOURCE,
    targets: [{ datasource: PROMETHEUS_DATASOURCE, expr, legendFormat, refId: "A" }],
    fieldConfig: unit(fieldUnit),
  });

  const httpServices = scraped.filter((s) => declares(s, HTTP_REQUESTS_FAMILY));
  for (const service of httpServices) {
    const job = `job="${service.name}"`;
    panels.push(
      prometheusPanel(
        `${service.name}: requests per second`,
        `sum by (path) (rate(${HTTP_REQUESTS_FAMILY}{${job}}[$__rate_interval]))`,
        "{{path}}",
        "reqps",
      ),
    );
    if (declares(service, HTTP_DURATION_FAMILY)) {
      panels.push(
        prometheusPanel(
          `${service.name}: p95 latency`,
          `histogram_quantile(0.95, sum by (le, path) (rate(${HTTP_DURATION_FAMILY}_bucket{${job}}[$__rate_interval])))`,
          "{{path}}",
          "s",
        ),
      );
    }
    if ((service.metrics?.families ?? []).some((f) => f.name === HTTP_REQUESTS_FAMILY && f.labels.includes("status"))) {
      panels.push(
        prometheusPanel(
          `${service.name}: 5xx ratio`,
          `sum(rate(${HTTP_REQUESTS_FAMILY}{${job},status=~"5.."}[$__rate_interval])) / sum(rate(${HTTP_REQUESTS_FAMILY}{${job}}[$__rate_interval]))`,
          "5xx",
          "percentunit",
        ),
      );
    }
  }
  panels.push(prometheusPanel("Instances up per service", "sum by (job) (up)", "{{job}}", "short"));
  const nodeExporter = scraped.find((s) => declares(s, "node_cpu_seconds_total"));
  if (nodeExporter) {
    const job = `job="${nodeExporter.name}"`;
    panels.push(
      prometheusPanel(
        "Node CPU busy",
        `1 - avg by (instance) (rate(node_cpu_seconds_total{${job},mode="idle"}[$__rate_interval]))`,
        "{{instance}}",
        "percentunit",
      ),
    );
    if (
      declares(nodeExporter, "node_memory_MemAvailable_bytes") &&
      declares(nodeExporter, "node_memory_MemTotal_bytes")
    ) {
      panels.push(
        prometheusPanel(
          "Node memory used",
          `1 - node_memory_MemAvailable_bytes{${job}} / node_memory_MemTotal_bytes{${job}}`,
          "{{instance}}",
          "percentunit",
        ),
      );
    }
  }
  if (options.withLogs) {
    for (const service of httpServices) {
      panels.push({
        type: "logs",
        title: `${service.name}: logs`,
        datasource: LOKI_DATASOURCE,
        targets: [{ datasource: LOKI_DATASOURCE, expr: `{service="${service.name}"}`, refId: "A" }],
        options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" },
      });
    }
  }

  const width = 12;
  const height = 8;
  return {
    uid: DASHBOARD_UID,
    title: `${app.name.toUpperCase()} overview`,
    tags: [app.name, "generated"],
    schemaVersion: 39,
    editable: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    panels: panels.map((p, i) => ({
      ...p,
      id: i + 1,
      gridPos: { x: (i % 2) * width, y: Math.floor(i / 2) * height, w: width, h: height },
    })),
  };
}

/** The PromQL expressions of a dashboard's Prometheus panels. */
export function prometheusExpressionsOf(dashboard: Dashboard): string[] {
  return dashboard.panels.flatMap((p) =>
    p.targets.filter((t) => t.datasource.type === "prometheus").map((t) => t.expr),
  );
}
