import type { CapabilityRecord } from "../capabilities";
import type { Application } from "../model";
import type { AlertRules } from "./alert-rules";
import { alertReceiversOf, describeReceivers } from "./notifications";

/** What each platform says about how it realizes the model's observability intents, in the same words. */
export interface ObservabilityRealization {
  readonly platform: string;
  /** How Prometheus finds every instance of a scraped service. */
  readonly discovery: string;
  /** How logs reach the log store, or why they cannot. */
  readonly logs: { readonly realization: string; readonly support: CapabilityRecord["support"] };
  readonly rules?: AlertRules;
}

export function observabilityRecords(app: Application, r: ObservabilityRealization): CapabilityRecord[] {
  const records: CapabilityRecord[] = [];
  const base = { platform: r.platform };
  for (const service of app.services.filter((s) => s.metrics)) {
    records.push({
      ...base,
      service: service.name,
      intent: "metrics",
      wanted: `${service.metrics!.path} on port ${service.metrics!.port}, ${service.metrics!.families.length} declared families`,
      realization: r.discovery,
      support: "native",
    });
  }
  const store = app.services.find((s) => s.storesLogs);
  const collector = app.services.find((s) => s.collectsLogs);
  if (store || collector) {
    records.push({
      ...base,
      service: "*",
      intent: "logs",
      wanted: `every container's logs with a service label${store ? `, kept ${store.storesLogs!.retentionHours} h` : ""}`,
      realization: r.logs.realization,
      support: r.logs.support,
    });
  }
  if (r.rules) {
    const alerts = r.rules.groups.flatMap((g) => g.rules);
    const receivers = describeReceivers(alertReceiversOf(app));
    records.push({
      ...base,
      service: "*",
      intent: "alerts",
      wanted: "alert rules generated from the model, routed by Alertmanager",
      realization: `${alerts.length} rules in ${r.rules.groups.length} groups loaded by Prometheus (rule_files), sent to the discovered Alertmanager, which ${
        receivers
          ? `notifies ${receivers} receiver(s) of selection.alertReceivers`
          : "notifies nobody (selection.alertReceivers is empty)"
      }`,
      support: "native",
    });
    for (const entry of r.rules.coverage) {
      records.push(
        entry.covered
          ? {
              ...base,
              service: entry.service,
              intent: "alerts",
              wanted: "watched by an alert rule",
              realization: entry.alerts.join(", "),
              support: "native",
            }
          : {
              ...base,
              service: entry.service,
              intent: "alerts",
              wanted: "watched by an alert rule",
              realization: `not covered: ${entry.reason}`,
              support: "unsupported",
            },
      );
    }
  }
  const grafana = app.services.find((s) => s.dashboards);
  if (grafana) {
    records.push({
      ...base,
      service: grafana.name,
      intent: "dashboards",
      wanted: "data sources and the application dashboard provisioned as code",
      realization: `datasources and dashboard provider under ${grafana.dashboards!.provisioningDir}, dashboard JSON generated from the model in ${grafana.dashboards!.dashboardsDir}`,
      support: "native",
    });
  }
  return records;
}
