/**
 * What Nomad and Consul receive: every jobspec exactly as the nomad provider submits it (Terraform's template
 * rendered), decoded into Nomad 1.8.4's own API types with unknown fields refused (Nomad's decoder drops them
 * silently) and validated by `nomad job validate`; every task template rendered by Go's text/template with the
 * job's variables; and the agent configurations the lab renders for servers and clients, by `nomad config
 * validate` and `consul validate`, with the TLS files they name in place.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { nomadTemplateFiles } from "../config-files";
import { runInRoot } from "../container-root";
import { runProgramCached } from "../program-cache";
import { pinnedTool, type Located } from "../programs";
import { resourcesOf, type SynthesizedStack } from "../stacks";
import { makeTestPki } from "../test-pki";
import type { Check, Finding } from "../types";
import { renderTerraformTemplate } from "../terraform-render";
import { VERSIONS } from "../../toolchain/paths";

const notRun = (artifact: string, tool: Located): Finding => ({
  artifact,
  outcome: "not-run",
  detail: tool.found ? undefined : tool.reason,
});
const verdict = (artifact: string, status: number | null, output: string): Finding =>
  status === 0 ? { artifact, outcome: "ok" } : { artifact, outcome: "failed", detail: output };

/** Jobspec files as the provider submits them, one per nomad_job. */
function writeJobspecs(stack: SynthesizedStack, dir: string): { artifact: string; file: string }[] {
  mkdirSync(dir, { recursive: true });
  return resourcesOf(stack, "nomad_job").map((job) => {
    const file = join(dir, `${job.name}.json`);
    writeFileSync(
      file,
      renderTerraformTemplate(String(job.body.jobspec), { variables: stack.config.variable as never }),
    );
    return { artifact: `${stack.name} ${job.address}`, file };
  });
}

export const NOMAD_JOBSPECS: Check = {
  name: `nomad ${VERSIONS.go.nomad.version}: jobspecs (API types, job validate, task templates)`,
  run(stacks, workDir) {
    const nomadStacks = stacks.filter((s) => resourcesOf(s, "nomad_job").length > 0);
    const strict = pinnedTool("nomad-jobspec");
    const nomad = pinnedTool("nomad");
    const renderer = pinnedTool("nomad-template");
    const findings: Finding[] = [];
    for (const stack of nomadStacks) {
      const jobs = writeJobspecs(stack, join(workDir, "jobspecs", stack.name));
      for (const { artifact, file } of jobs) {
        if (!strict.found) findings.push(notRun(`${artifact} (API types)`, strict));
        else {
          const run = runProgramCached(strict.path, [file], [file]);
          findings.push(verdict(`${artifact} (API types)`, run.status, run.output));
        }
        if (!nomad.found) findings.push(notRun(`${artifact} (job validate)`, nomad));
        else {
          // No agent: Nomad validates locally (an agent would add nothing for drivers, which clients check at start).
          const run = runProgramCached(nomad.path, ["job", "validate", "-json", file], [file], {
            env: { ...process.env, NOMAD_ADDR: "http://127.0.0.1:1" },
          });
          findings.push(verdict(`${artifact} (job validate)`, run.status, run.output));
        }
      }
      if (!renderer.found) findings.push(notRun(`${stack.name} task templates`, renderer));
      else {
        const dir = join(workDir, "templates", stack.name);
        mkdirSync(dir, { recursive: true });
        const rendered = nomadTemplateFiles(stack, renderer.path, dir);
        findings.push(
          ...rendered.problems.map((p) => ({ artifact: p.artifact, outcome: "failed" as const, detail: p.detail })),
        );
        findings.push(...rendered.files.map((f) => ({ artifact: f.source, outcome: "ok" as const })));
        findings.push(...envFileFindings(rendered.files));
      }
    }
    return findings;
  },
};

/** Templates rendered into the task environment (`Envvars`) must be KEY=value lines, as Nomad parses them. */
function envFileFindings(files: ReturnType<typeof nomadTemplateFiles>["files"]): Finding[] {
  return files
    .filter((f) => f.path.endsWith(".env"))
    .map((f) => {
      const bad = f.content.split("\n").filter((line) => line.trim() && !/^[A-Za-z_][A-Za-z0-9_.]*=.+$/.test(line));
      return bad.length === 0
        ? { artifact: `${f.source} (env file)`, outcome: "ok" as const }
        : {
            artifact: `${f.source} (env file)`,
            outcome: "failed" as const,
            detail: `not KEY=value: ${bad.join(" | ")}`,
          };
    });
}

interface AgentConfig {
  readonly artifact: string;
  readonly vm: string;
  readonly agent: "nomad" | "consul";
  /** The agent's configuration directory and every file cloud-init writes under it. */
  readonly dir: string;
  readonly files: Record<string, string>;
  readonly addresses: string[];
}

/** The Nomad and Consul agent directories cloud-init writes on each lab VM, Terraform's template rendered. */
function agentConfigs(stack: SynthesizedStack): AgentConfig[] {
  return resourcesOf(stack, "proxmox_virtual_environment_file").flatMap((file) => {
    const raw = (file.body.source_raw as { data?: string }[] | undefined)?.[0]?.data;
    if (!raw?.startsWith("#cloud-config")) return [];
    const config = parseYaml(renderTerraformTemplate(raw, { variables: stack.config.variable as never }));
    const written: { path: string; content: string; encoding?: string }[] = config.write_files ?? [];
    return (["nomad", "consul"] as const).flatMap((agent) => {
      const dir = `/etc/${agent}.d`;
      const files = Object.fromEntries(
        written
          .filter((w) => w.path.startsWith(`${dir}/`))
          .map((w) => [
            w.path,
            w.encoding === "b64" || w.encoding === "base64"
              ? Buffer.from(w.content, "base64").toString("utf8")
              : w.content,
          ]),
      );
      if (!Object.keys(files).some((p) => p.endsWith(".json") || p.endsWith(".hcl"))) return [];
      const addresses = [
        ...new Set([...JSON.stringify(files).matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)].map((m) => m[1])),
      ];
      return [
        { artifact: `${stack.name} ${file.address} ${dir}`, vm: String(config.hostname), agent, dir, files, addresses },
      ];
    });
  });
}

export const LAB_AGENT_CONFIGS: Check = {
  name: `nomad ${VERSIONS.go.nomad.version} config validate, consul ${VERSIONS.go.consul.version} validate: lab agents`,
  run(stacks, workDir) {
    const tools = { nomad: pinnedTool("nomad"), consul: pinnedTool("consul") };
    const agents = stacks.flatMap(agentConfigs);
    // The PEMs are made by Terraform at apply time: real ones from a test CA, so the agents can parse them (one
    // certificate for every agent's names: the agents read it, they do not dial each other).
    const pki = makeTestPki(workDir, [`server.lab.nomad`, "localhost", ...new Set(agents.flatMap((a) => a.addresses))]);
    return agents.map((agent): Finding => {
      const tool = tools[agent.agent];
      if (!tool.found) return notRun(agent.artifact, tool);
      const files = Object.fromEntries(
        Object.entries(agent.files).map(([path, content]) => [
          path,
          !path.endsWith(".pem") ? content : /key/.test(path) ? pki.keyPem : /ca/.test(path) ? pki.caPem : pki.certPem,
        ]),
      );
      const args = agent.agent === "nomad" ? ["config", "validate", agent.dir] : ["validate", agent.dir];
      const run = runInRoot(tool.path, args, files, workDir);
      // Both print warnings for what they could not check; a warning about our files is a failure too.
      const warnings = run.output.split("\n").filter((l) => /^WARNING|\[WARN\]/.test(l.trim()));
      if (run.status === 0 && warnings.length > 0)
        return { artifact: `${agent.artifact} (${agent.vm})`, outcome: "failed", detail: warnings.join("\n") };
      return verdict(`${agent.artifact} (${agent.vm})`, run.status, run.output);
    });
  },
};
