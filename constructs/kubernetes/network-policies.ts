import { edgesOf, type Application, type Edge } from "../model";

/**
 * Who may reach whom inside the namespace, from the model's talks-to pairs only. Everything else is denied
 * by a default-deny policy; these are the exceptions, each one a pair of the model.
 */

export interface PeerRule {
  /** The pod that receives (ingress) or the pod that sends (egress). */
  readonly service: string;
  readonly peer: { readonly service: string } | { readonly cidrs: readonly string[]; readonly reason: string };
  readonly port: number;
}

export interface NamespacePolicyPlan {
  /** Ingress allowed to a service's pods, per talks-to pair with an in-cluster target, plus the load balancer. */
  readonly ingress: readonly PeerRule[];
  /** Egress allowed from a service's pods: in-cluster targets, and managed services outside the cluster. */
  readonly egress: readonly PeerRule[];
}

export interface PolicyInputs {
  readonly app: Application;
  /** Services that run outside the cluster (RDS), reached at these address ranges. */
  readonly external: ReadonlyMap<string, { readonly cidrs: readonly string[]; readonly port: number }>;
  /** Where the load balancer's health checks and requests come from (its subnets). */
  readonly loadBalancerCidrs: readonly string[];
  /** Services that read the Kubernetes API (service discovery), and the ranges of its endpoint. */
  readonly apiClients: ReadonlyMap<string, readonly string[]>;
  /** Services that scrape the kubelets (Prometheus), and the ranges of the nodes. @default none */
  readonly kubeletClients?: ReadonlyMap<string, readonly string[]>;
}

/** The kubelet's HTTPS port, where Prometheus reads container metrics. */
export const KUBELET_PORT = 10250;

export function planNetworkPolicies(inputs: PolicyInputs): NamespacePolicyPlan {
  const ingress: PeerRule[] = [];
  const egress: PeerRule[] = [];
  const seen = new Set<string>();
  for (const edge of edgesOf(inputs.app)) {
    // A service may both call and scrape another on the same port (Prometheus and Alertmanager): one rule.
    const key = `${edge.from.name}->${edge.to.name}:${edge.port.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const external = inputs.external.get(edge.to.name);
    if (external) {
      egress.push({
        service: edge.from.name,
        peer: { cidrs: external.cidrs, reason: `${edge.to.name} (managed, outside the cluster)` },
        port: external.port,
      });
      continue;
    }
    ingress.push(pairRule(edge, "ingress"));
    egress.push(pairRule(edge, "egress"));
  }
  const routed = new Map<string, number>();
  for (const route of inputs.app.routes) {
    const service = inputs.app.services.find((s) => s.name === route.service);
    const port = service?.ports.find((p) => p.name === route.port);
    if (service && port) routed.set(`${service.name}:${port.containerPort}`, port.containerPort);
  }
  for (const [key, port] of routed) {
    ingress.push({
      service: key.split(":")[0],
      peer: { cidrs: inputs.loadBalancerCidrs, reason: "the application load balancer" },
      port,
    });
  }
  for (const [service, cidrs] of inputs.apiClients) {
    egress.push({ service, peer: { cidrs, reason: "the Kubernetes API (service discovery)" }, port: 443 });
  }
  for (const [service, cidrs] of inputs.kubeletClients ?? []) {
    egress.push({ service, peer: { cidrs, reason: "the kubelets (container metrics)" }, port: KUBELET_PORT });
  }
  return { ingress, egress };
}

function pairRule(edge: Edge, direction: "ingress" | "egress"): PeerRule {
  return direction === "ingress"
    ? { service: edge.to.name, peer: { service: edge.from.name }, port: edge.port.containerPort }
    : { service: edge.from.name, peer: { service: edge.to.name }, port: edge.port.containerPort };
}
