import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Service } from "@cdktf/provider-docker/lib/service";
import { Job } from "@cdktf/provider-nomad/lib/job";
import { NomadProvider } from "@cdktf/provider-nomad/lib/provider";
import { Variable } from "@cdktf/provider-nomad/lib/variable";
import { App, FROM_DEPLOYER_ENVIRONMENT, Testing, TerraformStack } from "../../constructs/cdktf";
import { applyPolicies, healthCheckRequired, suppressRule } from "../../constructs/policy";
import { imageTag } from "../../constructs/policy/image-tag-pinned";

/** A stack with one Nomad job whose task is built from `task`, checked by every policy rule. */
function stackWithTask(task: Record<string, unknown>, options: { checked?: boolean } = {}) {
  const app = Testing.app() as App;
  const stack = new TerraformStack(app, "policy-test");
  new NomadProvider(stack, "nomad", { address: FROM_DEPLOYER_ENVIRONMENT });
  const services =
    options.checked === false
      ? []
      : [
          {
            Name: "web",
            PortLabel: "http",
            Provider: "consul",
            Checks: [{ Name: "web", Type: "http", Path: "/", Interval: 1e10, Timeout: 2e9 }],
          },
        ];
  const job = new Job(stack, "job", {
    json: true,
    jobspec: JSON.stringify({
      Job: {
        ID: "web",
        Name: "web",
        Type: "service",
        TaskGroups: [
          {
            Name: "web",
            Count: 1,
            Services: services,
            Tasks: [{ Name: "web", Driver: "docker", Resources: { CPU: 100, MemoryMB: 64 }, ...task }],
          },
        ],
      },
    }),
  });
  applyPolicies(stack);
  // app.synth() is the path `npm run synth` takes: it fails on error annotations (Testing.synth does not).
  return { stack, job, synth: () => app.synth() };
}

const goodTask = { Config: { image: "nginx:1.27.1" } };

describe("policy rules", () => {
  it("accept a pinned, checked, sized workload without literal secrets", () => {
    const { synth } = stackWithTask(goodTask);
    expect(() => synth()).not.toThrow();
  });

  it.each([
    ["nginx:latest", 'web runs image "nginx:latest" by the moving tag latest'],
    ["nginx", 'web runs image "nginx" without a tag'],
    ["registry.local:5000/nginx", 'web runs image "registry.local:5000/nginx" without a tag'],
  ])("ARGO-IMAGE-PINNED fails synth for %s", (image, message) => {
    const { synth } = stackWithTask({ Config: { image } });
    expect(() => synth()).toThrow(`[ARGO-IMAGE-PINNED] ${message}`);
  });

  it("ARGO-IMAGE-PINNED accepts a digest", () => {
    expect(imageTag("nginx@sha256:" + "a".repeat(64))).toEqual({ tag: undefined, digest: "sha256:" + "a".repeat(64) });
    const { synth } = stackWithTask({ Config: { image: "nginx@sha256:" + "a".repeat(64) } });
    expect(() => synth()).not.toThrow();
  });

  it("ARGO-HEALTH-CHECK fails synth for a workload without a check", () => {
    const { synth } = stackWithTask(goodTask, { checked: false });
    expect(() => synth()).toThrow("[ARGO-HEALTH-CHECK] web has no health check");
  });

  it("ARGO-RESOURCES fails synth for a workload without CPU or memory", () => {
    const { synth } = stackWithTask({ ...goodTask, Resources: { CPU: 100 } });
    expect(() => synth()).toThrow("[ARGO-RESOURCES] web declares no memory");
  });

  it("ARGO-NO-LITERAL-SECRET fails synth for a literal password in a task environment", () => {
    const { synth } = stackWithTask({ ...goodTask, Env: { POSTGRES_PASSWORD: "admin" } });
    expect(() => synth()).toThrow(
      "[ARGO-NO-LITERAL-SECRET] web sets POSTGRES_PASSWORD to a literal value in its environment",
    );
  });

  it("ARGO-NO-LITERAL-SECRET fails synth for credentials in a URL", () => {
    const { synth } = stackWithTask({
      ...goodTask,
      Env: { DATA_SOURCE_NAME: "postgresql://argo:hunter2@db:5432/argodb" },
    });
    expect(() => synth()).toThrow("[ARGO-NO-LITERAL-SECRET] web sets DATA_SOURCE_NAME to a literal value");
  });

  it("ARGO-NO-LITERAL-SECRET fails synth for a literal secret in a resource attribute", () => {
    const { synth, stack } = stackWithTask(goodTask);
    new Variable(stack, "leak", { path: "nomad/jobs/web", items: { db_password: "admin" } });
    expect(() => synth()).toThrow("[ARGO-NO-LITERAL-SECRET] items.db_password is a literal value");
  });

  it("reports every finding of a synth together", () => {
    const { synth } = stackWithTask(
      { Config: { image: "nginx:latest" }, Resources: {}, Env: { API_TOKEN: "x" } },
      { checked: false },
    );
    let message = "";
    try {
      synth();
    } catch (error) {
      message = String(error);
    }
    for (const id of ["ARGO-IMAGE-PINNED", "ARGO-HEALTH-CHECK", "ARGO-RESOURCES", "ARGO-NO-LITERAL-SECRET"])
      expect(message).toContain(`[${id}]`);
  });

  it("judges Swarm services too: a docker_service without health check, memory or a pinned image fails synth", () => {
    const app = Testing.app() as App;
    const stack = new TerraformStack(app, "swarm-policy-test");
    new DockerProvider(stack, "docker", {});
    new Service(stack, "web", {
      name: "web",
      taskSpec: {
        containerSpec: { image: "nginx:latest", env: { API_TOKEN: "abc" } },
        resources: { limits: { nanoCpus: 1e8 } },
      },
    });
    applyPolicies(stack);
    let message = "";
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('[ARGO-IMAGE-PINNED] web runs image "nginx:latest" by the moving tag latest');
    expect(message).toContain("[ARGO-HEALTH-CHECK] web has no health check");
    expect(message).toContain("[ARGO-RESOURCES] web declares no memory");
    expect(message).toContain("[ARGO-NO-LITERAL-SECRET] web sets API_TOKEN to a literal value in its environment");
  });

  it("lets a construct be exempted from a rule with a written reason", () => {
    const { synth, job } = stackWithTask(goodTask, { checked: false });
    suppressRule(job, healthCheckRequired, "a batch-like client with no port");
    expect(() => synth()).not.toThrow();
    expect(job.node.metadata.map((m) => m.data)).toContain(
      "[ARGO-HEALTH-CHECK] suppressed: a batch-like client with no port",
    );
  });

  it("refuses an exemption without a reason", () => {
    const { job } = stackWithTask(goodTask);
    expect(() => suppressRule(job, healthCheckRequired, "  ")).toThrow(
      "suppressing ARGO-HEALTH-CHECK on policy-test/job needs a reason (got an empty string)",
    );
  });
});
