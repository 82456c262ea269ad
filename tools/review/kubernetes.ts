/**
 * eks's Kubernetes resources in model terms: Deployments, StatefulSets and DaemonSets (a service: image, replicas
 * or one per node, probes, rollout strategy, volume claims), HorizontalPodAutoscalers, NetworkPolicies (who may
 * call whom), the ALB Ingress (routes; admin-only through the controller's source-ip conditions), Secrets. The one
 * place that knows how constructs/kubernetes renders the model.
 */
import { KUBERNETES_WORKLOADS } from "../../constructs/policy/workloads";
import { digest, one, randomReadBack, secretNamed, type Fact, type ReadBack } from "./facts";

const NAME_LABEL = "app.kubernetes.io/name";

function workloadFacts(type: string, values: Record<string, any>): Fact[] {
  const metadata = one(values.metadata) ?? {};
  const service = String(metadata.name);
  const spec = one(values.spec) ?? {};
  const pod = one(one(spec.template)?.spec) ?? {};
  const container = (pod.container ?? []).find((c: any) => c.name === service) ?? (pod.container ?? [])[0] ?? {};
  const probe = one(container.readiness_probe) ?? one(container.liveness_probe);
  const probeText = probe
    ? `${one(probe.http_get) ? `http ${one(probe.http_get).path}` : one(probe.tcp_socket) ? "tcp" : "command"} every ${probe.period_seconds}s, timeout ${probe.timeout_seconds}s`
    : "none";
  const strategy = one(spec.strategy) ?? one(spec.update_strategy);
  const rolling = one(strategy?.rolling_update);
  const perNode = type === "kubernetes_daemon_set_v1";
  const facts: Fact[] = [
    { kind: "service", service, aspect: "exists", value: type.replace(/^kubernetes_|_v1$/g, "") },
    { kind: "service", service, aspect: "image", value: String(container.image) },
    { kind: "service", service, aspect: "replicas", value: perNode ? "one per node" : String(spec.replicas ?? 1) },
    { kind: "service", service, aspect: "health", value: probeText },
    {
      kind: "service",
      service,
      aspect: "update",
      value: strategy
        ? `${strategy.type ?? "RollingUpdate"}${rolling ? ` max surge ${rolling.max_surge ?? "-"}, max unavailable ${rolling.max_unavailable ?? "-"}` : ""}${spec.min_ready_seconds ? `, ready after ${spec.min_ready_seconds}s` : ""}${spec.progress_deadline_seconds ? `, progress deadline ${spec.progress_deadline_seconds}s` : ""}`
        : "default",
    },
  ];
  for (const claim of spec.volume_claim_template ?? []) {
    const name = String(one(claim.metadata)?.name);
    // A StatefulSet's claims outlive it: deleting the set keeps the PersistentVolumeClaims and their volumes.
    facts.push({
      kind: "data",
      name,
      service,
      where: `PersistentVolumeClaims ${name}-${service}-*`,
      survivesResource: true,
    });
  }
  return facts;
}

function networkPolicyFacts(values: Record<string, any>): Fact[] {
  const spec = one(values.spec) ?? {};
  const target = one(spec.pod_selector)?.match_labels?.[NAME_LABEL];
  if (!target) return [];
  const facts: Fact[] = [];
  for (const rule of spec.ingress ?? []) {
    for (const from of rule.from ?? []) {
      const source = one(from.pod_selector)?.match_labels?.[NAME_LABEL];
      const block = one(from.ip_block)?.cidr;
      if (source) facts.push({ kind: "edge", from: source, to: target, via: "NetworkPolicy" });
      else if (block) facts.push({ kind: "edge", from: `addresses ${block}`, to: target, via: "NetworkPolicy" });
    }
  }
  return facts;
}

function ingressFacts(values: Record<string, any>): Fact[] {
  const annotations: Record<string, string> = one(values.metadata)?.annotations ?? {};
  const facts: Fact[] = [];
  for (const rule of one(values.spec)?.rule ?? []) {
    for (const entry of one(rule.http)?.path ?? []) {
      const backend = String(one(one(entry.backend)?.service)?.name);
      const action = annotations[`alb.ingress.kubernetes.io/actions.${backend}`];
      const conditions = annotations[`alb.ingress.kubernetes.io/conditions.${backend}`];
      const service = action
        ? String(JSON.parse(action).forwardConfig?.targetGroups?.[0]?.serviceName ?? backend)
        : backend;
      const cidrs: string[] = conditions
        ? JSON.parse(conditions).flatMap((c: any) => (c.field === "source-ip" ? (c.sourceIpConfig?.values ?? []) : []))
        : [];
      facts.push({
        kind: "route",
        path: String(entry.path),
        service,
        adminOnly: cidrs.length > 0,
        cidrs: cidrs.sort(),
      });
    }
  }
  const attributes = annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] ?? "";
  facts.push({
    kind: "protection",
    what: "ALB deletion protection (Ingress load-balancer-attributes)",
    on: /deletion_protection\.enabled=true/.test(attributes),
  });
  return facts;
}

export const kubernetesReadBack: ReadBack = (resource, context) => {
  const { type, values } = resource;
  if (KUBERNETES_WORKLOADS.includes(type)) return workloadFacts(type, values);
  if (type === "kubernetes_horizontal_pod_autoscaler_v2") {
    const spec = one(values.spec) ?? {};
    const service = String(one(spec.scale_target_ref)?.name);
    const cpu = (spec.metric ?? [])
      .map((m: any) => one(one(one(m.resource)?.target))?.average_utilization)
      .find((v: unknown) => v !== undefined);
    return [
      {
        kind: "service",
        service,
        aspect: "autoscaling",
        value: `${spec.min_replicas}–${spec.max_replicas} instances${cpu !== undefined ? `, target CPU ${cpu}%` : ""}`,
      },
    ];
  }
  if (type === "kubernetes_network_policy_v1") return networkPolicyFacts(values);
  if (type === "kubernetes_ingress_v1") return ingressFacts(values);
  if (type === "kubernetes_secret_v1") {
    // <service>-env: the secret values one service reads (a digest, never the values).
    const service = /^(.+)-env$/.exec(String(one(values.metadata)?.name))?.[1];
    if (!service) return undefined;
    const value = resource.unknown?.data === true ? "(known after apply)" : digest(values.data);
    return [{ kind: "service", service, aspect: "secret values", value }];
  }
  if (type === "kubernetes_persistent_volume_claim_v1") {
    const name = String(one(values.metadata)?.name);
    return [{ kind: "data", name, where: `PersistentVolumeClaim ${name}`, survivesResource: false }];
  }
  if (type === "random_password" && !secretNamed(resource.name, context)) return undefined;
  return randomReadBack(resource, context);
};
