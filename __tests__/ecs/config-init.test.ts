import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { AWS } from "../../environments";
import { EcsStack } from "../../stacks";
import { runInBusyboxRoot } from "../real/busybox-root";

/** The init containers run by busybox's sh with the environment ECS passes them, as in the task. */
describe("ecs: configuration init containers, run by busybox", () => {
  const application = selectApplication(AWS.application, AWS.selection);
  const stack = new EcsStack(Testing.app() as App, "ecs-init-test", {
    environment: AWS,
    target: AWS.ecs!,
    application,
  });
  const json = JSON.parse(Testing.synth(stack));
  const tasks = Object.values(json.resource.aws_ecs_task_definition) as any[];
  const inits = tasks.flatMap((task) => {
    const containers: any[] = JSON.parse(task.container_definitions);
    return containers
      .filter((c) => c.name.endsWith("-config"))
      .map((init) => ({ family: task.family as string, init }));
  });

  it("exists for every service with generated files", () => {
    expect(inits.map((i) => i.init.name).sort()).toEqual([
      "alertmanager-config",
      "grafana-config",
      "loki-config",
      "prometheus-config",
    ]);
  });

  it.each(inits.map((i) => [i.init.name, i.init]))("%s: passes each file in its own variable", (_name, init: any) => {
    const names = init.environment.map((e: any) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(inits.map((i) => [i.init.name, i.init]))(
    "%s: writes every file with exactly its content",
    (_name, init: any) => {
      // ECS passes the list as the process environment: a repeated name keeps one value.
      const env: Record<string, string> = {};
      for (const { name, value } of init.environment) env[name] = value;
      const mounts = init.mountPoints.map((m: any) => m.containerPath);
      const run = runInBusyboxRoot([...init.entryPoint, ...init.command], env, { directories: mounts });
      try {
        expect(run.output).toBe("");
        expect(run.status).toBe(0);
        // Each file lands where the service container mounts its volume; the command names the targets.
        const written = [...init.command[0].matchAll(/> (\S+)/g)].map((m: RegExpMatchArray) => m[1]);
        const expected = init.environment.map((e: any) => e.value);
        expect(written.map((file) => readFileSync(join(run.root, file), "utf8")).sort()).toEqual([...expected].sort());
        for (const [i, file] of written.entries()) {
          const variable = new RegExp(`"\\$${init.environment[i].name}" > ${file.replace(/[.]/g, "\\.")}`);
          expect(init.command[0]).toMatch(variable);
        }
      } finally {
        run.dispose();
      }
    },
  );
});
