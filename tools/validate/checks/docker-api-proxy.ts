/**
 * The Docker API proxies, each configuration as its container reads it (swarm-lab's haproxy.cfg delivered as a
 * Swarm config; nomad-lab's proxy tasks' template, which holds no template action, so consul-template writes it
 * unchanged), judged by `haproxy -c` (Debian's HAProxy, the program the e2e tests' proxy stand-in runs; the lab
 * runs the pinned official image, DOCKER_API_PROXY_IMAGE). Their filtering itself is run by
 * __tests__/swarm/docker-api-proxy.test.ts and the e2e tests.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_API_PROXY_CONFIG_PATH, DOCKER_API_PROXY_IMAGE } from "../../../constructs/docker-api-proxy";
import { DOCKER_API_PROXY_TASK } from "../../../constructs/nomad/docker-api-proxy";
import { unescapeConsulTemplate } from "../../../constructs/nomad/observability";
import { swarmConfigFiles } from "../config-files";
import { resourcesOf, type SynthesizedStack } from "../stacks";
import { renderTerraformTemplate } from "../terraform-render";
import { runProgram, systemTool } from "../programs";
import type { Check, Finding } from "../types";

/** Each nomad-lab proxy task's configuration, as its template writes it. */
function nomadProxyConfigs(stack: SynthesizedStack): { source: string; path: string; content: string }[] {
  return resourcesOf(stack, "nomad_job").flatMap((job) => {
    const spec = JSON.parse(renderTerraformTemplate(String(job.body.jobspec)));
    return (spec.Job.TaskGroups ?? []).flatMap((group: any) =>
      (group.Tasks ?? [])
        .filter((task: any) => task.Name === DOCKER_API_PROXY_TASK)
        .map((task: any) => ({
          source: `${stack.name} ${job.address} task ${task.Name}`,
          path: DOCKER_API_PROXY_CONFIG_PATH,
          content: unescapeConsulTemplate(task.Templates[0].EmbeddedTmpl),
        })),
    );
  });
}

export const DOCKER_API_PROXY_CONFIG: Check = {
  get name() {
    const haproxy = systemTool("haproxy", "haproxy");
    const version = haproxy.found
      ? (/version (\d[\w.]*)/.exec(runProgram(haproxy.path, ["-v"]).output)?.[1] ?? "")
      : "";
    return `haproxy ${version} -c: the Docker API proxies of swarm-lab and nomad-lab (the lab runs ${DOCKER_API_PROXY_IMAGE})`.replace(
      "  ",
      " ",
    );
  },
  run(stacks, workDir) {
    const files = [
      ...stacks.flatMap(swarmConfigFiles).filter((f) => f.path === DOCKER_API_PROXY_CONFIG_PATH),
      ...stacks.flatMap(nomadProxyConfigs),
    ];
    const haproxy = systemTool("haproxy", "haproxy");
    if (!haproxy.found)
      return files.map((f) => ({ artifact: f.source, outcome: "not-run" as const, detail: haproxy.reason }));
    const dir = mkdtempSync(join(workDir, "docker-api-proxy-"));
    return files.map((file, i): Finding => {
      const cfg = join(dir, `${i}.cfg`);
      writeFileSync(cfg, file.content);
      const result = runProgram(haproxy.path, ["-c", "-f", cfg]);
      return result.status === 0 && /Configuration file is valid/.test(result.output)
        ? { artifact: `${file.source} ${file.path}`, outcome: "ok" }
        : { artifact: `${file.source} ${file.path}`, outcome: "failed", detail: result.output };
    });
  },
};
