import { randomBytes } from "crypto";
import { parse as parseYaml } from "yaml";
import { CapabilityReport } from "../../constructs/capabilities";
import { edgesOf, selectApplication, updatePolicyOf, type ServiceSpec } from "../../constructs/model";
import { DOCKER_API_PROXY_TASK, NOMAD_DOCKER_API_SOCKET } from "../../constructs/nomad/docker-api-proxy";
import { consulReadersOf } from "../../constructs/nomad/consul-task-policies";
import { nodeVolumeName, nodeVolumesOf } from "../../constructs/nomad/node-volumes";
import { cpuMhz } from "../../constructs/nomad/service-job";
import { LAB } from "../../environments";
import { argoCopy, jobsOf, labCopy, resourcesOfType, synthNomad } from "../helpers";
import { JOB_FILE, shapeErrors } from "./nomad-api-shape";

const app = selectApplication(LAB.application, LAB.selection);
const target = LAB.nomad!;
const synth = synthNomad();
const jobs = jobsOf(synth);
const groupOf = (name: string) => jobs.get(name)!.TaskGroups[0];

describe("nomad-lab: jobs", () => {
  it("has one job per service and one for Fabio", () => {
    expect([...jobs.keys()].sort()).toEqual([...app.services.map((s) => s.name), "fabio"].sort());
  });

  it("sends jobspecs with the shape of Nomad's job API", () => {
    for (const resource of resourcesOfType(synth, "nomad_job")) {
      expect(resource.json).toBe(true);
      const file = JSON.parse(resource.jobspec.replace(/\$\$\{/g, "${"));
      expect(shapeErrors(file, JOB_FILE)).toEqual([]);
    }
  });

  it("catches a misspelt field with that shape check", () => {
    const file = { Job: { ...jobs.get("postgres")!, TaskGroups: [{ ...groupOf("postgres"), Cuont: 1 }] } };
    expect(shapeErrors(file, JOB_FILE)).toEqual(["Job.TaskGroups[0].Cuont: not a field of Nomad's API"]);
  });

  it("escapes Nomad's ${...} interpolation from Terraform", () => {
    for (const resource of resourcesOfType(synth, "nomad_job")) {
      expect(resource.jobspec).not.toMatch(/(^|[^$])\$\{/);
    }
    expect(resourcesOfType(synth, "nomad_job").some((r) => r.jobspec.includes("$${node.class}"))).toBe(true);
  });

  it.each(app.services.map((s) => [s.name, s] as [string, ServiceSpec]))(
    "renders %s with its ports, check, resources and count",
    (_, service) => {
      const job = jobs.get(service.name)!;
      const group = job.TaskGroups[0];
      const task = group.Tasks[0];
      expect(task.Config.image).toBe(`${service.image.repository}:${service.image.tag}`);
      expect(task.Resources).toEqual({
        CPU: cpuMhz(service.resources!.cpuMillicores, target),
        MemoryMB: service.resources!.memoryMiB,
      });
      if (service.placement.kind === "per-node") {
        expect(job.Type).toBe("system");
      } else {
        expect(job.Type).toBe("service");
        expect(group.Count).toBe(service.placement.replicas);
      }
      for (const port of service.ports) {
        const mapped = group.Networks[0].DynamicPorts?.find((p) => p.Label === port.name);
        const registered = group.Services?.find(
          (s) => s.PortLabel === port.name || s.PortLabel === String(port.containerPort),
        );
        expect(registered).toBeDefined();
        if (mapped) expect(mapped.To).toBe(port.containerPort);
      }
      const checks = (group.Services ?? []).flatMap((s) => s.Checks ?? []);
      if (service.healthCheck) {
        expect(checks).toHaveLength(1);
        // Nomad allows no TCP check on a Connect service: in the mesh the task opens the connection itself.
        const inMesh = group.Services?.some((s) => s.Connect);
        const expectedType =
          service.healthCheck.type === "command" || (service.healthCheck.type === "tcp" && inMesh)
            ? "script"
            : service.healthCheck.type;
        expect(checks[0]).toMatchObject({
          Type: expectedType,
          Interval: service.healthCheck.intervalSec * 1e9,
          Timeout: service.healthCheck.timeoutSec * 1e9,
        });
        if (service.healthCheck.type === "http") expect(checks[0].Path).toBe(service.healthCheck.path);
        if (service.healthCheck.type === "command")
          expect([checks[0].Command, ...(checks[0].Args ?? [])]).toEqual(service.healthCheck.command);
      } else {
        expect(checks).toEqual([]);
        expect(group.Update?.HealthCheck).toBe("task_states");
      }
    },
  );

  it("keeps every job off the Nomad servers", () => {
    for (const job of jobs.values()) {
      expect(job.Constraints).toContainEqual({
        LTarget: "${node.class}",
        RTarget: target.workloadNodeClass,
        Operand: "=",
      });
      expect(job.Region).toBe(target.region);
      expect(job.Datacenters).toEqual([target.datacenter]);
    }
  });

  it("reverts a failed release at its first failed allocation, with the healthy deadline left for slow starts", () => {
    for (const service of app.services.filter((s) => s.placement.kind === "replicated")) {
      const update = groupOf(service.name).Update!;
      expect(update.AutoRevert).toBe(true);
      // Nomad: progress_deadline 0 fails the deployment at the first unhealthy allocation.
      expect(update.ProgressDeadline).toBe(0);
      expect(update.HealthyDeadline).toBe(updatePolicyOf(service).healthyDeadlineSec * 1e9);
      // A slow start keeps 20 s beyond the min healthy time; a health-checked one a minute for its checks.
      expect(update.HealthyDeadline! - update.MinHealthyTime!).toBeGreaterThanOrEqual(20e9);
      if (service.healthCheck) expect(update.HealthyDeadline!).toBeGreaterThanOrEqual(60e9);
      expect(update.MaxParallel).toBe(1);
    }
  });

  it("starts a start-first release as auto-promoted canaries, so a failed one never stopped an old allocation", () => {
    const replicated = app.services.filter((s) => s.placement.kind === "replicated");
    const startFirst = replicated.filter((s) => updatePolicyOf(s).order === "start-first");
    expect(startFirst.length).toBeGreaterThan(0);
    for (const service of replicated) {
      const update = groupOf(service.name).Update!;
      const policy = updatePolicyOf(service);
      if (policy.order === "start-first") {
        expect({ name: service.name, canary: update.Canary, promote: update.AutoPromote }).toEqual({
          name: service.name,
          canary: policy.parallelism,
          promote: true,
        });
      } else {
        expect({ name: service.name, canary: update.Canary }).toEqual({ name: service.name, canary: 0 });
      }
    }
  });

  it("runs the environment's Connect sidecar image where it names one, and Nomad's default otherwise", () => {
    expect(app.services.some((s) => groupOf(s.name).Services?.some((svc) => svc.Connect?.SidecarTask))).toBe(false);
    const env = {
      ...LAB,
      nomad: { ...LAB.nomad!, connectSidecar: { image: "registry.lab/envoy:v1.29.7", env: { ENVOY_LOG: "info" } } },
    };
    const custom = jobsOf(synthNomad(env));
    const sidecars = [...custom.values()].flatMap((j) =>
      j.TaskGroups.flatMap((g) => (g.Services ?? []).flatMap((s) => (s.Connect ? [s.Connect.SidecarTask] : []))),
    );
    expect(sidecars.length).toBeGreaterThan(0);
    for (const task of sidecars)
      expect(task).toEqual({
        Driver: "docker",
        Config: { image: "registry.lab/envoy:v1.29.7" },
        Env: { ENVOY_LOG: "info" },
      });
  });

  it("submits a job after the jobs it calls have deployed, and sidecars forward to the task's own port", () => {
    const stackJobs = synth.json.resource.nomad_job as Record<string, { jobspec: string; depends_on?: string[] }>;
    const addressOf = (id: string) =>
      `nomad_job.${Object.entries(stackJobs).find(([, j]) => JSON.parse(j.jobspec).Job.ID === id)![0]}`;
    const after = (id: string) =>
      (stackJobs[addressOf(id).slice("nomad_job.".length)].depends_on ?? []).filter((d) => d.startsWith("nomad_job."));
    expect(after("query-api").sort()).toEqual([addressOf("postgres"), addressOf("memcached")].sort());
    expect(after("ot-app")).toEqual([addressOf("query-api")]);
    expect(after("postgres")).toEqual([]);
    for (const service of app.services) {
      const connect = groupOf(service.name).Services?.find((s) => s.Connect)?.Connect;
      if (!connect) continue;
      // Without tags of its own, Consul gives the sidecar its service's urlprefix- tags and Fabio routes to it.
      expect(connect.SidecarService.Tags?.length).toBeGreaterThan(0);
      expect(connect.SidecarService.Tags!.some((t) => t.startsWith("urlprefix-"))).toBe(false);
      if (service.ports.length > 0)
        expect(connect.SidecarService.Proxy.LocalServicePort).toBe(service.ports[0].containerPort);
    }
  });

  it("puts persistent data on host volumes and mounts the rest read-only", () => {
    const postgres = groupOf("postgres");
    expect(postgres.Volumes).toEqual({
      "postgres-data": { Name: "postgres-data", Type: "host", Source: "postgres-data", ReadOnly: false },
    });
    expect(postgres.Tasks[0].VolumeMounts).toEqual([
      { Volume: "postgres-data", Destination: "/var/lib/postgresql/data", ReadOnly: false },
    ]);
    const cadvisor = groupOf("cadvisor");
    expect(Object.values(cadvisor.Volumes!).map((v) => [v.Source, v.ReadOnly])).toEqual([
      ["host-root", true],
      ["host-var-run-docker-sock", true],
      ["host-sys", true],
      ["host-var-lib-docker", true],
    ]);
    // Docker refuses a private bind of a path holding its data root: those take the host's mounts (rslave).
    expect(
      cadvisor.Tasks[0].VolumeMounts!.map((m) => [m.Volume, m.Destination, m.ReadOnly, m.PropagationMode]),
    ).toEqual([
      ["rootfs", "/rootfs", true, "host-to-task"],
      ["sys", "/sys", true, undefined],
      ["docker-data", "/var/lib/docker", true, "host-to-task"],
    ]);
  });

  it("serves the Docker API to its readers through a filtering proxy task, the only task with the engine's socket", () => {
    const readers = app.services.filter((s) =>
      s.volumes?.some((v) => v.kind === "host" && v.dockerApi?.access === "read"),
    );
    expect(readers.map((s) => s.name).sort()).toEqual(["alloy", "cadvisor"]);
    for (const [id, job] of jobs) {
      const group = job.TaskGroups[0];
      const socketVolume = Object.values(group.Volumes ?? {}).find((v) => v.Source === "host-var-run-docker-sock");
      const mountingIt = group.Tasks.filter((t) => t.VolumeMounts?.some((m) => m.Volume === socketVolume?.Name));
      const isReader = readers.some((r) => r.name === id);
      expect([id, mountingIt.map((t) => t.Name)]).toEqual([id, isReader ? [DOCKER_API_PROXY_TASK] : []]);
      if (!isReader) continue;
      const proxy = mountingIt[0];
      expect(proxy.Lifecycle).toEqual({ Hook: "prestart", Sidecar: true });
      expect(proxy.VolumeMounts).toEqual([
        { Volume: socketVolume!.Name, Destination: "/var/run/docker.sock", ReadOnly: true },
      ]);
      expect(proxy.Templates![0].EmbeddedTmpl).toContain(`bind unix@${NOMAD_DOCKER_API_SOCKET} mode 666`);
    }
    expect(groupOf("cadvisor").Tasks[0].Config.args).toContain(`--docker=unix://${NOMAD_DOCKER_API_SOCKET}`);
    const alloyConfig = groupOf("alloy")
      .Tasks[0].Templates!.map((t) => t.EmbeddedTmpl)
      .join("\n");
    expect(alloyConfig.match(/host = "[^"]*"/g)).toEqual([
      `host = "unix://${NOMAD_DOCKER_API_SOCKET}"`,
      `host = "unix://${NOMAD_DOCKER_API_SOCKET}"`,
    ]);
  });

  it("mounts node paths only as the clients' read-only host volumes, never as Docker bind mounts", () => {
    const offered = nodeVolumesOf(app, target);
    for (const [id, job] of jobs) {
      const group = job.TaskGroups[0];
      for (const task of group.Tasks)
        expect([id, (task.Config.mount ?? []).filter((m) => m.type !== "tmpfs")]).toEqual([id, []]);
      for (const volume of Object.values(group.Volumes ?? {})) {
        const persistent = volume.Source in target.hostVolumes;
        expect([id, volume.Source, persistent || offered[volume.Source] !== undefined]).toEqual([
          id,
          volume.Source,
          true,
        ]);
        expect([id, volume.Source, volume.ReadOnly]).toEqual([id, volume.Source, !persistent]);
      }
    }
    // Fabio and Prometheus read Consul's CA from their client.
    for (const id of ["fabio", "prometheus"])
      expect(groupOf(id).Volumes!["consul-ca"]).toEqual({
        Name: "consul-ca",
        Type: "host",
        Source: nodeVolumeName(target.consul.caFile),
        ReadOnly: true,
      });
    expect(offered[nodeVolumeName(target.consul.caFile)]).toBe(target.consul.caFile);
  });

  it("hides the node's /run inside a host volume of the node's root", () => {
    for (const name of ["cadvisor", "node-exporter"]) {
      const mounts = groupOf(name).Tasks[0].Config.mount!;
      expect(mounts.filter((m) => m.type === "tmpfs").map((m) => m.target)).toEqual(["/rootfs/run"]);
    }
    expect(groupOf("postgres").Tasks[0].Config.mount ?? []).toEqual([]);
  });

  it("turns the autoscaling intent into a scaling policy", () => {
    expect(groupOf("query-api").Scaling).toMatchObject({ Min: 2, Max: 6, Enabled: true });
    expect(JSON.stringify(groupOf("query-api").Scaling!.Policy)).toContain('"target":70');
    expect(groupOf("admin-api").Scaling).toBeUndefined();
  });
});

describe("nomad-lab: service mesh", () => {
  const callEdges = edgesOf(app).filter((e) => e.kind === "call");

  it("gives each service exactly the upstreams of its talks-to pairs", () => {
    const upstreams = app.services.flatMap((s) =>
      (groupOf(s.name).Services ?? []).flatMap((svc) =>
        (svc.Connect?.SidecarService.Proxy.Upstreams ?? []).map((u) => `${s.name}->${u.DestinationName}`),
      ),
    );
    expect(upstreams.sort()).toEqual(callEdges.map((e) => `${e.from.name}->${e.to.name}`).sort());
  });

  it("points the app at its upstreams on 127.0.0.1", () => {
    const queryApi = groupOf("query-api");
    const binds = Object.fromEntries(
      queryApi.Services![0].Connect!.SidecarService.Proxy.Upstreams!.map((u) => [u.DestinationName, u.LocalBindPort]),
    );
    expect(queryApi.Tasks[0].Env).toMatchObject({
      POSTGRES_HOST: "127.0.0.1",
      POSTGRES_PORT: String(binds.postgres),
      MEMCACHED_HOST: "127.0.0.1",
      MEMCACHED_PORT: String(binds.memcached),
    });
    expect(groupOf("ot-app").Tasks[0].Env).toEqual({ API_HOST: "127.0.0.1", API_PORT: "8080" });
  });

  it("denies by default and allows exactly the talks-to pairs", () => {
    const entries = resourcesOfType(synth, "consul_config_entry").filter((e) => e.kind === "service-intentions");
    const denyAll = entries.find((e) => e.name === "*");
    expect(JSON.parse(denyAll.config_json)).toEqual({
      Sources: [{ Name: "*", Action: "deny", Precedence: 5, Type: "consul" }],
    });
    const allowed = entries
      .filter((e) => e.name !== "*")
      .flatMap((e) =>
        JSON.parse(e.config_json).Sources.map(
          (s: { Name: string; Action: string }) => `${s.Name}->${e.name}:${s.Action}`,
        ),
      );
    expect(allowed.sort()).toEqual([...new Set(callEdges.map((e) => `${e.from.name}->${e.to.name}:allow`))].sort());
  });

  it("declares HTTP services as http in service-defaults", () => {
    const defaults = resourcesOfType(synth, "consul_config_entry").filter((e) => e.kind === "service-defaults");
    const http = defaults.map((e) => `${e.name}=${JSON.parse(e.config_json).Protocol}`).sort();
    expect(http).toEqual([
      "admin-api=http",
      "alertmanager=http",
      "alloy=http",
      "grafana=http",
      "loki=http",
      "postgres-exporter=http",
      "prometheus=http",
      "query-api=http",
    ]);
  });
});

describe("nomad-lab: ingress", () => {
  it("tags every public route on its service, admin-only routes with the admin allow-list", () => {
    for (const route of app.routes) {
      const tags = (groupOf(route.service).Services ?? []).flatMap((s) => s.Tags ?? []);
      const tag = tags.find((t) => t.split(" ")[0] === `urlprefix-${route.pathPrefix}`);
      expect(tag).toBeDefined();
      if (route.adminOnly) {
        for (const cidr of LAB.adminCidrs) expect(tag).toContain(`ip:${cidr}`);
        expect(tag).toContain("ip:192.168.10.80/32");
      } else {
        expect(tag).not.toContain("allow=");
      }
    }
    const allTags = [...jobs.values()].flatMap((j) => j.TaskGroups[0].Services ?? []).flatMap((s) => s.Tags ?? []);
    expect(allTags.filter((t) => t.startsWith("urlprefix-"))).toHaveLength(app.routes.length);
  });

  it("runs Fabio on every client with its static ports and a pinned image", () => {
    const fabio = jobs.get("fabio")!;
    expect(fabio.Type).toBe("system");
    const group = fabio.TaskGroups[0];
    expect(group.Networks[0].ReservedPorts).toEqual([
      { Label: "lb", Value: 9999 },
      { Label: "ui", Value: 9998 },
    ]);
    expect(group.Tasks[0].Config.image).toMatch(/^fabiolb\/fabio:\d+\.\d+\.\d+$/);
    expect(group.Tasks[0].Env).toMatchObject({
      FABIO_registry_consul_addr: "https://${attr.unique.network.ip-address}:8501",
      FABIO_registry_consul_register_enabled: "false",
    });
    expect(group.Tasks[0].Env).not.toHaveProperty("FABIO_registry_consul_scheme");
  });

  it("maps only routed ports and ports of services outside the mesh to host ports", () => {
    const mapped = Object.fromEntries(
      [...jobs.entries()].map(([id, job]) => [
        id,
        (job.TaskGroups[0].Networks[0].DynamicPorts ?? []).map((p) => p.Label),
      ]),
    );
    expect(mapped.postgres).toEqual([]);
    expect(mapped.memcached).toEqual([]);
    expect(mapped["query-api"]).toEqual(["http"]);
    expect(mapped["node-exporter"]).toEqual(["metrics"]);
  });
});

describe("nomad-lab: secrets", () => {
  it("stores each job's secrets in its own Nomad Variable as references", () => {
    const variables = resourcesOfType(synth, "nomad_variable");
    expect(variables.map((v) => v.path).sort()).toEqual(
      ["admin-api", "grafana", "postgres", "postgres-exporter", "query-api"].map((j) => `nomad/jobs/${j}`).sort(),
    );
    for (const variable of variables) {
      for (const value of Object.values<string>(variable.items)) {
        expect(value).toMatch(/\$\{random_password\.[^}]+\}/);
      }
    }
  });

  it("gives a Consul token only to the tasks that read Consul, from their workload identities; creates none", () => {
    const readers = consulReadersOf(app);
    expect(Object.keys(readers).sort()).toEqual(["fabio", "prometheus"]);
    const withConsulBlock = [...jobsOf(synth)].flatMap(([id, job]) =>
      job.TaskGroups.flatMap((g) => g.Tasks.filter((t) => t.Consul).map((t) => `${id}/${t.Name}`)),
    );
    expect(withConsulBlock.sort()).toEqual(["fabio/fabio", "prometheus/prometheus"]);
    // Nothing in the stack makes Consul ACL objects: the deploy needs no acl rights.
    expect(Object.keys(synth.json.resource).filter((type) => type.startsWith("consul_acl"))).toEqual([]);
    expect(synth.json.data?.consul_acl_token_secret_id).toBeUndefined();
    // Fabio reads it from its environment; Prometheus from a file its own user (the data owner, nobody) can read.
    const fabio = jobsOf(synth).get("fabio")!.TaskGroups[0].Tasks[0];
    expect(fabio.Templates).toEqual([
      expect.objectContaining({
        EmbeddedTmpl: 'FABIO_registry_consul_token={{ env "CONSUL_TOKEN" }}\n',
        Envvars: true,
      }),
    ]);
    const tokenFile = groupOf("prometheus").Tasks[0].Templates!.find((t) => t.DestPath === "secrets/consul-token")!;
    expect(tokenFile).toMatchObject({
      EmbeddedTmpl: '{{ env "CONSUL_TOKEN" }}',
      Perms: "0400",
      Uid: 65534,
      Gid: 65534,
    });
  });

  it("reads secrets into the environment through a template of the job's own variable", () => {
    for (const service of app.services.filter((s) => s.secretEnv)) {
      const task = groupOf(service.name).Tasks[0];
      const template = task.Templates!.find((t) => t.Envvars)!;
      expect(template.EmbeddedTmpl).toContain(`nomadVar "nomad/jobs/${service.name}"`);
      for (const name of Object.keys(service.secretEnv!)) {
        expect(template.EmbeddedTmpl).toContain(`${name}={{ .${name} }}`);
        expect(task.Env?.[name]).toBeUndefined();
      }
    }
  });

  it("never writes a secret value into the synthesized output", () => {
    const supplied = randomBytes(24).toString("hex");
    const variableName = "grafana_admin_password";
    const previous = process.env[`TF_VAR_${variableName}`];
    process.env[`TF_VAR_${variableName}`] = supplied;
    try {
      const env = labCopy();
      const application = argoCopy();
      application.secrets.find((s) => s.name === "grafana-admin-password")!.source = {
        kind: "supplied",
        variable: variableName,
      };
      env.application = application;
      const withSupplied = synthNomad(env);
      expect(withSupplied.text).not.toContain(supplied);
      expect(withSupplied.json.variable[variableName]).toMatchObject({ sensitive: true, type: "string" });
      const grafanaVar = resourcesOfType(withSupplied, "nomad_variable").find((v) => v.path === "nomad/jobs/grafana");
      expect(grafanaVar.items.GF_SECURITY_ADMIN_PASSWORD).toBe(`\${var.${variableName}}`);
    } finally {
      if (previous === undefined) delete process.env[`TF_VAR_${variableName}`];
      else process.env[`TF_VAR_${variableName}`] = previous;
    }
    expect(synth.text).not.toMatch(/PASSWORD=(?!\{\{)/);
    expect(resourcesOfType(synth, "random_password").every((p) => p.special === false && p.length >= 32)).toBe(true);
  });
});

describe("nomad-lab: Prometheus", () => {
  const config = parseYaml(
    groupOf("prometheus").Tasks[0].Templates!.find((t) => t.DestPath === "local/config.yml")!.EmbeddedTmpl,
  );
  const scraped = edgesOf(app).filter((e) => e.from.name === "prometheus" && e.kind === "scrape");

  it("discovers every instance of every scraped service through Consul", () => {
    const jobsByName = Object.fromEntries(config.scrape_configs.map((c: { job_name: string }) => [c.job_name, c]));
    expect(Object.keys(jobsByName).sort()).toEqual(["prometheus", ...scraped.map((e) => e.to.name)].sort());
    for (const edge of scraped) {
      const job = jobsByName[edge.to.name];
      expect(job.static_configs).toBeUndefined();
      expect(job.consul_sd_configs[0]).toMatchObject({
        scheme: "https",
        services: [edge.to.name],
        authorization: { credentials_file: "/secrets/consul-token" },
      });
      expect(job.relabel_configs[0].source_labels).toEqual([
        "__meta_consul_address",
        "__meta_consul_service_metadata_metrics_port",
      ]);
      expect(groupOf(edge.to.name).Services![0].Meta).toMatchObject({
        metrics_port: expect.stringMatching(/^\$\{NOMAD_HOST_PORT_\w+\}$/),
      });
    }
  });

  it("publishes metrics of mesh services through the sidecar, not the service port", () => {
    const exporter = groupOf("postgres-exporter");
    expect(exporter.Services![0].Connect!.SidecarService.Proxy.Expose!.Paths).toEqual([
      { Path: "/metrics", Protocol: "http", LocalPathPort: 9187, ListenerPort: "metricsexpose" },
    ]);
  });
});

describe("nomad-lab: stack", () => {
  it("pins provider versions and reads provider settings from the deployer's environment", () => {
    for (const provider of Object.values<{ version: string }>(synth.json.terraform.required_providers)) {
      expect(provider.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(synth.json.provider.nomad).toEqual([{ region: "lab" }]);
    expect(synth.json.provider.consul).toEqual([{ datacenter: "pve0" }]);
  });

  it("keeps state in Consul with locking, as the lab environment says", () => {
    // No address: Terraform reads CONSUL_HTTP_ADDR, so a deployer points the state wherever Consul is.
    expect(synth.json.terraform.backend.consul).toEqual({
      scheme: "https",
      path: "terraform/argo/nomad-test",
      lock: true,
      gzip: true,
    });
  });

  it("keeps state locally when no backend is configured, and in S3 when one is", () => {
    const local = labCopy();
    delete local.nomad!.backend;
    // Outside cdktf.out (which synth rewrites), next to cdktf.json.
    expect(synthNomad(local).json.terraform.backend).toEqual({
      local: { path: "../../../terraform.nomad-test.tfstate" },
    });
    const s3 = labCopy();
    s3.nomad!.backend = { kind: "s3", bucket: "argo-state", keyPrefix: "argo", region: "eu-west-1" };
    expect(synthNomad(s3).json.terraform.backend.s3).toEqual({
      bucket: "argo-state",
      key: "argo/nomad-test.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("records how each intent is realized, and warns about what Nomad cannot do", () => {
    const records = CapabilityReport.of(synth.stack).records;
    expect(records.find((r) => r.service === "query-api" && r.intent === "autoscaling")?.support).toBe("partial");
    expect(records.find((r) => r.service === "cadvisor" && r.intent === "update")?.support).toBe("unsupported");
    const warnings = synth.stack.application.node.metadata
      .filter((m) => m.type === "@cdktf/warn")
      .map((m) => String(m.data));
    expect(warnings.some((w) => w.includes("cadvisor: update"))).toBe(true);
    for (const service of app.services) {
      expect(records.filter((r) => r.service === service.name).map((r) => r.intent)).toEqual(
        expect.arrayContaining(["placement", "health", "update", "zones"]),
      );
    }
  });

  it("matches the snapshot", () => {
    expect(synth.json).toMatchSnapshot();
  });
});
