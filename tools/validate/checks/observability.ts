/**
 * The observability configuration every platform delivers, checked by the programs that read it, at the
 * versions the model pins: `promtool check config` (with the rule files and secrets the configuration
 * names, at their paths), `promtool check rules`, `amtool check-config`. Loki's, Alloy's and Grafana's files
 * are reported as not run, with the reason.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { VERSIONS } from "../../toolchain/paths";
import {
  ecsInitContainerFiles,
  kubernetesConfigMapFiles,
  nomadTemplateFiles,
  swarmConfigFiles,
  type DeliveredFile,
} from "../config-files";
import { runInRoot } from "../container-root";
import { pinnedTool } from "../programs";
import type { SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";

type Kind =
  | "prometheus-config"
  | "prometheus-rules"
  | "alertmanager-config"
  | "loki-config"
  | "alloy-config"
  | "grafana"
  | "other";

/** What reads a file, from its content (the same file has a different name on each platform). */
export function kindOf(file: DeliveredFile): Kind {
  if (file.path.endsWith(".alloy")) return "alloy-config";
  if (file.path.endsWith(".env") || file.path.includes("/secrets/")) return "other";
  let doc: any;
  try {
    doc = parseYaml(file.content);
  } catch {
    return "other";
  }
  if (!doc || typeof doc !== "object") return "other";
  if (doc.scrape_configs || doc.global?.scrape_interval) return "prometheus-config";
  if (Array.isArray(doc.groups) && doc.groups.every((g: any) => Array.isArray(g.rules))) return "prometheus-rules";
  if (doc.route && doc.receivers) return "alertmanager-config";
  if (doc.schema_config || doc.limits_config || doc.common?.storage) return "loki-config";
  if (doc.datasources || doc.providers || doc.panels) return "grafana";
  return "other";
}

const NOT_CHECKED: Partial<Record<Kind, string>> = {
  "loki-config": "Loki's -verify-config needs a Loki binary; Loki is AGPL-licensed and is not built here",
  "alloy-config":
    "Alloy's own validation needs an Alloy binary: the module proxy refuses github.com/grafana/alloy v1.4.3 (403)",
  grafana: "Grafana's provisioning files are read only by Grafana itself; no Grafana binary is built here",
};

function collect(
  stacks: readonly SynthesizedStack[],
  workDir: string,
): { files: DeliveredFile[]; findings: Finding[] } {
  const renderer = pinnedTool("nomad-template");
  const files: DeliveredFile[] = [];
  const findings: Finding[] = [];
  for (const stack of stacks) {
    files.push(...swarmConfigFiles(stack), ...kubernetesConfigMapFiles(stack), ...ecsInitContainerFiles(stack));
    if (stack.config.resource?.nomad_job) {
      if (!renderer.found) {
        findings.push({ artifact: `${stack.name} task templates`, outcome: "not-run", detail: renderer.reason });
        continue;
      }
      const dir = join(workDir, "observability-templates", stack.name);
      mkdirSync(dir, { recursive: true });
      const rendered = nomadTemplateFiles(stack, renderer.path, dir);
      files.push(...rendered.files);
      findings.push(
        ...rendered.problems.map((p) => ({ artifact: p.artifact, outcome: "failed" as const, detail: p.detail })),
      );
    }
  }
  return { files, findings };
}

export const OBSERVABILITY_CONFIGS: Check = {
  name: `promtool ${VERSIONS.go.promtool.version}, amtool ${VERSIONS.go.amtool.version}: Prometheus and Alertmanager configurations`,
  run(stacks, workDir) {
    const { files, findings } = collect(stacks, workDir);
    const promtool = pinnedTool("promtool");
    const amtool = pinnedTool("amtool");
    for (const file of files) {
      const kind = kindOf(file);
      const artifact = `${file.source} → ${file.path}`;
      if (NOT_CHECKED[kind]) {
        findings.push({ artifact, outcome: "not-run", detail: NOT_CHECKED[kind] });
        continue;
      }
      if (kind === "other") continue;
      const tool = kind === "alertmanager-config" ? amtool : promtool;
      if (!tool.found) {
        findings.push({ artifact, outcome: "not-run", detail: tool.reason });
        continue;
      }
      // The configuration sees the workload's other files where they are mounted (rule files, token files).
      const neighbours = Object.fromEntries(
        files.filter((f) => f.stack === file.stack && f.workload === file.workload).map((f) => [f.path, f.content]),
      );
      const args =
        kind === "prometheus-config"
          ? ["check", "config", file.path]
          : kind === "prometheus-rules"
            ? ["check", "rules", file.path]
            : ["check-config", file.path];
      const run = runInRoot(tool.path, args, neighbours, workDir);
      findings.push(
        run.status === 0 ? { artifact, outcome: "ok" } : { artifact, outcome: "failed", detail: run.output },
      );
    }
    const checked = new Set(files.map(kindOf));
    for (const kind of ["prometheus-config", "prometheus-rules", "alertmanager-config"] as const) {
      // A platform that stops delivering a file must not pass by checking nothing.
      if (!checked.has(kind))
        findings.push({ artifact: kind, outcome: "failed", detail: `no ${kind} file found in any stack` });
    }
    return findings;
  },
};
