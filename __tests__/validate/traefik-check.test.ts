/** The Traefik check with the real Traefik 3.1.6 and its label decoders: passes on swarm-lab, fails on what Traefik ignores or refuses. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { LAB } from "../../environments";
import { SwarmLabStack } from "../../stacks";
import { TRAEFIK } from "../../tools/validate/checks/traefik";
import type { SynthesizedStack } from "../../tools/validate/stacks";
import type { Finding } from "../../tools/validate/types";

const swarm = (): SynthesizedStack => ({
  name: "swarm-lab",
  dir: "",
  config: JSON.parse(
    Testing.synth(
      new SwarmLabStack(Testing.app() as App, "swarm-test", {
        environment: LAB,
        target: LAB.swarm!,
        application: selectApplication(LAB.application, LAB.selection),
      }),
    ),
  ),
});

async function run(stack: SynthesizedStack): Promise<Finding[]> {
  const workDir = mkdtempSync(join(tmpdir(), "argo-traefik-test-"));
  try {
    const findings = await TRAEFIK.run([stack], workDir);
    const notRun = findings.filter((f) => f.outcome === "not-run");
    if (notRun.length)
      throw new Error(`not run (npm run toolchain installs Traefik): ${notRun.map((f) => f.detail).join("; ")}`);
    return findings;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
const failed = (findings: Finding[]) =>
  findings.filter((f) => f.outcome === "failed").map((f) => `${f.artifact}: ${f.detail}`);

function edited(edit: (services: Record<string, any>) => void): SynthesizedStack {
  const stack = swarm();
  const config = structuredClone(stack.config) as any;
  edit(config.resource.docker_service);
  return { ...stack, config };
}
/** Without the ingress service: a label test need not wait the seconds Traefik must run with good flags. */
function labelsOnly(stack: SynthesizedStack): SynthesizedStack {
  const config = structuredClone(stack.config) as any;
  for (const [name, service] of Object.entries<any>(config.resource.docker_service))
    if (/(^|\/)traefik:/.test(String(service.task_spec?.container_spec?.image ?? "")))
      delete config.resource.docker_service[name];
  return { ...stack, config };
}
const routed = (services: Record<string, any>) =>
  Object.values(services).find((s) => s.labels?.some((l: any) => l.label === "traefik.enable"));

describe("validate: Traefik reads swarm-lab's labels and flags", () => {
  it("accepts every routed service's labels and the ingress' flags", async () => {
    const findings = await run(swarm());
    expect(failed(findings)).toEqual([]);
    expect(findings.filter((f) => f.artifact.endsWith("labels")).length).toBeGreaterThanOrEqual(5);
    expect(findings.filter((f) => f.artifact.endsWith("flags") && f.outcome === "ok")).toHaveLength(1);
  });

  it("refuses a label Traefik 3.1 ignores (traefik.swarm.network: 3.1 reads traefik.docker.* on Swarm too)", async () => {
    const stack = edited((services) => {
      const service = routed(services);
      service.labels = service.labels.map((l: any) =>
        l.label === "traefik.docker.network" ? { ...l, label: "traefik.swarm.network" } : l,
      );
    });
    expect(failed(await run(labelsOnly(stack)))).toEqual([
      expect.stringContaining("Traefik ignores [traefik.swarm.network]"),
    ]);
  });

  it("refuses a misspelt router option", async () => {
    const stack = edited((services) => {
      const service = routed(services);
      service.labels = service.labels.map((l: any) =>
        l.label.endsWith(".rule") ? { ...l, label: l.label.replace(/\.rule$/, ".rules") } : l,
      );
    });
    expect(failed(await run(labelsOnly(stack)))).toEqual([expect.stringContaining("field not found, node: rules")]);
  });

  it("refuses a static flag Traefik does not know", async () => {
    const stack = edited((services) => {
      const ingress = Object.values(services).find((s: any) => /traefik:/.test(s.task_spec.container_spec.image));
      ingress.task_spec.container_spec.args = [
        ...ingress.task_spec.container_spec.args,
        "--providers.swarm.exposedbydefaults=false",
      ];
    });
    expect(failed(await run(stack))).toEqual([expect.stringMatching(/flags:.*exposedbydefaults/s)]);
  });
});
