import * as path from "path";
import { edgesOf, type Application, type ServiceSpec } from "../model";
import { alertRulesOf, renderAlertRules, type AlertRuleOptions, type AlertRules } from "./alert-rules";
import {
  alertmanagerConfig,
  grafanaDashboardProvider,
  grafanaDatasources,
  lokiConfig,
  provisioningPath,
} from "./configs";
import { dashboardOf } from "./dashboard";

/**
 * The configuration files each observability service of the model needs, as plain text, with the few
 * platform-specific parts (discovery, addresses, log sources) supplied by the platform. Each platform only
 * delivers them: Nomad as templates, Swarm as configs, Kubernetes as ConfigMaps.
 */

export interface ConfigFile {
  /** Short stable name, unique per service (`config`, `alert-rules`, `datasources`, ...): part of resource names. */
  readonly id: string;
  /** Absolute path inside the container. */
  readonly path: string;
  readonly content: string;
  /** The content is a template of the platform (Nomad's `{{ env ... }}`) rather than literal text. */
  readonly isTemplate?: boolean;
}

export interface ObservabilityPlatform {
  /** Address at which `caller` reaches `target`'s port on this platform. */
  endpoint(caller: ServiceSpec, target: ServiceSpec, port: string): { readonly host: string; readonly port: number };
  /** The Prometheus configuration with its scrape jobs, `rule_files` and discovered Alertmanagers. */
  prometheusConfig(
    collector: ServiceSpec,
    ruleFiles: readonly string[],
    alertmanagers: readonly ServiceSpec[],
  ): ConfigFile;
  /** The log collector's configuration, shipping to `pushUrl`. */
  logCollectorConfig(collector: ServiceSpec, pushUrl: string): string;
  readonly alerting: AlertRuleOptions;
}

/** Alertmanagers a metrics collector sends to: the services with `receivesAlerts` it has a call pair with. */
export function alertmanagersOf(app: Application, collector: ServiceSpec): ServiceSpec[] {
  return edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "call" && e.to.receivesAlerts)
    .map((e) => e.to);
}

export function alertRulesFor(app: Application, collector: ServiceSpec, platform: ObservabilityPlatform): AlertRules {
  return alertRulesOf(app, collector, platform.alerting);
}

export function configFilesOf(app: Application, service: ServiceSpec, platform: ObservabilityPlatform): ConfigFile[] {
  const files: ConfigFile[] = [];
  if (service.collectsMetrics) {
    const { rulesFile } = service.collectsMetrics;
    files.push(platform.prometheusConfig(service, [rulesFile], alertmanagersOf(app, service)));
    files.push({
      id: "alert-rules",
      path: rulesFile,
      content: renderAlertRules(alertRulesFor(app, service, platform)),
    });
  }
  if (service.receivesAlerts)
    files.push({
      id: "config",
      path: service.receivesAlerts.configFile,
      content: alertmanagerConfig(service.receivesAlerts.receivers),
    });
  if (service.storesLogs)
    files.push({ id: "config", path: service.storesLogs.configFile, content: lokiConfig(service) });
  if (service.collectsLogs) {
    const store = edgesOf(app).find((e) => e.from.name === service.name && e.kind === "call" && e.to.storesLogs)!;
    const { host, port } = platform.endpoint(service, store.to, store.port.name);
    files.push({
      id: "config",
      path: service.collectsLogs.configFile,
      content: platform.logCollectorConfig(service, `http://${host}:${port}/loki/api/v1/push`),
    });
  }
  if (service.dashboards) {
    const resolve = (target: ServiceSpec) =>
      platform.endpoint(service, target, service.talksTo!.find((e) => e.service === target.name)!.port);
    const collector = edgesOf(app).find(
      (e) => e.from.name === service.name && e.kind === "call" && e.to.collectsMetrics,
    )!.to;
    const withLogs = (service.talksTo ?? []).some((e) => app.services.find((s) => s.name === e.service)?.storesLogs);
    files.push({
      id: "datasources",
      path: provisioningPath(service, "datasources"),
      content: grafanaDatasources(app, service, resolve),
    });
    files.push({
      id: "dashboard-provider",
      path: provisioningPath(service, "dashboards"),
      content: grafanaDashboardProvider(app, service),
    });
    files.push({
      id: "dashboard",
      path: path.posix.join(service.dashboards.dashboardsDir, `${app.name}.json`),
      content: JSON.stringify(dashboardOf(app, collector, { withLogs }), null, 2) + "\n",
    });
  }
  return files;
}

/** The scraped service that exports `family`, if the collector scrapes one (e.g. cadvisor's container metrics). */
export function scrapedExporterOf(app: Application, collector: ServiceSpec, family: string): ServiceSpec | undefined {
  return edgesOf(app)
    .filter((e) => e.from.name === collector.name && e.kind === "scrape")
    .map((e) => e.to)
    .find((s) => (s.metrics?.families ?? []).some((f) => f.name === family));
}
