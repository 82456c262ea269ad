/**
 * swarm-lab's ingress as Traefik 3.1.6 reads it: every service's `traefik.*` labels through Traefik's own label
 * decoders (a key it would ignore is an error), and the ingress' static flags by the real Traefik, which
 * refuses an unknown flag at start; a Traefik still running after a few seconds accepted them.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { VERSIONS } from "../../toolchain/paths";
import { pinnedTool, runProgram } from "../programs";
import { resourcesOf } from "../stacks";
import type { Check, Finding } from "../types";
import { renderTerraformTemplate } from "../terraform-render";

const TRAEFIK_VERSION = VERSIONS.go.traefik.version;

/** Seconds Traefik must keep running with the flags: configuration errors stop it within the first. */
const ACCEPTED_AFTER_SEC = 3;

export const TRAEFIK: Check = {
  name: `traefik ${TRAEFIK_VERSION}: Swarm service labels and the ingress' flags`,
  run(stacks, workDir) {
    const labelsTool = pinnedTool("traefik-labels");
    const traefik = pinnedTool("traefik");
    const findings: Finding[] = [];
    for (const stack of stacks) {
      const services = resourcesOf(stack, "docker_service");
      const labelled = Object.fromEntries(
        services
          .map(
            (s) =>
              [
                s.address,
                Object.fromEntries(
                  ((s.body.labels as { label: string; value: string }[] | undefined) ?? []).map((l) => [
                    l.label,
                    renderTerraformTemplate(l.value),
                  ]),
                ),
              ] as const,
          )
          .filter(([, labels]) => Object.keys(labels).some((k) => k.startsWith("traefik."))),
      );
      if (Object.keys(labelled).length > 0) {
        if (!labelsTool.found)
          findings.push({
            artifact: `${stack.name} docker_service labels`,
            outcome: "not-run",
            detail: labelsTool.reason,
          });
        else {
          const file = join(workDir, `${stack.name}-traefik-labels.json`);
          writeFileSync(file, JSON.stringify(labelled));
          const run = runProgram(labelsTool.path, [file]);
          for (const line of run.stdout.trim().split("\n").filter(Boolean)) {
            const [address, ...rest] = line.split(": ");
            const verdict = rest.join(": ");
            findings.push(
              verdict.startsWith("ok")
                ? { artifact: `${stack.name} ${address} labels`, outcome: "ok" }
                : { artifact: `${stack.name} ${address} labels`, outcome: "failed", detail: verdict },
            );
          }
          if (run.status !== 0 && run.status !== 1)
            findings.push({ artifact: `${stack.name} labels`, outcome: "failed", detail: run.output });
        }
      }
      for (const ingress of services.filter((s) =>
        /(^|\/)traefik:/.test(String((s.body.task_spec as any)?.container_spec?.image ?? "")),
      )) {
        const artifact = `${stack.name} ${ingress.address} flags`;
        if (!traefik.found) {
          findings.push({ artifact, outcome: "not-run", detail: traefik.reason });
          continue;
        }
        const args: string[] = ((ingress.body.task_spec as any).container_spec.args ?? []).map((a: string) =>
          renderTerraformTemplate(a),
        );
        findings.push(flagsAccepted(traefik.path, args, artifact));
      }
    }
    return findings;
  },
};

/** Traefik started with `args` in a private network namespace (its ports are its own), stopped after a while. */
function flagsAccepted(traefik: string, args: readonly string[], artifact: string): Finding {
  const script = `ip link set lo up; timeout ${ACCEPTED_AFTER_SEC} "$@"; status=$?; [ $status -eq 124 ] && exit 0; exit $status`;
  const child = spawnSync("unshare", ["--map-root-user", "--net", "sh", "-c", script, "traefik", traefik, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH, HOME: "/nonexistent" },
  });
  const output = `${child.stdout}${child.stderr}`;
  // Traefik logs and carries on for problems at run time (no Docker here); what stops it is its configuration.
  return child.status === 0
    ? { artifact, outcome: "ok" }
    : { artifact, outcome: "failed", detail: output.trim().split("\n").slice(-5).join("\n") };
}
