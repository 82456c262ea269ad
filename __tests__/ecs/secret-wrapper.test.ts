import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { AWS } from "../../environments";
import { EcsStack } from "../../stacks";
import { runWrapper } from "../real/secret-wrapper";

/** The wrappers that compose secrets ECS injects into other variables, run by busybox's sh. */
describe("ecs: secret wrappers, run by busybox", () => {
  const application = selectApplication(AWS.application, AWS.selection);
  const stack = new EcsStack(Testing.app() as App, "ecs-wrapper-test", {
    environment: AWS,
    target: AWS.ecs!,
    application,
  });
  const tasks = Object.values(JSON.parse(Testing.synth(stack)).resource.aws_ecs_task_definition) as any[];
  const wrapped = tasks
    .flatMap((t) => JSON.parse(t.container_definitions) as any[])
    .filter((c) => c.entryPoint?.[0] === "/bin/sh" && !c.name.endsWith("-config"))
    .map((c) => ({
      name: c.name as string,
      // Terraform fills in the database's address before ECS sees the definition.
      argv: [...c.entryPoint, ...(c.command ?? [])].map((arg: string) =>
        arg.replace(/\$\{aws_db_instance\.[\w-]+\.address\}/g, "argo.db.internal"),
      ) as string[],
      environment: Object.fromEntries(c.environment.map((e: any) => [e.name, e.value])) as Record<string, string>,
      secrets: c.secrets.map((s: any) => s.name as string),
    }));

  it("wraps the services that compose a secret into another variable", () => {
    expect(wrapped.map((c) => c.name)).toEqual(["postgres-exporter"]);
  });

  it.each(wrapped.map((c) => [c.name, c]))(
    "%s: composes the secret, percent-encoded in a URL",
    (_name, container: any) => {
      const secrets = Object.fromEntries(container.secrets.map((s: string) => [s, "p@ss/w:rd"]));
      const run = runWrapper(container.argv, { ...container.environment, ...secrets });
      expect(run.output).toBe("");
      const url = new URL(run.started!.DATA_SOURCE_NAME);
      expect(decodeURIComponent(url.password)).toBe("p@ss/w:rd");
      expect(url.host).toBe("argo.db.internal:5432");
    },
  );

  it.each(wrapped.map((c) => [c.name, c]))("%s: refuses to start when a secret is empty", (_name, container: any) => {
    const secrets = Object.fromEntries(container.secrets.map((s: string) => [s, ""]));
    const run = runWrapper(container.argv, { ...container.environment, ...secrets });
    expect(run.started).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/secret-env: secret .* is missing or empty/);
  });
});
