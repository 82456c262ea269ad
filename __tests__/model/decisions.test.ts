import { dockerHealthcheck } from "../../constructs/docker-healthcheck";
import {
  cpuLimitOf,
  DEFAULT_HEALTH_FAILURE_THRESHOLD,
  DEFAULT_HEALTH_START_PERIOD_SEC,
  formatProblem,
  healthTimingOf,
  primaryPortOf,
  selectApplication,
  validateApplication,
  type Application,
  type ServiceSpec,
} from "../../constructs/model";
import { planSwarmDeployment } from "../../constructs/swarm/deployment";
import { LAB, type Environment } from "../../environments";
import { awsCopy, synthAws } from "../aws/synth";
import { consulServiceName } from "../../constructs/nomad/plan";
import { argoCopy, serviceOf } from "../helpers";

const twoPorts = (primaryPort?: string): ServiceSpec => ({
  ...serviceOf(argoCopy(), "query-api"),
  ports: [
    { name: "admin", containerPort: 9000, protocol: "http" },
    { name: "http", containerPort: 8080, protocol: "http" },
  ],
  primaryPort,
});

describe("the primary port is the model's", () => {
  it("is the first port by default, or the one the model names", () => {
    expect(primaryPortOf(twoPorts())?.name).toBe("admin");
    expect(primaryPortOf(twoPorts("http"))?.name).toBe("http");
    expect(primaryPortOf({ ...twoPorts(), ports: [] })).toBeUndefined();
  });

  it("names the service's Consul service after it on Nomad", () => {
    const service = twoPorts("http");
    expect(consulServiceName(service, service.ports[1])).toBe("query-api");
    expect(consulServiceName(service, service.ports[0])).toBe("query-api-admin");
  });

  it("must be one of the service's ports", () => {
    const app = argoCopy();
    serviceOf(app, "query-api").primaryPort = "htp";
    expect(validateApplication(app).map(formatProblem)).toEqual([
      'services.query-api.primaryPort: unknown port "htp" on service "query-api": did you mean "http"? (known: http)',
    ]);
  });
});

describe("health-check failure threshold and start period are the model's", () => {
  const check = { type: "http", port: "http", path: "/health", intervalSec: 3, timeoutSec: 2 } as const;

  it("default to what every platform used before: 3 failures, 10 s", () => {
    expect(healthTimingOf(check)).toEqual({ failureThreshold: 3, startPeriodSec: 10 });
    expect(DEFAULT_HEALTH_FAILURE_THRESHOLD).toBe(3);
    expect(DEFAULT_HEALTH_START_PERIOD_SEC).toBe(10);
  });

  it("are validated", () => {
    const app = argoCopy();
    const api = serviceOf(app, "query-api");
    api.healthCheck = { ...check, failureThreshold: 0, startPeriodSec: -1 };
    expect(validateApplication(app).map(formatProblem)).toEqual([
      "services.query-api.healthCheck.failureThreshold: must be a whole number of at least 1 (got 0)",
      "services.query-api.healthCheck.startPeriodSec: must be a whole number of seconds, 0 or more (got -1)",
    ]);
  });

  it("reach Docker's retries and start period", () => {
    const service = serviceOf(argoCopy(), "query-api");
    expect(dockerHealthcheck(service, { ...check, failureThreshold: 5, startPeriodSec: 40 })).toMatchObject({
      retries: 5,
      startPeriodSec: 40,
    });
  });

  it("reach the ALB's unhealthy threshold and Kubernetes' probes", () => {
    const env = awsCopy();
    const api = env.application.services.find((s) => s.name === "query-api")!;
    api.healthCheck = { ...api.healthCheck!, failureThreshold: 5, startPeriodSec: 40 };
    const groups = Object.entries(synthAws("ecs", env as Environment).resources("aws_lb_target_group"));
    const threshold = (service: string) => groups.find(([key]) => key.includes(service))?.[1].health_check;
    expect(threshold("query-api").unhealthy_threshold).toBe(5);
    expect(threshold("admin-api").unhealthy_threshold).toBe(3);
    const pod = synthAws("eks", env as Environment)
      .list("kubernetes_deployment_v1")
      .find((d) => d.metadata.name === "query-api").spec.template.spec.container[0];
    expect(pod.readiness_probe).toMatchObject({ failure_threshold: 5, initial_delay_seconds: 0 });
    expect(pod.liveness_probe).toMatchObject({ failure_threshold: 10, initial_delay_seconds: 120 });
  });
});

describe("the CPU limit and the replicas at deploy time are the model's", () => {
  const swarmService = (app: Application, name: string) =>
    planSwarmDeployment({
      app: selectApplication(app, LAB.selection),
      target: LAB.swarm!,
      adminCidrs: LAB.adminCidrs,
      secretValue: (n) => n,
    }).services.find((s) => s.key === name)!;

  it("limits CPU to what the service is given unless the model allows more", () => {
    const app = argoCopy();
    expect(cpuLimitOf(serviceOf(app, "query-api").resources!)).toBe(250);
    serviceOf(app, "query-api").resources = { cpuMillicores: 250, memoryMiB: 128, cpuLimitMillicores: 750 };
    expect(swarmService(app, "query-api")).toMatchObject({ limits: { cpus: 0.75 }, reservations: { cpus: 0.25 } });
    expect(swarmService(app, "admin-api")).toMatchObject({ limits: { cpus: 0.25 }, reservations: { cpus: 0.25 } });
  });

  it("refuses a CPU limit below what the service is given", () => {
    const app = argoCopy();
    serviceOf(app, "query-api").resources = { cpuMillicores: 250, memoryMiB: 128, cpuLimitMillicores: 100 };
    expect(validateApplication(app).map(formatProblem)).toEqual([
      "services.query-api.resources.cpuLimitMillicores: must be a whole number of millicores, at least cpuMillicores (250); got 100",
    ]);
  });

  it("reaches Kubernetes: limits.cpu from the model, and the model's replicas under autoscaling", () => {
    const env = awsCopy();
    const api = env.application.services.find((s) => s.name === "query-api")!;
    api.placement = { kind: "replicated", replicas: 3 };
    api.resources = { ...api.resources!, cpuLimitMillicores: 1000 };
    const deployments = synthAws("eks", env as Environment).list("kubernetes_deployment_v1");
    const of = (name: string) => deployments.find((d) => d.metadata.name === name).spec;
    expect(of("query-api").replicas).toBe("3");
    expect(of("query-api").template.spec.container[0].resources.limits.cpu).toBe("1000m");
    expect(of("admin-api").template.spec.container[0].resources).toMatchObject({
      requests: { cpu: "250m" },
      limits: { cpu: "250m" },
    });
  });
});
