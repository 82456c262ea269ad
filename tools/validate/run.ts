/**
 * `npm run validate`: every synthesized stack and every file we generate, judged by the program that
 * consumes it at the version we target (see docs/validation.md). Prints one line per artifact and check,
 * exits non-zero when any check failed. A check whose program cannot be had here says so ("not run") with
 * the reason, never silently.
 *
 *   npm run validate [-- --out cdktf.out] [-- --only <check name substring>]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKS } from "./checks";
import { readStacks } from "./stacks";
import type { Finding } from "./types";

function argument(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<number> {
  const stacks = readStacks(argument("--out") ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const only = argument("--only");
  const workDir = mkdtempSync(join(tmpdir(), "argo-validate-"));
  const counts = { ok: 0, failed: 0, "not-run": 0 };
  try {
    for (const check of CHECKS.filter((c) => !only || c.name.includes(only))) {
      const started = Date.now();
      let findings: Finding[];
      try {
        findings = await check.run(stacks, workDir);
      } catch (error) {
        findings = [
          {
            artifact: "(check)",
            outcome: "failed",
            detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
        ];
      }
      const failed = findings.filter((f) => f.outcome === "failed").length;
      const notRun = findings.filter((f) => f.outcome === "not-run").length;
      console.log(
        `\n== ${check.name}: ${findings.length - failed - notRun} ok, ${failed} failed, ${notRun} not run (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      for (const f of findings) {
        counts[f.outcome]++;
        if (f.outcome === "ok") continue;
        console.log(
          `  ${f.outcome === "failed" ? "FAIL" : "not run"}: ${f.artifact}${f.detail ? `\n    ${f.detail.trim().split("\n").join("\n    ")}` : ""}`,
        );
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(`\nvalidate: ${counts.ok} passed, ${counts.failed} failed, ${counts["not-run"]} not run`);
  return counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
