import { selectApplication } from "../../constructs/model";
import { envProblemsOf } from "../helpers";
import { awsCopy, synthAws } from "./synth";

const DIGEST = `sha256:${"a1".repeat(32)}`;

describe("image digests the environment supplies", () => {
  const env = awsCopy();
  env.selection.imageDigests = { "query-api": DIGEST, grafana: DIGEST };
  env.selection.imageTags = { grafana: "11.2.1" };

  it("pins the selected images by tag and digest, also after a tag is replaced", () => {
    const app = selectApplication(env.application, env.selection);
    expect(app.services.find((s) => s.name === "query-api")!.image).toMatchObject({ tag: "v1.0", digest: DIGEST });
    expect(app.services.find((s) => s.name === "grafana")!.image).toMatchObject({ tag: "11.2.1", digest: DIGEST });
    expect(app.services.find((s) => s.name === "admin-api")!.image.digest).toBeUndefined();
  });

  it("runs repository:tag@digest on ECS", () => {
    const ecs = synthAws("ecs", env);
    const image = (family: string) =>
      JSON.parse(
        ecs.list("aws_ecs_task_definition").find((t) => t.family === `argo-ecs-${family}`).container_definitions,
      )[0].image;
    expect(image("query-api")).toBe(`cadeke/argo-q-api:v1.0@${DIGEST}`);
    expect(image("grafana")).toBe(`grafana/grafana:11.2.1@${DIGEST}`);
    expect(image("admin-api")).toBe("cadeke/argo-a-api:v1.0");
  });

  it("runs repository:tag@digest on EKS", () => {
    const eks = synthAws("eks", env);
    const image = (name: string) =>
      [...eks.list("kubernetes_deployment_v1"), ...eks.list("kubernetes_stateful_set_v1")].find(
        (w) => w.metadata.name === name,
      ).spec.template.spec.container[0].image;
    expect(image("query-api")).toBe(`cadeke/argo-q-api:v1.0@${DIGEST}`);
    expect(image("grafana")).toBe(`grafana/grafana:11.2.1@${DIGEST}`);
  });

  it("refuses a digest of an unknown service and one that is no digest", () => {
    const broken = awsCopy();
    broken.selection.imageDigests = { "query-apii": DIGEST, "admin-api": "sha256:1234" };
    const problems = envProblemsOf(broken);
    expect(problems).toContain(
      'environments.aws.selection.imageDigests.query-apii: unknown service "query-apii": did you mean "query-api"? (known: query-api, admin-api, query-site, admin-site, ot-app, postgres, memcached, prometheus, ...)',
    );
    expect(problems).toContain(
      'environments.aws.selection.imageDigests.admin-api: "sha256:1234" is not a digest (expected sha256: followed by 64 hex digits, as `docker buildx imagetools inspect` prints it)',
    );
  });
});
