import { attributesOfType } from "./resource-attributes";
import type { PolicyRule } from "./rule";

/** Listener policies that allow TLS 1.2 and 1.3 only. */
const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

export const albHttpsOnly: PolicyRule = {
  id: "ARGO-ALB-HTTPS-ONLY",
  explanation: "load balancer listeners serve HTTPS with TLS 1.2 or newer; plain HTTP only redirects to HTTPS",
  level: "error",
  scannerIds: ["CKV_AWS_2", "CKV_AWS_103"],
  check(node) {
    const listener = attributesOfType(node, "aws_lb_listener");
    if (!listener) return [];
    const where = `listener ${node.node.path} (port ${listener.port})`;
    if (listener.protocol === "HTTPS") {
      return TLS12_POLICY.test(listener.ssl_policy ?? "")
        ? []
        : [`${where} allows TLS older than 1.2 (policy ${listener.ssl_policy ?? "default"})`];
    }
    if (listener.protocol === "HTTP") {
      const actions: { type?: string; redirect?: { protocol?: string } | { protocol?: string }[] }[] =
        listener.default_action ?? [];
      const redirect = (a: (typeof actions)[number]) => (Array.isArray(a.redirect) ? a.redirect[0] : a.redirect);
      return actions.every((a) => a.type === "redirect" && redirect(a)?.protocol === "HTTPS")
        ? []
        : [`${where} serves plain HTTP instead of redirecting to HTTPS`];
    }
    return [];
  },
};
