import type { Application } from "../model";
import type { AlertReceiver } from "../model/alert-receivers";

/** The receivers the application's Alertmanager notifies (the environment's selection.alertReceivers). */
export function alertReceiversOf(app: Application): readonly AlertReceiver[] {
  return app.services.find((s) => s.receivesAlerts)?.receivesAlerts?.receivers ?? [];
}

/** `1 email and 1 webhook`, or undefined for none. */
export function describeReceivers(receivers: readonly AlertReceiver[]): string | undefined {
  const kinds = [...new Set(receivers.map((r) => r.kind))];
  return kinds.length === 0
    ? undefined
    : kinds.map((k) => `${receivers.filter((r) => r.kind === k).length} ${k}`).join(" and ");
}

/**
 * Who a cloud's alarm topic notifies: the target's own subscribers, then each e-mail receiver of the
 * application's Alertmanager that is not among them. Webhooks stay Alertmanager's: they expect its JSON, not
 * the topic's messages.
 */
export function alarmSubscriptionsOf<S extends { readonly protocol: string; readonly endpoint: string }>(
  app: Application,
  own: readonly S[] = [],
): (S | { readonly protocol: "email"; readonly endpoint: string })[] {
  const emails = alertReceiversOf(app)
    .flatMap((r) => (r.kind === "email" ? [r.to] : []))
    .filter((to, i, all) => all.indexOf(to) === i && !own.some((s) => s.protocol === "email" && s.endpoint === to));
  return [...own, ...emails.map((endpoint) => ({ protocol: "email" as const, endpoint }))];
}
