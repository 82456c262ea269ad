import { parse as parseYaml } from "yaml";
import { CapabilityReport } from "../../constructs/capabilities";
import { App, Testing } from "../../constructs/cdktf";
import { edgesOf, selectApplication, type Application } from "../../constructs/model";
import { unescapeConsulTemplate } from "../../constructs/nomad/observability";
import { declaredSeries, expressionProblems } from "../../constructs/observability";
import { renderStackFile } from "../../constructs/swarm/stack-file";
import { AWS, LAB } from "../../environments";
import { EksStack, SwarmLabStack } from "../../stacks";
import { jobsOf, synthNomad } from "../helpers";

/**
 * Observability as each platform realizes it, read from the synthesized output: the files each service gets,
 * by their path in the container.
 */

const lab = selectApplication(LAB.application, LAB.selection);
const aws = selectApplication(AWS.application, AWS.selection);
const metricsServices = (app: Application) =>
  app.services
    .filter((s) => s.metrics)
    .map((s) => s.name)
    .sort();
const scrapeJobs = (config: any) => config.scrape_configs.map((j: { job_name: string }) => j.job_name).sort();

// Nomad: templates of each task, bound into the container by `volumes`.
const nomad = synthNomad();
const nomadJobs = jobsOf(nomad);
function nomadFiles(service: string): Map<string, string> {
  const task = nomadJobs.get(service)!.TaskGroups[0].Tasks[0];
  const files = new Map<string, string>();
  for (const volume of task.Config.volumes ?? []) {
    const [local, target] = volume.split(":");
    const template = task.Templates?.find((t) => t.DestPath === local);
    if (template) files.set(target, unescapeConsulTemplate(template.EmbeddedTmpl));
  }
  return files;
}

// Swarm: configs mounted at their targets.
const swarmApp = Testing.app() as App;
const swarmStack = new SwarmLabStack(swarmApp, "swarm-obs", { environment: LAB, target: LAB.swarm!, application: lab });
const swarmJson = JSON.parse(Testing.synth(swarmStack));
const deployment = swarmStack.application.deployment;
function swarmFiles(service: string): Map<string, string> {
  const s = deployment.services.find((x) => x.key === service)!;
  return new Map(s.configs.map((c) => [c.target, deployment.configs.find((x) => x.key === c.key)!.content]));
}

// EKS: ConfigMaps mounted at their directories.
const eksApp = Testing.app() as App;
const eksStack = new EksStack(eksApp, "eks-obs", { environment: AWS, target: AWS.eks!, application: aws });
const eksJson = JSON.parse(Testing.synth(eksStack));
const of = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});
const workloads = [
  ...of(eksJson, "kubernetes_deployment_v1"),
  ...of(eksJson, "kubernetes_stateful_set_v1"),
  ...of(eksJson, "kubernetes_daemon_set_v1"),
];
const workloadOf = (name: string) => workloads.find((w) => w.metadata.name === name)!;
function eksFiles(service: string): Map<string, string> {
  const pod = workloadOf(service).spec.template.spec;
  const files = new Map<string, string>();
  for (const mount of pod.container[0].volume_mount) {
    const volume = pod.volume.find((v: any) => v.name === mount.name);
    if (!volume?.config_map) continue;
    const id = /^\$\{kubernetes_config_map_v1\.([^.]+)\./.exec(volume.config_map.name)![1];
    const configMap = eksJson.resource.kubernetes_config_map_v1[id];
    for (const [key, content] of Object.entries<string>(configMap.data))
      files.set(`${mount.mount_path}/${key}`, content);
  }
  return files;
}

const platforms = [
  { name: "nomad", app: lab, files: nomadFiles, records: () => CapabilityReport.of(nomad.stack).records },
  { name: "swarm", app: lab, files: swarmFiles, records: () => CapabilityReport.of(swarmStack).records },
  { name: "eks", app: aws, files: eksFiles, records: () => CapabilityReport.of(eksStack).records },
] as const;

describe.each(platforms)("observability on $name", ({ name, app, files, records }) => {
  const prometheus = app.services.find((s) => s.collectsMetrics)!;
  const promFiles = files(prometheus.name);
  const config = parseYaml(promFiles.get(prometheus.collectsMetrics!.configFile)!);

  it("scrapes every service that exposes metrics, discovering every instance the platform's way", () => {
    // On EKS, also the kubelets' container metrics (a job of the platform, not of a model service).
    expect(scrapeJobs(config)).toEqual([...metricsServices(app), ...(name === "eks" ? ["kubelet"] : [])].sort());
    const discovery = { nomad: "consul_sd_configs", swarm: "dns_sd_configs", eks: "kubernetes_sd_configs" }[name];
    for (const job of config.scrape_configs.filter((j: { job_name: string }) => j.job_name !== prometheus.name))
      expect(job[discovery]).toBeDefined();
    // Every service is watched by some alert on every platform (postgres on RDS through pg_up).
    expect(records().filter((r) => r.intent === "alerts" && r.support !== "native")).toEqual([]);
  });

  it("loads the generated alert rules and sends alerts to the discovered Alertmanager", () => {
    expect(config.rule_files).toEqual([prometheus.collectsMetrics!.rulesFile]);
    const rules = parseYaml(promFiles.get(prometheus.collectsMetrics!.rulesFile)!);
    const declared = declaredSeries(app);
    for (const rule of rules.groups.flatMap((g: any) => g.rules))
      expect(expressionProblems(rule.expr, declared)).toEqual([]);
    const [alertmanager] = config.alerting.alertmanagers;
    if (name === "nomad") expect(alertmanager.static_configs[0].targets[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    if (name === "swarm") expect(alertmanager.dns_sd_configs[0].names).toEqual(["tasks.argo_alertmanager"]);
    if (name === "eks")
      expect(alertmanager.relabel_configs[0]).toMatchObject({ regex: "alertmanager", action: "keep" });
  });

  it("sets Prometheus' retention explicitly", () => {
    const args: string[] =
      name === "nomad"
        ? nomadJobs.get("prometheus")!.TaskGroups[0].Tasks[0].Config.args!
        : name === "swarm"
          ? deployment.services.find((s) => s.key === "prometheus")!.args!
          : workloadOf("prometheus").spec.template.spec.container[0].args;
    expect(args).toContain("--storage.tsdb.retention.time=15d");
  });

  it("keeps logs in Loki for the model's retention", () => {
    const loki = app.services.find((s) => s.storesLogs)!;
    const lokiConfig = parseYaml(files(loki.name).get(loki.storesLogs!.configFile)!);
    expect(lokiConfig.limits_config.retention_period).toBe("168h");
    expect(lokiConfig.compactor.retention_enabled).toBe(true);
  });

  it("runs the log collector on every node and ships logs with a service label to Loki", () => {
    const collector = app.services.find((s) => s.collectsLogs)!;
    if (name === "nomad") expect(nomadJobs.get(collector.name)!.Type).toBe("system");
    if (name === "swarm") expect(deployment.services.find((s) => s.key === collector.name)!.mode).toBe("global");
    if (name === "eks")
      expect(of(eksJson, "kubernetes_daemon_set_v1").map((d) => d.metadata.name)).toContain(collector.name);
    const alloy = files(collector.name).get(collector.collectsLogs!.configFile)!;
    expect(alloy).toContain('target_label = "service"');
    expect(alloy).toMatch(/loki\.write "default"[\s\S]*url = "http:\/\/[^"]+\/loki\/api\/v1\/push"/);
  });

  it("provisions Grafana's data sources and the generated dashboard", () => {
    const grafana = app.services.find((s) => s.dashboards)!;
    const provisioned = files(grafana.name);
    const datasources = parseYaml(provisioned.get("/etc/grafana/provisioning/datasources/argo.yaml")!);
    expect(datasources.datasources.map((d: any) => [d.uid, d.type])).toEqual([
      ["prometheus", "prometheus"],
      ["loki", "loki"],
    ]);
    const provider = parseYaml(provisioned.get("/etc/grafana/provisioning/dashboards/argo.yaml")!);
    expect(provider.providers[0].options.path).toBe("/etc/grafana/dashboards");
    const dashboard = JSON.parse(provisioned.get("/etc/grafana/dashboards/argo.json")!);
    expect(dashboard.panels[0].targets[0].legendFormat).toBe("{{path}}");
    // The admin password is still the generated secret, never a file of the provisioning.
    expect([...provisioned.values()].join("\n")).not.toMatch(/password/i);
  });

  it("records how metrics, logs, alerts and dashboards are realized", () => {
    const byIntent = (intent: string) => records().filter((r) => r.intent === intent);
    expect(
      byIntent("metrics")
        .map((r) => r.service)
        .sort(),
    ).toEqual(metricsServices(app));
    expect(byIntent("logs")).toHaveLength(1);
    expect(byIntent("dashboards")).toHaveLength(1);
    expect(
      byIntent("alerts")
        .filter((r) => r.service !== "*")
        .map((r) => r.service),
    ).toEqual(app.services.map((s) => s.name));
  });
});

describe("observability platform details", () => {
  it("Nomad: reaches Loki, Prometheus and Alertmanager through mesh upstreams that intentions allow", () => {
    const allowed = of(nomad.json, "consul_config_entry")
      .filter((e) => e.kind === "service-intentions")
      .flatMap((e) =>
        JSON.parse(e.config_json)
          .Sources.filter((s: any) => s.Action === "allow")
          .map((s: any) => `${s.Name}->${e.name}`),
      );
    expect(allowed).toEqual(
      expect.arrayContaining(["alloy->loki", "grafana->loki", "grafana->prometheus", "prometheus->alertmanager"]),
    );
    // Prometheus reloads its configuration and rules on SIGHUP; Grafana restarts for new provisioning.
    const modes = (job: string) =>
      nomadJobs
        .get(job)!
        .TaskGroups[0].Tasks[0].Templates!.filter((t) => t.DestPath.startsWith("local/"))
        .map((t) => t.ChangeSignal ?? t.ChangeMode);
    expect(modes("prometheus")).toEqual(["SIGHUP", "SIGHUP"]);
    expect(modes("grafana")).toEqual(["restart", "restart", "restart"]);
    const datasources = parseYaml(nomadFiles("grafana").get("/etc/grafana/provisioning/datasources/argo.yaml")!);
    expect(datasources.datasources.every((d: any) => /^http:\/\/127\.0\.0\.1:\d+$/.test(d.url))).toBe(true);
  });

  it("Swarm: delivers every file as a config, in both the Terraform resources and the stack file", () => {
    const names = of(swarmJson, "docker_config").map((c) => c.name.replace(/_[0-9a-f]{12}$/, ""));
    expect(names.sort()).toEqual(deployment.configs.map((c) => `argo_${c.key}`).sort());
    expect(names).toEqual(
      expect.arrayContaining([
        "argo_prometheus-alert-rules",
        "argo_loki-config",
        "argo_alloy-config",
        "argo_grafana-dashboard",
      ]),
    );
    const stackFile = parseYaml(renderStackFile(deployment).replace(/\$\$/g, "$"));
    expect(Object.keys(stackFile.configs).sort()).toEqual(deployment.configs.map((c) => c.key).sort());
    expect(stackFile.services.grafana.configs.map((c: any) => c.target).sort()).toEqual([
      "/etc/grafana/dashboards/argo.json",
      "/etc/grafana/provisioning/dashboards/argo.yaml",
      "/etc/grafana/provisioning/datasources/argo.yaml",
    ]);
  });

  it("EKS: lets the collector read pod logs of its own node only, and reach Loki and the API", () => {
    const role = of(eksJson, "kubernetes_role_v1").find((r) => r.metadata.name === "alloy-discovery");
    expect(role.rule).toEqual([{ api_groups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }]);
    const env = workloadOf("alloy").spec.template.spec.container[0].env;
    expect(env).toEqual([{ name: "NODE_NAME", value_from: { field_ref: { field_path: "spec.nodeName" } } }]);
    const policy = of(eksJson, "kubernetes_network_policy_v1").find((p) => p.metadata.name === "alloy");
    const egressPorts = policy.spec.egress.map((r: any) => r.ports[0].port).sort();
    expect(egressPorts).toEqual(["3100", "443"]);
  });

  it("EKS: reads the kubelets' container metrics with nodes/metrics only, over the kubelet port", () => {
    const role = of(eksJson, "kubernetes_cluster_role_v1").find((r) => r.metadata.name.endsWith("-prometheus-kubelet"));
    expect(role.rule).toEqual([
      { api_groups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { api_groups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
    ]);
    const policy = of(eksJson, "kubernetes_network_policy_v1").find((p) => p.metadata.name === "prometheus");
    expect(policy.spec.egress.map((r: any) => r.ports[0].port)).toContain("10250");
    const kubelet = parseYaml(eksFiles("prometheus").get("/etc/prometheus/prometheus.yml")!).scrape_configs.find(
      (j: any) => j.job_name === "kubelet",
    );
    expect(kubelet).toMatchObject({
      scheme: "https",
      metrics_path: "/metrics/cadvisor",
      kubernetes_sd_configs: [{ role: "node" }],
    });
    expect(kubelet.tls_config).toEqual({ ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" });
  });

  it("EKS: admits the host-path node agents with privileged enforcement while warning and auditing against restricted", () => {
    const [namespace] = of(eksJson, "kubernetes_namespace_v1");
    expect(namespace.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    const hostPathPods = workloads
      .filter((w) => w.spec.template.spec.volume?.some((v: any) => v.host_path))
      .map((w) => w.metadata.name)
      .sort();
    expect(hostPathPods).toEqual(
      aws.services
        .filter((s) => (s.volumes ?? []).some((v) => v.kind === "host"))
        .map((s) => s.name)
        .sort(),
    );
  });

  it("EKS: keeps retention on every CloudWatch log group", () => {
    const groups = of(eksJson, "aws_cloudwatch_log_group");
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.retention_in_days).toBeGreaterThan(0);
  });

  it("every scrape pair of the model is a scrape job on every platform", () => {
    for (const app of [lab, aws]) {
      const scraped = edgesOf(app)
        .filter((e) => e.kind === "scrape")
        .map((e) => e.to.name);
      expect(scraped.every((s) => metricsServices(app).includes(s))).toBe(true);
    }
  });
});
