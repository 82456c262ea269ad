import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { LAB } from "../../environments";
import { SwarmLabStack } from "../../stacks";
import { runWrapper } from "../real/secret-wrapper";

/** The wrappers that read Swarm secrets into the environment, run by busybox's sh as the images run them. */
describe("swarm-lab: secret wrappers, run by busybox", () => {
  const application = selectApplication(LAB.application, LAB.selection);
  const stack = new SwarmLabStack(Testing.app() as App, "swarm-wrapper-test", {
    environment: LAB,
    target: LAB.swarm!,
    application,
  });
  const services = Object.values(JSON.parse(Testing.synth(stack)).resource.docker_service) as any[];
  const wrapped = services
    .map((s) => ({ name: s.name as string, spec: s.task_spec.container_spec }))
    .filter((s) => s.spec.command?.[0] === "/bin/sh")
    .map((s) => ({
      ...s,
      argv: [...s.spec.command, ...(s.spec.args ?? [])] as string[],
      files: (s.spec.secrets ?? []).map((x: any) => x.file_name as string),
    }));

  it("wraps the services whose images read secrets only from the environment", () => {
    expect(wrapped.map((s) => s.name).sort()).toEqual(["argo_admin-api", "argo_postgres-exporter", "argo_query-api"]);
  });

  it.each(wrapped.map((s) => [s.name, s]))(
    "%s: starts the command with each secret's content",
    (_name, service: any) => {
      const files = Object.fromEntries(service.files.map((f: string) => [f, { content: `value-of-${f}` }]));
      const run = runWrapper(service.argv, service.spec.env ?? {}, files);
      expect(run.output).toBe("");
      expect(run.started).toBeDefined();
      expect(Object.values(run.started!)).toEqual(
        expect.arrayContaining(service.files.map((f: string) => `value-of-${f}`)),
      );
    },
  );

  it.each(wrapped.map((s) => [s.name, s]))(
    "%s: refuses to start when a secret file is missing",
    (_name, service: any) => {
      const run = runWrapper(service.argv, service.spec.env ?? {}, {});
      expect(run.started).toBeUndefined();
      expect(run.status).not.toBe(0);
    },
  );

  it.each(wrapped.map((s) => [s.name, s]))(
    "%s: refuses to start when a secret file is empty",
    (_name, service: any) => {
      const files = Object.fromEntries(service.files.map((f: string) => [f, { content: "" }]));
      const run = runWrapper(service.argv, service.spec.env ?? {}, files);
      expect(run.started).toBeUndefined();
      expect(run.status).toBe(1);
      expect(run.output).toMatch(/secret-env: .* is missing or empty/);
    },
  );
});
