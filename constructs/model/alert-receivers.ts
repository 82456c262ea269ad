import type { Problem } from "./problems";
import type { Application } from "./types";

/**
 * Where an environment's alerts go. Every receiver is an integration of Alertmanager's one receiver on each
 * platform that runs Alertmanager; on ECS an e-mail receiver is also a subscriber of the CloudWatch alarms'
 * SNS topic. No field holds a secret: a receiver that needs a credential (an SMTP password, a chat token in
 * the URL) is refused, since the platforms deliver Alertmanager's configuration as plain configuration.
 */
export type AlertReceiver =
  /** E-mail through an SMTP relay that accepts the sender without credentials (over STARTTLS by default). */
  | {
      readonly kind: "email";
      readonly to: string;
      readonly from: string;
      /** `host:port` of the relay. */
      readonly smarthost: string;
      /**
       * Reason the relay is reached without STARTTLS (e.g. a relay on the same host); without one, TLS is required.
       * @default TLS required
       */
      readonly plaintextReason?: string;
    }
  /** A webhook receiving Alertmanager's JSON: an `https://` URL without credentials or query string. */
  | { readonly kind: "webhook"; readonly url: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** Every problem of `receivers` (at `path`, e.g. `environments.lab.selection.alertReceivers`) for `app`. */
export function alertReceiverProblems(app: Application, receivers: readonly AlertReceiver[], path: string): Problem[] {
  const problems: Problem[] = [];
  const add = (at: string, message: string) => problems.push({ path: `${path}${at}`, message });
  if (receivers.length > 0 && !app.services.some((s) => s.receivesAlerts))
    add("", "the application has no service that receives alerts (receivesAlerts), so no receiver would be used");
  receivers.forEach((receiver, i) => {
    const at = `[${i}]`;
    if (receiver.kind === "email") {
      for (const field of ["to", "from"] as const)
        if (typeof receiver[field] !== "string" || !EMAIL.test(receiver[field]))
          add(`${at}.${field}`, `${JSON.stringify(receiver[field])} is not an e-mail address`);
      const hostPort = HOST_PORT.exec(receiver.smarthost ?? "");
      if (!hostPort || Number(hostPort[2]) < 1 || Number(hostPort[2]) > 65535)
        add(
          `${at}.smarthost`,
          `${JSON.stringify(receiver.smarthost)} is not host:port (expected e.g. smtp.example.com:587)`,
        );
      if (receiver.plaintextReason !== undefined && receiver.plaintextReason.trim().length < 10)
        add(`${at}.plaintextReason`, "needs a written reason for sending without STARTTLS");
    } else if (receiver.kind === "webhook") {
      let url: URL | undefined;
      try {
        url = new URL(receiver.url);
      } catch {
        add(`${at}.url`, `${JSON.stringify(receiver.url)} is not a URL (expected https://host/path)`);
      }
      if (url && url.protocol !== "https:")
        add(`${at}.url`, `"${receiver.url}" is not an https:// URL (alerts leave the platform encrypted)`);
      if (url && (url.username || url.password || url.search))
        add(
          `${at}.url`,
          `"${url.protocol}//${url.host}${url.pathname}..." carries credentials or a query string: a receiver's settings must hold no secret (use an endpoint that needs none, e.g. a relay inside the network)`,
        );
    } else {
      add(
        `${at}.kind`,
        `${JSON.stringify((receiver as { kind?: unknown }).kind)} is not a receiver kind (expected "email" or "webhook")`,
      );
    }
  });
  return problems;
}
