import { spawnSync } from "child_process";
import { parse as parseYaml } from "yaml";
import { CapabilityReport } from "../../constructs/capabilities";
import { App, Testing } from "../../constructs/cdktf";
import { isFargateSize } from "../../constructs/ecs/fargate-sizes";
import { PER_NODE_REASON } from "../../constructs/ecs/plan";
import { edgesOf, selectApplication, type Application } from "../../constructs/model";
import { AWS, type Environment } from "../../environments";
import { EcsStack } from "../../stacks";

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

function synthEcs(env: Environment) {
  const app = selectApplication(env.application, env.selection);
  const stack = new EcsStack(Testing.app() as App, "ecs-test", {
    environment: env,
    target: env.ecs!,
    application: app,
  });
  const json = JSON.parse(Testing.synth(stack));
  const resources = (type: string): Record<string, any> => json.resource[type] ?? {};
  return { app, stack, json, resources, list: (type: string): any[] => Object.values(resources(type)) };
}

const env = AWS;
/** Names of the stack's resources start with the ECS cluster's name. */
const P = env.ecs!.clusterName;
const { app, stack, json, resources, list } = synthEcs(env);
const byName = (type: string, field = "name") => new Map<string | number, any>(list(type).map((r) => [r[field], r]));
const services = byName("aws_ecs_service");
const taskDefinitions = byName("aws_ecs_task_definition", "family");
const containersOf = (service: string): any[] =>
  JSON.parse(taskDefinitions.get(`${P}-${service}`).container_definitions);
const ref = (type: string, key: string, attribute: string) => `\${${type}.${key}.${attribute}}`;
/** Terraform reference → the `name` of the resource it points at. */
function namesByRef(type: string, attribute = "id"): Map<string, string> {
  return new Map(Object.entries(resources(type)).map(([key, r]) => [ref(type, key, attribute), r.name]));
}

const taskServices = app.services.filter(
  (s) => s.placement.kind === "replicated" && s.name !== "postgres" && s.name !== "memcached",
);
const perNode = app.services.filter((s) => s.placement.kind === "per-node").map((s) => s.name);

describe("ecs: tasks and services", () => {
  it("has one task definition and one Fargate service per replicated service, none for per-node or managed services", () => {
    expect([...services.keys()].sort()).toEqual(taskServices.map((s) => s.name).sort());
    expect([...taskDefinitions.keys()].sort()).toEqual(taskServices.map((s) => `${P}-${s.name}`).sort());
    for (const name of [...perNode, "postgres", "memcached"]) {
      expect(services.has(name)).toBe(false);
      expect(taskDefinitions.has(`${P}-${name}`)).toBe(false);
    }
  });

  it("sizes every task with a valid Fargate combination that covers the model's request", () => {
    for (const service of taskServices) {
      const task = taskDefinitions.get(`${P}-${service.name}`);
      const size = { cpu: Number(task.cpu), memoryMiB: Number(task.memory) };
      expect({ service: service.name, valid: isFargateSize(size) }).toEqual({ service: service.name, valid: true });
      expect(size.cpu * 1000).toBeGreaterThanOrEqual(service.resources!.cpuMillicores * 1024);
      expect(size.memoryMiB).toBeGreaterThanOrEqual(service.resources!.memoryMiB);
      expect(task).toMatchObject({ requires_compatibilities: ["FARGATE"], network_mode: "awsvpc" });
      expect(task.execution_role_arn).not.toEqual(task.task_role_arn);
    }
    expect(taskDefinitions.get(`${P}-query-api`)).toMatchObject({ cpu: "256", memory: "512" });
    expect(taskDefinitions.get(`${P}-prometheus`)).toMatchObject({ cpu: "512", memory: "1024" });
  });

  it("runs services in the private subnets without public IPs, rolling with the circuit breaker and rollback", () => {
    const privateSubnets = Object.entries(resources("aws_subnet"))
      .filter(([, s]) => s.tags.tier === "private")
      .map(([key]) => ref("aws_subnet", key, "id"))
      .sort();
    const groups = namesByRef("aws_security_group");
    for (const service of taskServices) {
      const s = services.get(service.name);
      expect(s.network_configuration.assign_public_ip).toBe(false);
      expect([...s.network_configuration.subnets].sort()).toEqual(privateSubnets);
      expect(s.network_configuration.security_groups.map((g: string) => groups.get(g))).toEqual([
        `${P}-${service.name}`,
      ]);
      expect(s.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
      expect(s).toMatchObject({
        launch_type: "FARGATE",
        platform_version: "1.4.0",
        deployment_controller: { type: "ECS" },
        wait_for_steady_state: true,
      });
      const stateful = (service.update?.order ?? "start-first") === "stop-first";
      expect({ service: service.name, min: s.deployment_minimum_healthy_percent }).toEqual({
        service: service.name,
        min: stateful ? 0 : 100,
      });
      expect(s.deployment_maximum_percent).toBe(
        stateful ? 100 : service.placement.kind === "replicated" && service.placement.replicas === 2 ? 150 : 200,
      );
    }
  });

  it("registers every service in Cloud Map and points callers at the Cloud Map names, RDS and ElastiCache", () => {
    const namespaces = list("aws_service_discovery_private_dns_namespace");
    expect(namespaces.map((n) => n.name)).toEqual(["argo.internal"]);
    expect(
      list("aws_service_discovery_service")
        .map((s) => s.name)
        .sort(),
    ).toEqual(taskServices.map((s) => s.name).sort());
    const env = (service: string) =>
      Object.fromEntries(containersOf(service)[0].environment.map((e: any) => [e.name, e.value]));
    expect(env("ot-app")).toEqual({ API_HOST: "query-api.argo.internal", API_PORT: "8080" });
    const [dbKey] = Object.keys(resources("aws_db_instance"));
    const [cacheKey] = Object.keys(resources("aws_elasticache_cluster"));
    expect(env("query-api")).toMatchObject({
      POSTGRES_HOST: ref("aws_db_instance", dbKey, "address"),
      POSTGRES_PORT: "5432",
      MEMCACHED_HOST: ref("aws_elasticache_cluster", cacheKey, "cluster_address"),
      MEMCACHED_PORT: "11211",
    });
  });

  it("keeps root filesystems read-only except where the model gives a reason, and never privileged", () => {
    for (const service of taskServices) {
      for (const container of containersOf(service.name)) {
        expect(container.privileged).toBe(false);
        const writable = container.name === service.name && service.securityExceptions?.writableRootFs !== undefined;
        expect({ container: container.name, readonly: container.readonlyRootFilesystem }).toEqual({
          container: container.name,
          readonly: !writable,
        });
      }
    }
    expect(containersOf("query-site")[0].readonlyRootFilesystem).toBe(false);
  });

  it("gives the model's health check to unrouted services and leaves routed ones to the target group's check", () => {
    expect(containersOf("prometheus")[0].healthCheck).toEqual({
      command: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:9090/-/healthy || exit 1"],
      interval: 5,
      timeout: 2,
      retries: 3,
      startPeriod: 10,
    });
    expect(containersOf("postgres-exporter")[0].healthCheck.command[1]).toContain("http://127.0.0.1:9187/");
    for (const routed of ["query-api", "admin-api", "query-site", "admin-site", "grafana"])
      expect(containersOf(routed)[0].healthCheck).toBeUndefined();
    expect(containersOf("ot-app")[0].healthCheck).toBeUndefined();
    const groups = byName("aws_lb_target_group");
    expect(groups.get(`${P}-query-api-http`).health_check).toMatchObject({
      path: "/health",
      matcher: "200",
      interval: 5,
      timeout: 2,
      port: "traffic-port",
    });
    expect(groups.get(`${P}-grafana-http`).health_check.path).toBe("/api/health");
    expect(groups.get(`${P}-query-site-http`).health_check.path).toBe("/");
    const exemptions = stack.application.taskDefinitions.get("query-api")!.node.metadata.map((m) => String(m.data));
    expect(
      exemptions.some((m) =>
        m.startsWith("[ARGO-HEALTH-CHECK] suppressed: the load balancer's target group checks query-api"),
      ),
    ).toBe(true);
  });

  it("scales query-api with Application Auto Scaling at the model's CPU target", () => {
    const [target] = list("aws_appautoscaling_target");
    expect(target).toMatchObject({
      min_capacity: 2,
      max_capacity: 6,
      scalable_dimension: "ecs:service:DesiredCount",
      service_namespace: "ecs",
    });
    const [policy] = list("aws_appautoscaling_policy");
    expect(policy.policy_type).toBe("TargetTrackingScaling");
    expect(policy.target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 70,
      predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
    });
    expect(services.get("query-api").lifecycle.ignore_changes).toEqual(["desired_count"]);
    expect(services.get("admin-api").lifecycle).toBeUndefined();
  });

  it("puts grafana's and prometheus' data on encrypted EFS through access points owned by the model's user", () => {
    const [fs] = list("aws_efs_file_system");
    expect(fs).toMatchObject({ encrypted: true, lifecycle: { prevent_destroy: true } });
    expect(fs.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    expect(list("aws_efs_backup_policy")[0].backup_policy.status).toBe("ENABLED");
    const points = list("aws_efs_access_point").map((p) => ({
      path: p.root_directory.path,
      uid: p.posix_user.uid,
      owner: p.root_directory.creation_info.owner_uid,
    }));
    expect(points.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "/grafana-data", uid: 472, owner: 472 },
      { path: "/loki-data", uid: 10001, owner: 10001 },
      { path: "/prometheus-data", uid: 65534, owner: 65534 },
    ]);
    const volume = taskDefinitions.get(`${P}-grafana`).volume.find((v: any) => v.name === "grafana-data");
    expect(volume.efs_volume_configuration).toMatchObject({
      transit_encryption: "ENABLED",
      authorization_config: { iam: "ENABLED" },
    });
    expect(list("aws_efs_mount_target")).toHaveLength(3);
  });
});

describe("ecs: secrets", () => {
  const secretEnvNames = (service: string) =>
    Object.keys(app.services.find((s) => s.name === service)!.secretEnv ?? {});

  it("never puts a secret into a container's environment: secret variables arrive through valueFrom only", () => {
    for (const service of taskServices) {
      for (const container of containersOf(service.name)) {
        for (const { name, value } of container.environment) {
          expect(secretEnvNames(service.name)).not.toContain(name);
          expect({ name, value }).toEqual({
            name,
            value: expect.not.stringMatching(/random_password|secretsmanager|master_user_secret|PASSWORD/),
          });
        }
        for (const secret of container.secrets)
          expect(secret.valueFrom).toMatch(
            /^\$\{(aws_secretsmanager_secret\.[\w-]+\.arn|aws_db_instance\.[\w-]+\.master_user_secret\[0\]\.secret_arn\}:password::)/,
          );
      }
    }
    expect(containersOf("query-api")[0].secrets.map((s: any) => s.name)).toEqual(["POSTGRES_PASSWORD"]);
    expect(containersOf("grafana")[0].secrets.map((s: any) => s.name)).toEqual(["GF_SECURITY_ADMIN_PASSWORD"]);
  });

  it("reads the database password from the secret RDS manages, and stores the generated ones in Secrets Manager under KMS", () => {
    const [db] = list("aws_db_instance");
    expect(db).toMatchObject({
      manage_master_user_password: true,
      storage_encrypted: true,
      multi_az: true,
      deletion_protection: true,
      backup_retention_period: 14,
    });
    const [dbKey] = Object.keys(resources("aws_db_instance"));
    expect(containersOf("query-api")[0].secrets[0].valueFrom).toBe(
      `\${aws_db_instance.${dbKey}.master_user_secret[0].secret_arn}:password::`,
    );
    expect(list("aws_secretsmanager_secret").map((s) => s.name)).toEqual([`${P}/grafana-admin-password`]);
    expect(list("aws_secretsmanager_secret")[0].kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    expect(list("random_password")).toHaveLength(1); // grafana's; RDS makes the database's
    const [rotation] = list("aws_secretsmanager_secret_rotation");
    expect(rotation.secret_id).toBe(`\${aws_db_instance.${dbKey}.master_user_secret[0].secret_arn}`);
    expect(rotation.rotation_rules.schedule_expression).toBe("cron(0 4 1 * ? *)");
  });

  it("lets each execution role read exactly its service's secrets and their keys", () => {
    const roleOfPolicy = namesByRef("aws_iam_role");
    const policies = new Map(
      list("aws_iam_role_policy")
        .filter((p) => p.name === "task-execution")
        .map((p) => [roleOfPolicy.get(p.role), JSON.parse(p.policy)]),
    );
    const [dbKey] = Object.keys(resources("aws_db_instance"));
    const masterSecret = `\${aws_db_instance.${dbKey}.master_user_secret[0].secret_arn}`;
    const [grafanaSecret] = Object.keys(resources("aws_secretsmanager_secret"));
    const secretsOf = (service: string) =>
      policies.get(`${P}-${service}-execution`).Statement.find((s: any) => s.Sid === "Secrets")?.Resource;
    expect(secretsOf("query-api")).toEqual([masterSecret]);
    expect(secretsOf("admin-api")).toEqual([masterSecret]);
    expect(secretsOf("postgres-exporter")).toEqual([masterSecret]);
    expect(secretsOf("grafana")).toEqual([ref("aws_secretsmanager_secret", grafanaSecret, "arn")]);
    for (const service of ["query-site", "admin-site", "ot-app", "prometheus"])
      expect(secretsOf(service)).toBeUndefined();
    const keysOf = (service: string) =>
      policies.get(`${P}-${service}-execution`).Statement.find((s: any) => s.Sid === "SecretKeys").Resource;
    expect(keysOf("query-api")).toHaveLength(1);
    expect(keysOf("query-api")).not.toEqual(keysOf("grafana"));
  });

  it("composes the exporter's connection string at start from the managed password, percent-encoded", () => {
    const [exporter] = containersOf("postgres-exporter");
    expect(exporter.environment).toEqual([]);
    expect(exporter.secrets).toEqual([
      { name: "ARGO_SECRET_POSTGRES_PASSWORD", valueFrom: expect.stringMatching(/:password::$/) },
    ]);
    expect(exporter.command).toEqual(["/bin/postgres_exporter"]);
    const [shell, flag, script, name] = exporter.entryPoint;
    expect([shell, flag, name]).toEqual(["/bin/sh", "-c", "secret-env"]);
    // Run the wrapper as the container would, with the database address filled in and a printer as the command.
    const password = "a#b%c?d:e!f$g`h\\i'j&k";
    const run = spawnSync(
      "sh",
      [
        "-c",
        script.replace(/\$\{aws_db_instance\.[^}]+\.address\}/, "db.example"),
        name,
        "sh",
        "-c",
        'printf %s "$DATA_SOURCE_NAME"',
      ],
      {
        env: { PATH: process.env.PATH, ARGO_SECRET_POSTGRES_PASSWORD: password },
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    const url = new URL(run.stdout);
    expect({ host: url.host, user: url.username, path: url.pathname, query: url.search }).toEqual({
      host: "db.example:5432",
      user: "argo",
      path: "/argodb",
      query: "?sslmode=disable",
    });
    expect(decodeURIComponent(url.password)).toBe(password);
  });
});

describe("ecs: security groups", () => {
  const groups = namesByRef("aws_security_group");
  const member = (id: string) => (groups.get(id) ?? id).replace(`${P}-`, "");
  const ingress = list("aws_vpc_security_group_ingress_rule").map((r) =>
    r.referenced_security_group_id
      ? `${member(r.referenced_security_group_id)} -> ${member(r.security_group_id)}:${r.from_port}`
      : `${r.cidr_ipv4} -> ${member(r.security_group_id)}:${r.from_port}`,
  );
  const runsOnEcs = (name: string) => !perNode.includes(name);
  // Pairs whose caller runs here too (a per-node collector does not run on Fargate); a call and a scrape on one
  // port are one flow.
  const talksTo = [
    ...new Set(
      edgesOf(app)
        .filter((e) => runsOnEcs(e.to.name) && runsOnEcs(e.from.name))
        .map((e) => `${e.from.name} -> ${e.to.name}:${e.port.containerPort}`),
    ),
  ];
  const volumeUsers = taskServices
    .filter((s) => s.volumes?.some((v) => v.kind === "persistent"))
    .map((s) => `${s.name} -> efs:2049`);
  const routed = ["query-site:80", "admin-site:80", "query-api:8080", "admin-api:8080", "grafana:3000"].map(
    (t) => `alb -> ${t}`,
  );

  const endpointClients = taskServices.map((s) => `${s.name} -> endpoints:443`);

  it("admits exactly the talks-to pairs, the load balancer to routed services, NFS from the volume users, the tasks to the AWS API endpoints and the internet to the ALB", () => {
    expect(ingress.every((r) => r.split(":")[1] !== r.split(":")[0])).toBe(true);
    expect([...ingress].sort()).toEqual(
      [...talksTo, ...routed, ...volumeUsers, ...endpointClients, "0.0.0.0/0 -> alb:443", "0.0.0.0/0 -> alb:80"].sort(),
    );
    expect(ingress).toHaveLength(new Set(ingress).size);
    for (const rule of list("aws_vpc_security_group_ingress_rule")) expect(rule.to_port).toBe(rule.from_port);
  });

  it("lets callers out only to their targets, plus HTTPS to the AWS API endpoints, S3 and the registries outside ECR", () => {
    const egress = list("aws_vpc_security_group_egress_rule").map((r) =>
      r.referenced_security_group_id
        ? `${member(r.security_group_id)} -> ${member(r.referenced_security_group_id)}:${r.from_port}`
        : `${member(r.security_group_id)} -> ${r.cidr_ipv4 ?? (r.prefix_list_id && "s3")}:${r.from_port}`,
    );
    const https = taskServices.flatMap((s) => [`${s.name} -> 0.0.0.0/0:443`, `${s.name} -> s3:443`]);
    expect([...egress].sort()).toEqual([...talksTo, ...routed, ...volumeUsers, ...endpointClients, ...https].sort());
    expect(list("aws_security_group").every((g) => g.egress === undefined && g.ingress === undefined)).toBe(true);
  });
});

describe("ecs: load balancer", () => {
  const [lb] = list("aws_lb");
  const listeners = byName("aws_lb_listener", "port");
  const targetGroups = namesByRef("aws_lb_target_group", "arn");

  it("is internet-facing in the public subnets, drops invalid headers, is protected and logs to an encrypted bucket", () => {
    expect(lb).toMatchObject({
      internal: false,
      load_balancer_type: "application",
      drop_invalid_header_fields: true,
      enable_deletion_protection: true,
    });
    expect(lb.access_logs).toMatchObject({ enabled: true, prefix: "alb" });
    expect(
      list("aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default
        .sse_algorithm,
    ).toBe("AES256");
    expect(list("aws_s3_bucket_public_access_block")[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = JSON.parse(list("aws_s3_bucket_policy")[0].policy);
    expect(policy.Statement[0].Principal).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
  });

  it("redirects HTTP to HTTPS and serves HTTPS with the environment's certificate and TLS 1.2+", () => {
    expect(listeners.get(80).default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
    expect(listeners.get(443)).toMatchObject({
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn: env.ecs!.certificateArn,
    });
    expect(listeners.get(443).default_action[0].fixed_response.status_code).toBe("404");
  });

  it("has one listener rule per route, to the route's service, admin routes limited to the admin CIDRs", () => {
    const rules = list("aws_lb_listener_rule").map((r) => ({
      path: r.condition.find((c: any) => c.path_pattern).path_pattern.values,
      target: targetGroups.get(r.action[0].target_group_arn),
      sources: r.condition.find((c: any) => c.source_ip)?.source_ip.values,
      priority: r.priority,
    }));
    const expected = (a: Application) =>
      a.routes.map((route) => ({
        path: [`${route.pathPrefix}*`],
        target: `${P}-${route.service}-${route.port}`,
        sources: route.adminOnly ? env.adminCidrs : undefined,
      }));
    expect(rules.map(({ priority: _, ...r }) => r).sort((a, b) => a.path[0].localeCompare(b.path[0]))).toEqual(
      expected(app).sort((a, b) => a.path[0].localeCompare(b.path[0])),
    );
    expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
    const target = byName("aws_lb_target_group");
    for (const group of target.values()) expect(group).toMatchObject({ target_type: "ip", protocol: "HTTP" });
    expect(services.get("grafana").load_balancer).toEqual([
      { target_group_arn: expect.any(String), container_name: "grafana", container_port: 3000 },
    ]);
    expect(services.get("prometheus").load_balancer).toBeUndefined();
  });
});

describe("ecs: Prometheus", () => {
  it("discovers every task of the scraped services through their Cloud Map names", () => {
    const init = containersOf("prometheus").find((c) => c.name === "prometheus-config");
    const config = parseYaml(init.environment.find((e: any) => e.name === "ETC_PROMETHEUS_PROMETHEUS_YML").value);
    const jobs = Object.fromEntries(config.scrape_configs.map((j: any) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(["alertmanager", "loki", "postgres-exporter", "prometheus", "query-api"]);
    expect(jobs["query-api"].dns_sd_configs).toEqual([
      { names: ["query-api.argo.internal"], type: "A", port: 8080, refresh_interval: "30s" },
    ]);
    const [main] = containersOf("prometheus");
    expect(main.dependsOn).toEqual([{ containerName: "prometheus-config", condition: "SUCCESS" }]);
    expect(main.mountPoints).toContainEqual({
      sourceVolume: "prometheus-config",
      containerPath: "/etc/prometheus",
      readOnly: true,
    });
    expect(init).toMatchObject({
      essential: false,
      user: "0",
      readonlyRootFilesystem: true,
      linuxParameters: { capabilities: { drop: ["ALL"] } },
    });
  });
});

describe("ecs: cluster, logs and capabilities", () => {
  it("turns on Container Insights and logs ECS Exec sessions encrypted", () => {
    const [cluster] = list("aws_ecs_cluster");
    expect(cluster.setting).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(cluster.configuration.execute_command_configuration).toMatchObject({
      logging: "OVERRIDE",
      log_configuration: { cloud_watch_encryption_enabled: true },
    });
  });

  it("keeps every log group encrypted and for the environment's retention", () => {
    for (const group of list("aws_cloudwatch_log_group")) {
      expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
      expect(group.retention_in_days).toBe(365);
    }
  });

  it("records the per-node services as unsupported on Fargate, with a warning", () => {
    const records = CapabilityReport.of(stack).records;
    for (const name of perNode) {
      expect(records.filter((r) => r.service === name)).toEqual([
        {
          platform: "ecs",
          service: name,
          intent: "placement",
          wanted: "one per node",
          realization: `not deployed: ${PER_NODE_REASON}`,
          support: "unsupported",
        },
      ]);
    }
    const warnings = stack.application.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings.filter((w) => w.includes("placement (one per node) not deployed"))).toHaveLength(perNode.length);
    expect(records.find((r) => r.service === "prometheus" && r.intent === "metrics")).toMatchObject({
      support: "partial",
      realization: expect.stringContaining(`${perNode.join(", ")} do not run on Fargate`),
    });
  });

  it("records the Fargate exceptions the model gives reasons for", () => {
    const records = CapabilityReport.of(stack).records.filter((r) => r.intent === "security");
    const site = records.find((r) => r.service === "query-site")!;
    expect(site.support).toBe("partial");
    expect(site.realization).toContain(
      "writable root filesystem: nginx writes its pid file and caches under /var/cache/nginx and /run",
    );
    expect(site.realization).toContain("starts as root: the nginx base image binds port 80");
    expect(records.find((r) => r.service === "query-api")).toMatchObject({
      support: "native",
      realization: expect.stringContaining("read-only root filesystem"),
    });
    expect(records.find((r) => r.service === "prometheus")!.realization).toContain(
      "prometheus-config init container runs as root with every capability dropped",
    );
    const siteTask = stack.application.taskDefinitions.get("query-site")!.node.metadata.map((m) => String(m.data));
    expect(siteTask).toContain(
      "[ARGO-ECS-READ-ONLY-ROOT] suppressed: nginx writes its pid file and caches under /var/cache/nginx and /run",
    );
    const encryption = CapabilityReport.of(stack).records.find(
      (r) => r.service === "postgres" && r.intent === "encryption in transit",
    );
    expect(encryption).toMatchObject({ support: "partial", realization: expect.stringContaining("sslmode=disable") });
  });

  it("records autoscaling as native and every task service's intents", () => {
    const records = CapabilityReport.of(stack).records;
    expect(records.find((r) => r.service === "query-api" && r.intent === "autoscaling")?.support).toBe("native");
    for (const service of taskServices) {
      expect(records.filter((r) => r.service === service.name).map((r) => r.intent)).toEqual(
        expect.arrayContaining(["placement", "health", "update", "zones", "security"]),
      );
    }
    // The model's 3 s checks run at ECS' 5 s minimum, and the record says so.
    const prometheusHealth = records.find((r) => r.service === "prometheus" && r.intent === "health");
    expect(prometheusHealth?.realization).toContain("every 5 s (the model asks 3 s; ECS' minimum is 5 s)");
  });

  it("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
  });
});

describe("ecs: database and cache as containers", () => {
  const variant = structuredClone(AWS) as Mutable<Environment>;
  variant.ecs!.bindings = { postgres: { kind: "container" }, memcached: { kind: "container" } };
  const synth = synthEcs(variant as Environment);
  const tasks = new Map<string, any>(synth.list("aws_ecs_task_definition").map((t) => [t.family, t]));

  it("runs postgres and memcached as tasks, the database's data on EFS", () => {
    expect(synth.list("aws_db_instance")).toEqual([]);
    expect(synth.list("aws_elasticache_cluster")).toEqual([]);
    const postgres = JSON.parse(tasks.get(`${P}-postgres`).container_definitions)[0];
    expect(postgres.healthCheck.command).toEqual(["CMD", "pg_isready", "-U", "argo", "-d", "argodb"]);
    expect(postgres.secrets.map((s: any) => s.name)).toEqual(["POSTGRES_PASSWORD"]);
    expect(
      tasks.get(`${P}-postgres`).volume.find((v: any) => v.name === "postgres-data").efs_volume_configuration
        .transit_encryption,
    ).toBe("ENABLED");
    const api = JSON.parse(tasks.get(`${P}-query-api`).container_definitions)[0];
    expect(api.environment).toContainEqual({ name: "POSTGRES_HOST", value: "postgres.argo.internal" });
  });

  it("stores the exporter's composed connection string as a secret of its own", () => {
    expect(
      synth
        .list("aws_secretsmanager_secret")
        .map((s) => s.name)
        .sort(),
    ).toEqual([`${P}/grafana-admin-password`, `${P}/postgres-exporter/DATA_SOURCE_NAME`, `${P}/postgres-password`]);
    const exporter = JSON.parse(tasks.get(`${P}-postgres-exporter`).container_definitions)[0];
    expect(exporter.entryPoint).toEqual(["/bin/postgres_exporter"]);
    expect(exporter.secrets.map((s: any) => s.name)).toEqual(["DATA_SOURCE_NAME"]);
    const version = synth
      .list("aws_secretsmanager_secret_version")
      .find((v) => v.secret_string.startsWith("postgresql://"));
    expect(version.secret_string).toMatch(
      /^postgresql:\/\/argo:\$\{random_password\.[\w-]+\.result\}@postgres\.argo\.internal:5432\/argodb\?sslmode=disable$/,
    );
  });
});

describe("ecs: observability", () => {
  it("delivers every observability service its generated files through an init container", () => {
    for (const [service, files] of [
      ["prometheus", ["ETC_PROMETHEUS_PROMETHEUS_YML", "ETC_PROMETHEUS_ALERT_RULES_YML"]],
      ["alertmanager", ["ETC_ALERTMANAGER_ALERTMANAGER_YML"]],
      ["loki", ["ETC_LOKI_LOKI_YAML"]],
    ] as const) {
      const init = containersOf(service).find((c) => c.name === `${service}-config`);
      expect(init.environment.map((e: any) => e.name).sort()).toEqual([...files].sort());
      expect(init.image).toMatch(/^public\.ecr\.aws\/docker\/library\/busybox:\d/);
      expect(containersOf(service)[0].dependsOn).toEqual([
        { containerName: `${service}-config`, condition: "SUCCESS" },
      ]);
    }
    const prometheus = parseYaml(
      containersOf("prometheus")
        .find((c) => c.name === "prometheus-config")
        .environment.find((e: any) => e.name === "ETC_PROMETHEUS_PROMETHEUS_YML").value,
    );
    expect(prometheus.rule_files).toEqual(["/etc/prometheus/alert-rules.yml"]);
    expect(prometheus.alerting.alertmanagers[0].dns_sd_configs[0].names).toEqual(["alertmanager.argo.internal"]);
    const grafana = containersOf("grafana").find((c) => c.name === "grafana-config");
    expect(grafana.mountPoints.length).toBeGreaterThanOrEqual(2);
  });

  it("alarms in CloudWatch on running tasks of every service, the load balancer's 5xx ratio and the database", () => {
    const alarms = list("aws_cloudwatch_metric_alarm");
    const running = alarms.filter((a) => a.metric_name === "RunningTaskCount");
    expect(running.map((a) => a.dimensions.ServiceName).sort()).toEqual(taskServices.map((s) => s.name).sort());
    expect(running.find((a) => a.dimensions.ServiceName === "query-api")).toMatchObject({
      threshold: 2,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
    });
    const ratio = alarms.find((a) => a.alarm_name.endsWith("http-5xx-ratio"));
    expect(ratio.metric_query.map((q: any) => q.metric?.metric_name ?? q.expression)).toEqual([
      "HTTPCode_Target_5XX_Count",
      "RequestCount",
      "IF(requests > 0, errors / requests, 0)",
    ]);
    expect(
      alarms
        .filter((a) => a.namespace === "AWS/RDS")
        .map((a) => a.metric_name)
        .sort(),
    ).toEqual(["CPUUtilization", "FreeStorageSpace"]);
    expect(alarms.every((a) => a.alarm_actions?.length === 1)).toBe(true);
    const records = stack.node.findAll().flatMap((c) => ((c as any).records ? (c as any).records : []));
    const alertRecords = records.filter((r: any) => r.intent === "alerts" && r.service !== "*");
    for (const service of taskServices)
      expect(alertRecords.find((r: any) => r.service === service.name)?.support).toBe("native");
  });
});
