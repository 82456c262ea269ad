/**
 * Names a platform keeps for itself, and the other mistakes that used to pass validation and then crash synth
 * (a construct-tree error) or render two volumes of one name: each is reported with its path, the value and
 * what was expected. The reserved names are checked against the construct trees the platforms build.
 */
import { App, Testing, type IConstruct, type TerraformStack } from "../../constructs/cdktf";
import { ECS_RESERVED_NAMES } from "../../constructs/ecs/reserved-names";
import { KUBERNETES_RESERVED_NAMES } from "../../constructs/kubernetes/reserved-names";
import { selectApplication, reservedUse, type Application, type ReservedNames } from "../../constructs/model";
import { NOMAD_RESERVED_NAMES } from "../../constructs/nomad/reserved-names";
import { SWARM_RESERVED_NAMES } from "../../constructs/swarm/reserved-names";
import { AWS, LAB, type Environment } from "../../environments";
import { EcsStack, EksStack, NomadLabStack, SwarmLabStack } from "../../stacks";
import { envProblemsOf, problemsOf, argoCopy, serviceOf, jobsOf, synthNomad } from "../helpers";

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
const copyOf = (env: Environment) => structuredClone(env) as Mutable<Environment>;

/** `env` with one more service, a copy of query-site named `name` (nothing refers to it). */
function withExtraService(env: Environment, name: string): Mutable<Environment> {
  const copy = copyOf(env);
  const site = copy.application.services.find((s) => s.name === "query-site")!;
  copy.application.services.push({ ...structuredClone(site), name });
  return copy;
}

describe("names a platform reserves", () => {
  it.each([
    [
      "ecs",
      "alb",
      AWS,
      `services.alb.name: "alb" is reserved on ecs: the load balancer's security group has that name, and synth would make two objects of it (expected a service name other than alb, endpoints, efs, exec)`,
    ],
    [
      "ecs",
      "efs",
      AWS,
      `services.efs.name: "efs" is reserved on ecs: the file system's security group has that name, and synth would make two objects of it (expected a service name other than alb, endpoints, efs, exec)`,
    ],
    [
      "eks",
      "ingress",
      AWS,
      `services.ingress.name: "ingress" is reserved on eks: the ALB ingress has that name, and synth would make two objects of it (expected a service name other than namespace, storage-class, network-policies, ingress, default-deny, dns)`,
    ],
    [
      "nomad",
      "fabio",
      LAB,
      `services.fabio.name: "fabio" is reserved on nomad: the Fabio router's system job has that name, and synth would make two objects of it (expected a service name other than fabio, mesh, secrets)`,
    ],
    [
      "swarm",
      "ingress",
      LAB,
      `services.ingress.name: "ingress" is reserved on swarm: the ingress proxy's service has that name, and synth would make two objects of it (expected a service name other than ingress, docker-api-proxy)`,
    ],
  ] as const)("on %s: a service named %s", (_platform, name, env: Environment, message) => {
    expect(envProblemsOf(withExtraService(env, name))).toContain(message);
  });

  it("reports a reserved name only where a target of the environment reserves it", () => {
    const lab = withExtraService(LAB, "alb");
    expect(envProblemsOf(lab).filter((p) => p.includes('"alb"'))).toEqual([]);
  });

  it("on eks and ecs: a volume named tmp, which both add for a read-only root filesystem", () => {
    const env = copyOf(AWS);
    serviceOf(env.application, "alertmanager").volumes![0].name = "tmp";
    const problems = envProblemsOf(env);
    for (const platform of ["eks", "ecs"])
      expect(problems).toContain(
        `services.alertmanager.volumes[0].name: "tmp" is reserved on ${platform}: the writable /tmp of a read-only root filesystem has that name, and synth would make two objects of it (expected a volume name other than ${platform === "eks" ? "tmp, config, config-*" : "tmp, alertmanager-config*"})`,
      );
  });

  it("on eks: a volume named like a configuration volume", () => {
    const env = copyOf(AWS);
    serviceOf(env.application, "alertmanager").volumes![0].name = "config";
    expect(envProblemsOf(env)).toContain(
      `services.alertmanager.volumes[0].name: "config" is reserved on eks: the volume of the service's configuration files has that name, and synth would make two objects of it (expected a volume name other than tmp, config, config-*)`,
    );
  });

  it("on nomad: a volume named consul-ca in a service that discovers through Consul", () => {
    const env = copyOf(LAB);
    serviceOf(env.application, "prometheus").volumes![0].name = "consul-ca";
    expect(envProblemsOf(env)).toContain(
      `services.prometheus.volumes[0].name: "consul-ca" is reserved on nomad: the Consul CA that a Consul-discovering task mounts from its client has that name, and synth would make two objects of it (expected a volume name other than consul-ca)`,
    );
  });

  it("on nomad: two host paths the clients would offer under one host volume name", () => {
    const env = copyOf(LAB);
    serviceOf(env.application, "node-exporter").volumes!.push({
      kind: "host",
      name: "docker-dot",
      hostPath: "/var/lib.docker",
      mountPath: "/host/docker",
    });
    expect(envProblemsOf(env)).toContain(
      `environments.lab.application.services.node-exporter.volumes: host path "/var/lib.docker" and "/var/lib/docker" would both be the Nomad clients' host volume "host-var-lib-docker" (expected host paths that differ in more than punctuation)`,
    );
  });

  it("on nomad: a persistent volume placement named like the clients' node paths", () => {
    const env = copyOf(LAB);
    env.nomad!.hostVolumes["host-root"] = { client: "vs0", path: "/srv/argo/x" };
    expect(envProblemsOf(env)).toContain(
      `environments.lab.nomad.hostVolumes.host-root: "host-root" starts with "host-", which names the node paths the clients offer jobs (expected a persistent volume name without that prefix)`,
    );
  });

  it("on swarm: a zone named edge", () => {
    const env = copyOf(LAB);
    const zone = env.application.zones.find((z) => z.name === "sites")!;
    zone.name = "edge";
    for (const s of env.application.services) s.zones = s.zones.map((z) => (z === "sites" ? "edge" : z));
    env.selection.zoneSubnets = Object.fromEntries(
      Object.entries(env.selection.zoneSubnets ?? {}).map(([k, v]) => [k === "sites" ? "edge" : k, v]),
    );
    expect(envProblemsOf(env)).toContain(
      `zones.edge.name: "edge" is reserved on swarm: the overlay network of the ingress proxy and the services it routes to has that name, and synth would make two objects of it (expected a zone name other than edge)`,
    );
  });
});

/**
 * The construct ids a platform gives its own objects where it also names constructs after services (`<id>`,
 * `service-<id>`, `<id>-logs`): each would clash with a service of that name.
 */
function clashingNames(stack: TerraformStack, names: readonly string[]): Set<string> {
  const clashes = new Set<string>();
  const derived = (id: string) =>
    names.flatMap((name) => {
      const at = id.indexOf(name);
      if (at < 0) return [];
      const prefix = id.slice(0, at);
      const suffix = id.slice(at + name.length);
      return (prefix === "" || prefix.endsWith("-")) && (suffix === "" || suffix.startsWith("-"))
        ? [{ name, prefix, suffix }]
        : [];
    });
  const scopes: IConstruct[] = [stack, ...stack.node.findAll()];
  for (const scope of scopes) {
    const ids = scope.node.children.map((c) => c.node.id);
    const affixes = new Map<string, Set<string>>();
    for (const id of ids)
      for (const d of derived(id)) {
        const key = `${d.prefix}\u0000${d.suffix}`;
        affixes.set(key, (affixes.get(key) ?? new Set()).add(d.name));
      }
    // An affix used for several services is how this scope names a service's constructs.
    const serviceWise = [...affixes].filter(([, of]) => of.size >= 3).map(([key]) => key.split("\u0000"));
    // Security-group rules (`<group>-from-<peer>-<port>`) name two parties and a port: no plausible service name.
    const rule = /-(from|to)-.+-\d+$/;
    for (const id of ids.filter((i) => derived(i).length === 0 && !rule.test(i)))
      for (const [prefix, suffix] of serviceWise) {
        if (!id.startsWith(prefix) || !id.endsWith(suffix)) continue;
        const base = id.slice(prefix.length, id.length - suffix.length);
        if (/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(base)) clashes.add(base);
      }
  }
  return clashes;
}

describe("each platform's declared reserved names are the names its construct tree uses", () => {
  const platforms: [
    string,
    Environment,
    ReservedNames,
    (app: App, env: Environment, a: Application) => TerraformStack,
  ][] = [
    [
      "nomad",
      LAB,
      NOMAD_RESERVED_NAMES,
      (app, env, a) => new NomadLabStack(app, "s", { environment: env, target: env.nomad!, application: a }),
    ],
    [
      "swarm",
      LAB,
      SWARM_RESERVED_NAMES,
      (app, env, a) => new SwarmLabStack(app, "s", { environment: env, target: env.swarm!, application: a }),
    ],
    [
      "eks",
      AWS,
      KUBERNETES_RESERVED_NAMES,
      (app, env, a) => new EksStack(app, "s", { environment: env, target: env.eks!, application: a }),
    ],
    [
      "ecs",
      AWS,
      ECS_RESERVED_NAMES,
      (app, env, a) => new EcsStack(app, "s", { environment: env, target: env.ecs!, application: a }),
    ],
  ];

  it.each(platforms)("%s", (_platform, env, reserved, build) => {
    const application = selectApplication(env.application, env.selection);
    const stack = build(Testing.app() as App, env, application);
    const services = clashingNames(
      stack,
      application.services.map((s) => s.name),
    );
    const zones = clashingNames(
      stack,
      application.zones.map((z) => z.name),
    );
    // Every clash found is declared, and every declared name is a clash found (nothing stale).
    expect([...services].filter((n) => !reservedUse(reserved.services, n))).toEqual([]);
    expect(Object.keys(reserved.services ?? {}).filter((n) => !services.has(n))).toEqual([]);
    expect([...zones].filter((n) => !reservedUse(reserved.zones, n))).toEqual([]);
    expect(Object.keys(reserved.zones ?? {}).filter((n) => !zones.has(n))).toEqual([]);
  });

  it("nomad: every volume it adds to a job's group is reserved", () => {
    const application = selectApplication(LAB.application, LAB.selection);
    const added: string[] = [];
    for (const [id, job] of jobsOf(synthNomad())) {
      const spec = application.services.find((s) => s.name === id);
      if (!spec) continue; // Fabio: the platform's own job
      const model = new Set((spec.volumes ?? []).map((v) => v.name));
      for (const name of Object.keys(job.TaskGroups[0].Volumes ?? {}))
        if (!model.has(name) && !reservedUse(NOMAD_RESERVED_NAMES.volumes, name, spec)) added.push(`${id}: ${name}`);
    }
    expect(added).toEqual([]);
  });

  it.each([
    ["eks", KUBERNETES_RESERVED_NAMES],
    ["ecs", ECS_RESERVED_NAMES],
  ] as const)("%s: every volume it adds to a workload is reserved", (platform, reserved) => {
    const application = selectApplication(AWS.application, AWS.selection);
    const app = Testing.app() as App;
    const json = JSON.parse(
      Testing.synth(
        platform === "eks"
          ? new EksStack(app, "s", { environment: AWS, target: AWS.eks!, application })
          : new EcsStack(app, "s", { environment: AWS, target: AWS.ecs!, application }),
      ),
    );
    const added: string[] = [];
    const check = (service: string, volumes: { name: string }[]) => {
      const spec = application.services.find((s) => s.name === service)!;
      const model = new Set((spec.volumes ?? []).map((v) => v.name));
      for (const { name } of volumes)
        if (!model.has(name) && !reservedUse(reserved.volumes, name, spec)) added.push(`${service}: ${name}`);
    };
    let workloads = 0;
    if (platform === "eks") {
      for (const type of ["kubernetes_deployment_v1", "kubernetes_stateful_set_v1", "kubernetes_daemon_set_v1"])
        for (const w of Object.values<any>(json.resource[type] ?? {})) {
          workloads++;
          check(w.metadata.name, w.spec.template.spec.volume ?? []);
        }
    } else {
      for (const task of Object.values<any>(json.resource.aws_ecs_task_definition ?? {})) {
        workloads++;
        check(JSON.parse(task.container_definitions)[0].name, task.volume ?? []);
      }
    }
    expect(workloads).toBeGreaterThan(5);
    expect(added).toEqual([]);
  });
});

describe("other names and values that crashed synth or were accepted", () => {
  it("rejects a persistent volume name another service already uses", () => {
    const app = argoCopy();
    serviceOf(app, "prometheus").volumes![0].name = "grafana-data";
    expect(problemsOf(app)).toContain(
      `services.grafana.volumes[0].name: duplicate persistent volume name "grafana-data" (already a volume of service "prometheus"); environments place persistent volumes by name, so each needs its own (expected a name no other service's persistent volume has)`,
    );
  });

  it("rejects a volume name used twice in one service", () => {
    const app = argoCopy();
    const cadvisor = serviceOf(app, "cadvisor");
    cadvisor.volumes![1].name = cadvisor.volumes![0].name;
    expect(problemsOf(app)).toContain(`services.cadvisor.volumes[1].name: duplicate volume name "rootfs"`);
  });

  it("rejects an empty image repository", () => {
    const app = argoCopy();
    serviceOf(app, "memcached").image = { ...serviceOf(app, "memcached").image, repository: " " };
    expect(problemsOf(app)).toContain(
      'services.memcached.image.repository: is empty (expected an image repository such as "postgres" or "grafana/grafana")',
    );
  });

  it.each(["0.0.0.0/0", "::/0"])("rejects %s as an admin CIDR", (cidr) => {
    const env = copyOf(LAB);
    env.adminCidrs = ["192.168.10.0/24", cidr];
    expect(envProblemsOf(env)).toContain(
      `environments.lab.adminCidrs[1]: "${cidr}" admits every address to the admin-only routes (/admin/, /api/get, /api/list, /api/add, ...); list your administrators' ranges (expected e.g. "198.51.100.32/28")`,
    );
  });
});
