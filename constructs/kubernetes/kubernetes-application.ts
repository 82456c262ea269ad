import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DaemonSetV1, type DaemonSetV1SpecTemplate } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import {
  NetworkPolicyV1,
  type NetworkPolicyV1SpecEgress,
  type NetworkPolicyV1SpecIngress,
} from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1, type StatefulSetV1SpecTemplate } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import * as path from "path";
import { CapabilityReport, inTransitRecords, type CapabilityRecord } from "../capabilities";
import { Construct, type ITerraformDependable } from "../cdktf";
import {
  describeWanted,
  renderEnvValue,
  updatePolicyOf,
  type Application,
  type EnvResolver,
  type ServiceSpec,
} from "../model";
import { portNamed, serviceNamed } from "../model/queries";
import { healthCheckRequired, k8sNonRoot, k8sReadOnlyRoot, suppressRule } from "../policy";
import type { ApplicationSecrets } from "../secrets/application-secrets";
import {
  alertRulesFor,
  configFilesOf,
  observabilityRecords,
  type ConfigFile,
  type ObservabilityPlatform,
} from "../observability";
import { kubernetesObservability, NODE_NAME_ENV } from "./observability";
import { planNetworkPolicies, type NamespacePolicyPlan, type PeerRule } from "./network-policies";
import { APP_LABEL, labelsOf, podTemplateOf, type PodEnv } from "./pod-spec";

const PLATFORM = "kubernetes";
const DEFAULT_VOLUME_GIB = 20;

export interface ExternalService {
  readonly host: string;
  readonly port: number;
  /** Address ranges the service is reached at, for egress policies. */
  readonly cidrs: readonly string[];
  /** How the platform realizes it, for the capability report (e.g. "Amazon RDS PostgreSQL 16.4, Multi-AZ"). */
  readonly realization: string;
}

export interface KubernetesApplicationProps {
  readonly app: Application;
  readonly namespace: string;
  readonly secrets: ApplicationSecrets;
  readonly adminCidrs: readonly string[];
  /** ACM certificate of the HTTPS listener. */
  readonly certificateArn: string;
  /** Subnets of the internet-facing load balancer: the only source of traffic into routed pods from outside. */
  readonly loadBalancerCidrs: readonly string[];
  /** Ranges of the Kubernetes API endpoint (the cluster's subnets), for Prometheus' service discovery. */
  readonly apiServerCidrs: readonly string[];
  /** Ranges of the nodes, whose kubelets Prometheus scrapes for container metrics. @default apiServerCidrs */
  readonly nodeCidrs?: readonly string[];
  /** Model services realized outside the cluster (a managed database), by name. @default none */
  readonly external?: ReadonlyMap<string, ExternalService>;
  /** Claim size per persistent volume. @default 20 GiB each */
  readonly persistentVolumeGiB?: Readonly<Record<string, number>>;
  /** AWS WAF web ACL the load balancer controller associates with the ALB. @default none */
  readonly webAclArn?: string;
  /** S3 bucket (and key prefix) the ALB writes its access logs to. @default no access logs */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
  /** What the Ingress must wait for (the access-log bucket's policy, which the controller checks). @default nothing */
  readonly ingressDependsOn?: readonly ITerraformDependable[];
  /** What the stack adds in front of the entrypoint (firewall, logs), appended to the routes' capability record. @default none */
  readonly entrypointNotes?: readonly string[];
}

/**
 * The application as Kubernetes workloads: a Deployment per replicated service (a StatefulSet when it keeps
 * data), a DaemonSet per one-per-node service, probes from the health checks, requests and limits, restricted
 * security contexts unless the model gives a reason, Secrets referenced by `secretKeyRef`, one ALB Ingress
 * with the routes (admin routes only from the admin CIDRs), autoscalers, disruption budgets and
 * NetworkPolicies that allow exactly the model's talks-to pairs.
 */
export class KubernetesApplication extends Construct {
  readonly namespace: string;
  readonly policyPlan: NamespacePolicyPlan;
  readonly ingress: IngressV1;
  private readonly observability: ObservabilityPlatform;

  constructor(scope: Construct, id: string, props: KubernetesApplicationProps) {
    super(scope, id);
    const { app } = props;
    const external = props.external ?? new Map<string, ExternalService>();
    const ns = new NamespaceV1(this, "namespace", {
      metadata: {
        name: props.namespace,
        labels: {
          "app.kubernetes.io/part-of": app.name,
          // The per-node agents (cadvisor, node-exporter, the log collector) mount host paths, which even the
          // baseline level forbids, so admission enforces "privileged"; every pod is still held to restricted
          // at synth by the policy rules (exceptions carry the model's reasons), and admission warns and
          // audits against restricted.
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    });
    this.namespace = ns.metadata.name;
    const storageClass = new StorageClassV1(this, "storage-class", {
      metadata: { name: `${app.name}-gp3-encrypted` },
      storageProvisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      // Deleting a claim must never delete the data with it.
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });

    const resolver: EnvResolver = {
      secret: (name) => props.secrets.valueOf(name),
      endpoint: (service, port) => {
        const outside = external.get(service);
        if (outside) return { host: outside.host, port: outside.port };
        return {
          host: `${service}.${this.namespace}.svc.cluster.local`,
          port: portNamed(serviceNamed(app, service), port).containerPort,
        };
      },
    };
    // Prometheus discovers targets and the log collector reads pod logs through the Kubernetes API.
    const collectors = app.services.filter((s) => (s.collectsMetrics || s.collectsLogs) && !external.has(s.name));
    this.policyPlan = planNetworkPolicies({
      app,
      external: new Map([...external].map(([name, e]) => [name, { cidrs: e.cidrs, port: e.port }])),
      loadBalancerCidrs: props.loadBalancerCidrs,
      apiClients: new Map(collectors.map((s) => [s.name, props.apiServerCidrs])),
      kubeletClients: new Map(
        collectors.filter((s) => s.collectsMetrics).map((s) => [s.name, props.nodeCidrs ?? props.apiServerCidrs]),
      ),
    });

    const report = CapabilityReport.of(this);
    this.observability = kubernetesObservability(app, this.namespace, new Set(external.keys()));
    for (const service of app.services) {
      const outside = external.get(service.name);
      if (outside) {
        report.record(this, {
          platform: PLATFORM,
          service: service.name,
          intent: "placement",
          wanted: describeWanted.placement(service),
          realization: outside.realization,
          support: "native",
        });
        continue;
      }
      this.renderService(service, props, resolver, storageClass.metadata.name);
      for (const entry of capabilitiesOf(service)) report.record(this, entry);
    }
    this.renderNetworkPolicies();
    this.ingress = this.renderIngress(props);
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "routes",
      wanted: describeWanted.routes(app),
      realization: [
        "one internet-facing ALB Ingress (HTTPS, HTTP redirected), built by the AWS Load Balancer Controller; admin-only routes forward through an action with a source-ip condition of the admin CIDRs",
        ...(props.entrypointNotes ?? []),
      ].join("; "),
      support: "native",
    });
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "secrets",
      wanted: describeWanted.secrets(app),
      realization: "random_password values in Kubernetes Secrets (envelope-encrypted with KMS), read by secretKeyRef",
      support: "native",
    });
    const metricsCollector = app.services.find((s) => s.collectsMetrics && !external.has(s.name));
    const logCollector = app.services.find((s) => s.collectsLogs);
    const records = observabilityRecords(app, {
      platform: PLATFORM,
      discovery:
        "Prometheus discovers the pods through the Kubernetes API (kubernetes_sd_configs, role pod) and scrapes each on its named port; the kubelets' container metrics (nodes/metrics) count the pods of services without metrics",
      logs: {
        realization: `Loki in the cluster; ${logCollector?.name ?? "a collector"} as a DaemonSet reads the logs of the pods on its node through the Kubernetes API (loki.source.kubernetes, Role on pods/log); service label from ${APP_LABEL}`,
        support: "native",
      },
      rules: metricsCollector ? alertRulesFor(app, metricsCollector, this.observability) : undefined,
    });
    for (const entry of records) report.record(this, entry);
    const inTransit = inTransitRecords(PLATFORM, app, {
      ingress: {
        encrypted: false,
        how: "TLS ends at the ALB; it forwards plain HTTP to each pod's IP (target-type ip) inside the VPC",
      },
      calls: {
        encrypted: false,
        how: "plain HTTP/TCP between pods (no service mesh), limited by the NetworkPolicies",
      },
      scrapes: { encrypted: false, how: "Prometheus scrapes each pod's named port over plain HTTP" },
      logPushes: { encrypted: false, how: "the log collector pushes to Loki's Service over plain HTTP" },
    });
    for (const entry of inTransit) report.record(this, entry);
  }

  private renderService(
    service: ServiceSpec,
    props: KubernetesApplicationProps,
    resolver: EnvResolver,
    storageClass: string,
  ): void {
    const { app } = props;
    const labels = labelsOf(service, app.name);
    const scope = new Construct(this, service.name);
    const metadata = { name: service.name, namespace: this.namespace, labels };
    const discovers = Boolean(service.collectsMetrics || service.collectsLogs);
    const account = new ServiceAccountV1(scope, "service-account", {
      metadata,
      automountServiceAccountToken: discovers,
    });

    const env: PodEnv[] = Object.entries(service.env ?? {}).map(([name, value]) => ({
      name,
      value: renderEnvValue(value, resolver),
    }));
    if (service.collectsLogs)
      env.push({ name: NODE_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
    const secretEntries = Object.entries(service.secretEnv ?? {});
    if (secretEntries.length > 0) {
      const secretName = `${service.name}-env`;
      new SecretV1(scope, "secret", {
        metadata: { name: secretName, namespace: this.namespace, labels },
        type: "Opaque",
        data: Object.fromEntries(secretEntries.map(([name, value]) => [name, renderEnvValue(value, resolver)])),
      });
      for (const [name] of secretEntries)
        env.push({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } });
    }

    // The model's configuration files, one ConfigMap per directory, mounted there read-only.
    const configVolumes: { name: string; configMap: string; mountPath: string }[] = [];
    const byDirectory = new Map<string, ConfigFile[]>();
    for (const file of configFilesOf(app, service, this.observability)) {
      const dir = path.posix.dirname(file.path);
      byDirectory.set(dir, [...(byDirectory.get(dir) ?? []), file]);
    }
    for (const [dir, files] of byDirectory) {
      const id = files.some((f) => f.id === "config") ? "config" : files[0].id;
      const config = new ConfigMapV1(scope, id, {
        metadata: { name: `${service.name}-${id}`, namespace: this.namespace, labels },
        data: Object.fromEntries(files.map((f) => [path.posix.basename(f.path), f.content])),
      });
      configVolumes.push({
        name: id === "config" ? "config" : `config-${id}`,
        configMap: config.metadata.name,
        mountPath: dir,
      });
    }
    const apiRules = [
      ...(service.collectsMetrics
        ? [{ apiGroups: [""], resources: ["pods", "services", "endpoints"], verbs: ["get", "list", "watch"] }]
        : []),
      ...(service.collectsLogs
        ? [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }]
        : []),
    ];
    if (service.collectsMetrics) {
      // Cluster-wide by nature: nodes are not namespaced. Read-only, and nodes/metrics rather than nodes/proxy.
      const kubeletRole = new ClusterRoleV1(scope, "kubelet-role", {
        metadata: { name: `${this.namespace}-${service.name}-kubelet`, labels },
        rule: [
          { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
          { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
        ],
      });
      new ClusterRoleBindingV1(scope, "kubelet-role-binding", {
        metadata: { name: `${this.namespace}-${service.name}-kubelet`, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: kubeletRole.metadata.name },
        subject: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: this.namespace }],
      });
    }
    if (apiRules.length > 0) {
      const role = new RoleV1(scope, "discovery-role", {
        metadata: { name: `${service.name}-discovery`, namespace: this.namespace, labels },
        rule: apiRules,
      });
      new RoleBindingV1(scope, "discovery-role-binding", {
        metadata: { name: `${service.name}-discovery`, namespace: this.namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subject: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: this.namespace }],
      });
    }

    const persistent = (service.volumes ?? []).filter((v) => v.kind === "persistent");
    const stateful = persistent.length > 0 && service.placement.kind === "replicated";
    const template = podTemplateOf(
      {
        service,
        env,
        serviceAccountName: account.metadata.name,
        automountServiceAccountToken: discovers,
        configVolumes,
        claimTemplates: stateful,
      },
      labels,
    );
    const update = updatePolicyOf(service);
    const selector = { matchLabels: { [APP_LABEL]: service.name } };

    if (service.ports.length > 0) {
      const check = service.healthCheck;
      new ServiceV1(scope, "service", {
        metadata: {
          ...metadata,
          // The load balancer checks routed pods the way the model checks them.
          annotations:
            check?.type === "http" ? { "alb.ingress.kubernetes.io/healthcheck-path": check.path } : undefined,
        },
        spec: {
          type: "ClusterIP",
          selector: { [APP_LABEL]: service.name },
          port: service.ports.map((p) => ({
            name: p.name,
            port: p.containerPort,
            targetPort: p.name,
            protocol: p.protocol === "udp" ? "UDP" : "TCP",
          })),
        },
      });
    }

    if (service.placement.kind === "per-node") {
      const workload = new DaemonSetV1(scope, "daemon-set", {
        metadata,
        waitForRollout: true,
        spec: {
          selector,
          minReadySeconds: update.minHealthySec,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: String(update.parallelism) } },
          template: template as DaemonSetV1SpecTemplate,
        },
      });
      this.suppressForExceptions(workload, service);
      return;
    }

    const replicas = service.placement.replicas;
    if (stateful) {
      const workload = new StatefulSetV1(scope, "stateful-set", {
        metadata,
        waitForRollout: true,
        spec: {
          serviceName: service.name,
          replicas: String(replicas),
          selector,
          minReadySeconds: update.minHealthySec,
          podManagementPolicy: "OrderedReady",
          updateStrategy: [{ type: "RollingUpdate" }],
          persistentVolumeClaimRetentionPolicy: [{ whenDeleted: "Retain", whenScaled: "Retain" }],
          template: template as StatefulSetV1SpecTemplate,
          volumeClaimTemplate: persistent.map((volume) => ({
            metadata: { name: volume.name, labels },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: storageClass,
              resources: {
                requests: { storage: `${props.persistentVolumeGiB?.[volume.name] ?? DEFAULT_VOLUME_GIB}Gi` },
              },
            },
          })),
        },
        // A StatefulSet's claims outlive it; destroying the stack must not be one command away.
        lifecycle: { preventDestroy: true },
      });
      this.suppressForExceptions(workload, service);
    } else {
      const startFirst = update.order === "start-first";
      const workload = new DeploymentV1(scope, "deployment", {
        metadata,
        waitForRollout: true,
        spec: {
          // The model's replicas, also under autoscaling; the HorizontalPodAutoscaler changes the count after.
          replicas: String(replicas),
          selector,
          minReadySeconds: update.minHealthySec,
          progressDeadlineSeconds: update.progressDeadlineSec,
          revisionHistoryLimit: 5,
          strategy: {
            type: "RollingUpdate",
            // start-first: a new pod must be ready before an old one goes; stop-first: the reverse.
            rollingUpdate: startFirst
              ? { maxSurge: String(update.parallelism), maxUnavailable: "0" }
              : { maxSurge: "0", maxUnavailable: String(update.parallelism) },
          },
          template,
        },
        // The autoscaler owns the replica count once it exists.
        lifecycle: service.autoscaling ? { ignoreChanges: ["spec[0].replicas"] } : undefined,
      });
      this.suppressForExceptions(workload, service);
      if (service.autoscaling) {
        new HorizontalPodAutoscalerV2(scope, "autoscaler", {
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: service.name },
            minReplicas: service.autoscaling.minReplicas,
            maxReplicas: service.autoscaling.maxReplicas,
            metric: [
              {
                type: "Resource",
                resource: {
                  name: "cpu",
                  target: { type: "Utilization", averageUtilization: service.autoscaling.targetCpuPercent },
                },
              },
            ],
          },
        });
      }
    }
    // Voluntary disruptions (node drains, upgrades) take one pod at a time.
    new PodDisruptionBudgetV1(scope, "disruption-budget", { metadata, spec: { selector, maxUnavailable: "1" } });
  }

  private suppressForExceptions(workload: Construct, service: ServiceSpec): void {
    const exceptions = service.securityExceptions ?? {};
    if (exceptions.runsAsRoot) suppressRule(workload, k8sNonRoot, exceptions.runsAsRoot);
    if (exceptions.writableRootFs) suppressRule(workload, k8sReadOnlyRoot, exceptions.writableRootFs);
    if (!service.healthCheck && service.healthCheckExemption)
      suppressRule(workload, healthCheckRequired, service.healthCheckExemption);
  }

  private renderNetworkPolicies(): void {
    const scope = new Construct(this, "network-policies");
    new NetworkPolicyV1(scope, "default-deny", {
      metadata: { name: "default-deny", namespace: this.namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    new NetworkPolicyV1(scope, "dns", {
      metadata: { name: "allow-dns", namespace: this.namespace },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { port: "53", protocol: "UDP" },
              { port: "53", protocol: "TCP" },
            ],
          },
        ],
      },
    });
    const services = new Set([...this.policyPlan.ingress, ...this.policyPlan.egress].map((r) => r.service));
    for (const service of services) {
      const ingress = this.policyPlan.ingress
        .filter((r) => r.service === service)
        .map((r) => peerBlock(r) as NetworkPolicyV1SpecIngress);
      const egress = this.policyPlan.egress
        .filter((r) => r.service === service)
        .map((r) => peerBlock(r, "to") as NetworkPolicyV1SpecEgress);
      new NetworkPolicyV1(scope, service, {
        metadata: { name: service, namespace: this.namespace },
        spec: {
          podSelector: { matchLabels: { [APP_LABEL]: service } },
          policyTypes: [...(ingress.length ? ["Ingress"] : []), ...(egress.length ? ["Egress"] : [])],
          ingress: ingress.length ? ingress : undefined,
          egress: egress.length ? egress : undefined,
        },
      });
    }
  }

  private renderIngress(props: KubernetesApplicationProps): IngressV1 {
    const { app } = props;
    const annotations: Record<string, string> = {
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/certificate-arn": props.certificateArn,
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "alb.ingress.kubernetes.io/load-balancer-attributes": [
        "deletion_protection.enabled=true",
        "routing.http.drop_invalid_header_fields.enabled=true",
        ...(props.accessLogs
          ? [
              "access_logs.s3.enabled=true",
              `access_logs.s3.bucket=${props.accessLogs.bucket}`,
              `access_logs.s3.prefix=${props.accessLogs.prefix}`,
            ]
          : []),
      ].join(","),
      ...(props.webAclArn ? { "alb.ingress.kubernetes.io/wafv2-acl-arn": props.webAclArn } : {}),
    };
    const paths = app.routes.map((route) => {
      const service = serviceNamed(app, route.service);
      const port = portNamed(service, route.port);
      if (!route.adminOnly) {
        return {
          path: route.pathPrefix,
          pathType: "Prefix",
          backend: { service: { name: service.name, port: { number: port.containerPort } } },
        };
      }
      // Admin routes forward through a named action that carries a source-IP condition, so the ALB
      // answers anyone else with its default 404 instead of reaching the service.
      const action = `admin-${service.name}`;
      annotations[`alb.ingress.kubernetes.io/actions.${action}`] = JSON.stringify({
        type: "forward",
        forwardConfig: { targetGroups: [{ serviceName: service.name, servicePort: String(port.containerPort) }] },
      });
      annotations[`alb.ingress.kubernetes.io/conditions.${action}`] = JSON.stringify([
        { field: "source-ip", sourceIpConfig: { values: [...props.adminCidrs] } },
      ]);
      return {
        path: route.pathPrefix,
        pathType: "Prefix",
        backend: { service: { name: action, port: { name: "use-annotation" } } },
      };
    });
    return new IngressV1(this, "ingress", {
      metadata: { name: app.name, namespace: this.namespace, annotations },
      spec: { ingressClassName: "alb", rule: [{ http: { path: paths } }] },
      waitForLoadBalancer: true,
      dependsOn: props.ingressDependsOn?.length ? [...props.ingressDependsOn] : undefined,
    });
  }
}

function peerBlock(rule: PeerRule, direction: "from" | "to" = "from") {
  const peers =
    "service" in rule.peer
      ? [{ podSelector: { matchLabels: { [APP_LABEL]: rule.peer.service } } }]
      : rule.peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return { [direction]: peers, ports: [{ port: String(rule.port), protocol: "TCP" }] };
}

function capabilitiesOf(service: ServiceSpec): CapabilityRecord[] {
  const base = { platform: PLATFORM, service: service.name };
  const update = updatePolicyOf(service);
  const persistent = (service.volumes ?? []).filter((v) => v.kind === "persistent");
  const kind =
    service.placement.kind === "per-node" ? "DaemonSet" : persistent.length > 0 ? "StatefulSet" : "Deployment";
  const records: CapabilityRecord[] = [
    {
      ...base,
      intent: "placement",
      wanted: describeWanted.placement(service),
      realization:
        kind === "DaemonSet"
          ? "DaemonSet on every node"
          : `${kind} with ${service.placement.kind === "replicated" ? service.placement.replicas : 0} replicas`,
      support: "native",
    },
    service.healthCheck
      ? {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `readiness and liveness probes (${service.healthCheck.type}); routed services also checked by the ALB`,
          support: "native",
        }
      : {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `no probe; the kubelet restarts the container when it exits (${service.healthCheckExemption})`,
          support: "native",
        },
    {
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization:
        kind === "Deployment"
          ? `RollingUpdate (${update.order === "start-first" ? "maxSurge" : "maxUnavailable"} ${update.parallelism}), progressDeadlineSeconds ${update.progressDeadlineSec}; a failed rollout stops and keeps the old pods serving, but Kubernetes does not roll back by itself (kubectl rollout undo)`
          : `${kind} RollingUpdate, one pod at a time, replacing before starting (stop-first)`,
      support: update.autoRollback || update.canaries ? "partial" : "native",
    },
    {
      ...base,
      intent: "zones",
      wanted: describeWanted.zones(service),
      realization: "NetworkPolicies allowing exactly its talks-to pairs (stricter than zones), enforced by the VPC CNI",
      support: "native",
    },
  ];
  if (service.autoscaling) {
    records.push({
      ...base,
      intent: "autoscaling",
      wanted: describeWanted.autoscaling(service),
      realization: "HorizontalPodAutoscaler (autoscaling/v2) on CPU utilisation, metrics from metrics-server",
      support: "native",
    });
  }
  for (const volume of service.volumes ?? []) {
    if (volume.kind !== "host" || !volume.dockerApi) continue;
    records.push({
      ...base,
      intent: "docker-api",
      wanted: describeWanted.dockerApi(volume.dockerApi),
      realization: `hostPath ${volume.hostPath}: EKS nodes run containerd without a Docker engine, so no Docker API is there to read (and on a node with one, the mount would give the whole API)`,
      support: "partial",
    });
  }
  for (const volume of persistent) {
    records.push({
      ...base,
      intent: "persistence",
      wanted: describeWanted.persistence(volume),
      realization: "PersistentVolumeClaim on encrypted gp3 EBS (reclaim policy Retain)",
      support: "native",
    });
  }
  return records;
}
