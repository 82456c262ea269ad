/**
 * shellcheck on every shell script the stacks generate (see shell-scripts.ts), rendered the way Terraform
 * renders it and checked as the shell that runs it (`-s sh` for /bin/sh, `-s bash`). Every finding, style
 * included, fails: the scripts live in argv strings, where a `# shellcheck disable` comment cannot go.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, systemTool } from "../programs";
import type { SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";
import { shellScriptsOf, type ShellScript } from "./shell-scripts";

interface Comment {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly level: string;
  readonly code: number;
  readonly message: string;
}

/** shellcheck's verdict on each script: one run per shell, every script its own file. */
export function shellcheckScripts(shellcheck: string, scripts: readonly ShellScript[], workDir: string): Finding[] {
  const dir = mkdtempSync(join(workDir, "shellcheck-"));
  const files = scripts.map((s, i) => join(dir, `${i}.${s.shell}`));
  scripts.forEach((s, i) => writeFileSync(files[i], s.script));
  const comments = new Map<string, Comment[]>();
  for (const shell of ["sh", "bash"] as const) {
    const mine = files.filter((_, i) => scripts[i].shell === shell);
    if (!mine.length) continue;
    const result = runProgram(shellcheck, ["--format=json1", `--shell=${shell}`, "--external-sources", ...mine]);
    if (result.status !== 0 && result.status !== 1)
      throw new Error(`shellcheck exited ${result.status}: ${result.output}`);
    for (const c of (JSON.parse(result.stdout) as { comments: Comment[] }).comments)
      comments.set(c.file, [...(comments.get(c.file) ?? []), c]);
  }
  return scripts.map((s, i) => {
    const found = comments.get(files[i]) ?? [];
    if (!found.length) return { artifact: s.artifact, outcome: "ok" };
    const lines = s.script.split("\n");
    const detail = found
      .map(
        (c) =>
          `line ${c.line}: SC${c.code} (${c.level}) ${c.message}\n      ${(lines[c.line - 1] ?? "").trim().slice(0, 200)}`,
      )
      .join("\n");
    return { artifact: `${s.artifact} (${s.shell})`, outcome: "failed", detail };
  });
}

export function shellcheckVersion(shellcheck: string): string {
  return /version:\s*(\S+)/.exec(runProgram(shellcheck, ["--version"]).stdout)?.[1] ?? "(unknown version)";
}

let located: ReturnType<typeof systemTool> | undefined;
let name: string | undefined;
const shellcheckTool = () => (located ??= systemTool("shellcheck", "shellcheck"));

export const SHELLCHECK: Check = {
  // Found when the check is listed, not when this module is imported.
  get name() {
    const tool = shellcheckTool();
    return (name ??= tool.found ? `shellcheck ${shellcheckVersion(tool.path)}` : "shellcheck");
  },
  run(stacks: readonly SynthesizedStack[], workDir: string): Finding[] {
    const tool = shellcheckTool();
    if (!tool.found) return [{ artifact: "every generated shell script", outcome: "not-run", detail: tool.reason }];
    return shellcheckScripts(tool.path, stacks.flatMap(shellScriptsOf), workDir);
  },
};
