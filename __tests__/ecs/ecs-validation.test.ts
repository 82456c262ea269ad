import { fargateSizeFor, isFargateSize, FARGATE_SIZES } from "../../constructs/ecs/fargate-sizes";
import { deploymentPercents } from "../../constructs/ecs/plan";
import { ARGO } from "../../constructs/model";
import { AWS, type Environment } from "../../environments";
import { envProblemsOf } from "../helpers";

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

const awsCopy = () => structuredClone(AWS) as Mutable<Environment>;
const serviceIn = (env: Mutable<Environment>, name: string) => env.application.services.find((s) => s.name === name)!;

describe("Fargate sizes", () => {
  it("maps a request up to the smallest size that covers it", () => {
    expect(fargateSizeFor(250, 128)).toEqual({ cpu: 256, memoryMiB: 512 });
    expect(fargateSizeFor(100, 2048)).toEqual({ cpu: 256, memoryMiB: 2048 });
    expect(fargateSizeFor(250, 3000)).toEqual({ cpu: 512, memoryMiB: 3072 });
    expect(fargateSizeFor(1000, 1024)).toEqual({ cpu: 1024, memoryMiB: 2048 });
    expect(fargateSizeFor(1001, 1024)).toEqual({ cpu: 2048, memoryMiB: 4096 });
    expect(fargateSizeFor(4000, 40000)).toEqual({ cpu: 8192, memoryMiB: 40960 });
    expect(fargateSizeFor(16000, 122880)).toEqual({ cpu: 16384, memoryMiB: 122880 });
  });

  it("finds nothing beyond 16 vCPU or 120 GiB", () => {
    expect(fargateSizeFor(16001, 32768)).toBeUndefined();
    expect(fargateSizeFor(1000, 122881)).toBeUndefined();
  });

  it("holds exactly the published combinations", () => {
    expect([...FARGATE_SIZES.keys()]).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
    expect(isFargateSize({ cpu: 256, memoryMiB: 2048 })).toBe(true);
    expect(isFargateSize({ cpu: 256, memoryMiB: 3072 })).toBe(false);
    expect(isFargateSize({ cpu: 4096, memoryMiB: 30720 })).toBe(true);
    expect(isFargateSize({ cpu: 8192, memoryMiB: 20480 })).toBe(true);
    expect(isFargateSize({ cpu: 8192, memoryMiB: 18432 })).toBe(false);
    expect(FARGATE_SIZES.get(16384)).toHaveLength(12);
  });

  it("sizes every ARGO service", () => {
    for (const service of ARGO.services)
      expect(fargateSizeFor(service.resources!.cpuMillicores, service.resources!.memoryMiB)).toBeDefined();
  });
});

describe("rolling deployments", () => {
  const service = (order: "start-first" | "stop-first") => ({ ...ARGO.services[0], update: { order } });
  it("keeps every task serving when starting first, adding about one task at a time", () => {
    expect(deploymentPercents(service("start-first"), 1)).toEqual({ minimumHealthyPercent: 100, maximumPercent: 200 });
    expect(deploymentPercents(service("start-first"), 2)).toEqual({ minimumHealthyPercent: 100, maximumPercent: 150 });
    expect(deploymentPercents(service("start-first"), 4)).toEqual({ minimumHealthyPercent: 100, maximumPercent: 125 });
  });
  it("stops the single writer of a volume before its replacement starts", () => {
    expect(deploymentPercents(service("stop-first"), 1)).toEqual({ minimumHealthyPercent: 0, maximumPercent: 100 });
  });
});

describe("ecs environment validation", () => {
  it("accepts the aws environment", () => {
    expect(envProblemsOf(AWS)).toEqual([]);
  });

  it("refuses a service no Fargate size can run, listing the valid sizes", () => {
    const env = awsCopy();
    serviceIn(env, "query-api").resources = { cpuMillicores: 20000, memoryMiB: 128 };
    expect(envProblemsOf(env)).toContain(
      'environments.aws.ecs: service "query-api" needs 20000 millicores / 128 MiB, which no Fargate size covers (valid: 256 CPU with 512, 1024 or 2048 MiB; 512 CPU with 1024 to 4096 MiB in steps of 1024; 1024 CPU with 2048 to 8192 MiB in steps of 1024; 2048 CPU with 4096 to 16384 MiB in steps of 1024; 4096 CPU with 8192 to 30720 MiB in steps of 1024; 8192 CPU with 16384 to 61440 MiB in steps of 4096; 16384 CPU with 32768 to 122880 MiB in steps of 8192)',
    );
  });

  it("refuses task sizes Fargate does not run, sizes below the model's, and sizes for services that are not tasks", () => {
    const env = awsCopy();
    serviceIn(env, "grafana").resources = { cpuMillicores: 500, memoryMiB: 512 };
    env.ecs!.taskSizes = {
      "admin-api": { cpu: 256, memoryMiB: 4096 },
      "ot-app": { cpu: 300, memoryMiB: 512 },
      grafana: { cpu: 256, memoryMiB: 512 },
      postgres: { cpu: 1024, memoryMiB: 2048 },
      cadvisor: { cpu: 256, memoryMiB: 512 },
      "query-apii": { cpu: 256, memoryMiB: 512 },
      "query-api": { cpu: 512, memoryMiB: 2048 },
    };
    const problems = envProblemsOf(env);
    expect(problems).toEqual([
      "environments.aws.ecs.taskSizes.admin-api: 256 CPU units with 4096 MiB is not a Fargate size (valid with 256: 512, 1024 or 2048 MiB)",
      "environments.aws.ecs.taskSizes.ot-app: 300 CPU units is not a Fargate CPU size (valid: 256, 512, 1024, 2048, 4096, 8192, 16384)",
      "environments.aws.ecs.taskSizes.grafana: 256 CPU units with 512 MiB is less than the model gives grafana (500 millicores, 512 MiB)",
      'environments.aws.ecs.taskSizes.postgres: "postgres" does not run as a Fargate task here (Amazon RDS for PostgreSQL)',
      'environments.aws.ecs.taskSizes.cadvisor: "cadvisor" does not run as a Fargate task here (not run on Fargate)',
      'environments.aws.ecs.taskSizes.query-apii: unknown service "query-apii": did you mean "query-api"? (Fargate tasks here: query-api, admin-api, query-site, admin-site, ot-app, prometheus, grafana, postgres-exporter, ...)',
    ]);
  });

  it("refuses services that mount host paths", () => {
    const env = awsCopy();
    env.selection.optionalServices = ["gitlab", "gitlab-runner"];
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.ecs: service "gitlab-runner" mounts the host path /var/run/docker.sock, which Fargate cannot provide (leave the service out of this environment, or run it on a platform with nodes of its own)',
    ]);
  });

  it("refuses more admin CIDRs than an ALB rule can hold", () => {
    const env = awsCopy();
    env.adminCidrs = ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24", "10.0.0.0/8", "172.16.0.0/12"];
    expect(envProblemsOf(env)).toEqual([
      "environments.aws.adminCidrs: lists 5 ranges, but the ecs stack's admin-only ALB rules hold at most 4 (an ALB rule takes 5 condition values and one is its path); merge ranges or use fewer",
    ]);
  });

  it("refuses a malformed cache choice and namespace", () => {
    const env = awsCopy();
    env.ecs!.bindings = {
      ...env.ecs!.bindings,
      memcached: { kind: "elasticache", nodeType: "t4g.small", engineVersion: "1.6" },
    };
    env.ecs!.serviceDiscoveryNamespace = "Argo_local";
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.ecs.bindings.memcached.nodeType: "t4g.small" is not an ElastiCache node type such as cache.t4g.small',
      'environments.aws.ecs.bindings.memcached.engineVersion: "1.6" is not a pinned Memcached 1.6 version such as 1.6.22',
      'environments.aws.ecs.serviceDiscoveryNamespace: "Argo_local" is not a private DNS domain such as argo.internal',
    ]);
  });
});

describe("ecs routes", () => {
  it("refuses a route to a service that does not run as tasks", () => {
    const env = awsCopy();
    env.application.routes.push({ pathPrefix: "/node/", service: "node-exporter", port: "metrics" });
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.ecs: route /node/ leads to "node-exporter", which the load balancer cannot reach here (not run on Fargate)',
    ]);
  });
});

describe("ecs names", () => {
  it("refuses an ECS cluster named like the EKS cluster of the same environment (IAM names are account-wide)", () => {
    const env = awsCopy();
    env.ecs!.clusterName = env.eks!.clusterName;
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.ecs.clusterName: "argo" is also eks.clusterName; both stacks name account-wide resources after it (IAM roles, KMS aliases, the database), which would clash in one account (choose e.g. "argo-ecs")',
    ]);
  });
});
