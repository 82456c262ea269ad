import * as path from "path";
import { Document } from "yaml";
import { requirePrimaryPort, type Application, type ServiceSpec } from "../model";
import type { AlertReceiver } from "../model/alert-receivers";
import { LOKI_DATASOURCE, PROMETHEUS_DATASOURCE } from "./dashboard";

/** Configuration files of the observability services that read the same on every platform. */

const yaml = (value: unknown) => new Document(value).toString({ lineWidth: 0 });

/**
 * Alertmanager: every alert goes to one `default` receiver, grouped by alert and service, which notifies each of
 * the environment's receivers (selection.alertReceivers), resolved alerts too. Without receivers it has no
 * integration: alerts are shown by Alertmanager and notify nobody.
 */
export function alertmanagerConfig(receivers: readonly AlertReceiver[] = []): string {
  const email = receivers.flatMap((r) =>
    r.kind === "email"
      ? [
          {
            to: r.to,
            from: r.from,
            smarthost: r.smarthost,
            require_tls: r.plaintextReason === undefined,
            send_resolved: true,
          },
        ]
      : [],
  );
  const webhook = receivers.flatMap((r) => (r.kind === "webhook" ? [{ url: r.url, send_resolved: true }] : []));
  return yaml({
    route: {
      receiver: "default",
      group_by: ["alertname", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    receivers: [
      {
        name: "default",
        ...(email.length > 0 ? { email_configs: email } : {}),
        ...(webhook.length > 0 ? { webhook_configs: webhook } : {}),
      },
    ],
  });
}

/** Loki as one process on its persistent volume, with retention enforced by the compactor. */
export function lokiConfig(store: ServiceSpec): string {
  const port = requirePrimaryPort(store).containerPort;
  const data = (store.volumes ?? []).find((v) => v.kind === "persistent")?.mountPath ?? "/loki";
  return yaml({
    auth_enabled: false,
    server: { http_listen_port: port, grpc_listen_port: 9096, log_level: "warn" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: data,
      storage: { filesystem: { chunks_directory: `${data}/chunks`, rules_directory: `${data}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [
        {
          from: "2024-01-01",
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: { retention_period: `${store.storesLogs!.retentionHours}h` },
    compactor: { working_directory: `${data}/compactor`, retention_enabled: true, delete_request_store: "filesystem" },
    analytics: { reporting_enabled: false },
  });
}

/** Where Grafana reaches a data source, as the platform resolves it for Grafana. */
export type Resolve = (service: ServiceSpec) => { readonly host: string; readonly port: number };

/** Grafana's data sources: the metrics collectors and log stores it talks to, with fixed uids the dashboard uses. */
export function grafanaDatasources(app: Application, grafana: ServiceSpec, resolve: Resolve): string {
  const called = (grafana.talksTo ?? [])
    .filter((e) => (e.kind ?? "call") === "call")
    .map((e) => app.services.find((s) => s.name === e.service)!);
  const url = (s: ServiceSpec) => {
    const { host, port } = resolve(s);
    return `http://${host}:${port}`;
  };
  const prometheus = called.filter((s) => s.collectsMetrics);
  const loki = called.filter((s) => s.storesLogs);
  return yaml({
    apiVersion: 1,
    datasources: [
      ...prometheus.map((s, i) => ({
        name: i === 0 ? "Prometheus" : s.name,
        uid: i === 0 ? PROMETHEUS_DATASOURCE.uid : s.name,
        type: "prometheus",
        access: "proxy",
        url: url(s),
        isDefault: i === 0,
        editable: false,
      })),
      ...loki.map((s, i) => ({
        name: i === 0 ? "Loki" : s.name,
        uid: i === 0 ? LOKI_DATASOURCE.uid : s.name,
        type: "loki",
        access: "proxy",
        url: url(s),
        editable: false,
      })),
    ],
  });
}

/** Grafana's dashboard provider: the generated dashboards, read-only in the UI. */
export function grafanaDashboardProvider(app: Application, grafana: ServiceSpec): string {
  return yaml({
    apiVersion: 1,
    providers: [
      {
        name: app.name,
        orgId: 1,
        folder: app.name.toUpperCase(),
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: grafana.dashboards!.dashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  });
}

export const provisioningPath = (grafana: ServiceSpec, kind: "datasources" | "dashboards") =>
  path.posix.join(grafana.dashboards!.provisioningDir, kind, "argo.yaml");
