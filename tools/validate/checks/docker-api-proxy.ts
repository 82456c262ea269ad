/**
 * swarm-lab's Docker API proxy: the haproxy.cfg delivered as a Swarm config, as the container reads it, judged
 * by `haproxy -c` (Debian's HAProxy, the program the e2e test's proxy stand-in runs; the lab runs the pinned
 * official image, DOCKER_API_PROXY_IMAGE). Its filtering itself is run by __tests__/swarm/docker-api-proxy.test.ts
 * and the Swarm e2e.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_API_PROXY_CONFIG_PATH, DOCKER_API_PROXY_IMAGE } from "../../../constructs/swarm/docker-api-proxy";
import { swarmConfigFiles } from "../config-files";
import { runProgram, systemTool } from "../programs";
import type { Check, Finding } from "../types";

export const DOCKER_API_PROXY_CONFIG: Check = {
  get name() {
    const haproxy = systemTool("haproxy", "haproxy");
    const version = haproxy.found
      ? (/version (\d[\w.]*)/.exec(runProgram(haproxy.path, ["-v"]).output)?.[1] ?? "")
      : "";
    return `haproxy ${version} -c: swarm-lab's Docker API proxy (the lab runs ${DOCKER_API_PROXY_IMAGE})`.replace(
      "  ",
      " ",
    );
  },
  run(stacks, workDir) {
    const files = stacks.flatMap(swarmConfigFiles).filter((f) => f.path === DOCKER_API_PROXY_CONFIG_PATH);
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
