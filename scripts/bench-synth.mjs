#!/usr/bin/env node
// Measures the main job (`npm run synth`: synthesize every stack) as a user runs it: wall time and peak
// memory of the whole process tree, over several runs. Targets on the 2-core machine: < 3 s, < 400 MB.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const targets = { wallSeconds: 3, peakMiB: 400 };
const hasGnuTime = existsSync("/usr/bin/time");
const results = [];
for (let i = 0; i < runs; i++) {
  const outdir = mkdtempSync(join(tmpdir(), "argo-bench-"));
  const start = process.hrtime.bigint();
  const command = hasGnuTime ? ["/usr/bin/time", ["-f", "%M", "node", "--import", "tsx", "main.ts"]] : ["node", ["--import", "tsx", "main.ts"]];
  const child = spawnSync(command[0], command[1], { env: { ...process.env, CDKTF_OUTDIR: outdir }, encoding: "utf8" });
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (child.status !== 0) {
    console.error(child.stdout, child.stderr);
    process.exit(1);
  }
  const peakKiB = hasGnuTime ? Number(child.stderr.trim().split("\n").pop()) : NaN;
  results.push({ wallSeconds, peakMiB: peakKiB / 1024 });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wall = median(results.map((r) => r.wallSeconds));
const peak = Math.max(...results.map((r) => r.peakMiB));
console.log(`synth of every stack, ${runs} runs: median wall ${wall.toFixed(2)} s (target < ${targets.wallSeconds} s), peak RSS ${Number.isNaN(peak) ? "n/a (install GNU time)" : peak.toFixed(0) + " MiB"} (target < ${targets.peakMiB} MiB)`);
for (const [i, r] of results.entries()) console.log(`  run ${i + 1}: ${r.wallSeconds.toFixed(2)} s, ${Number.isNaN(r.peakMiB) ? "n/a" : r.peakMiB.toFixed(0) + " MiB"}`);
const ok = wall < targets.wallSeconds && (Number.isNaN(peak) || peak < targets.peakMiB);
console.log(ok ? "within targets" : "OUTSIDE targets");
process.exit(ok ? 0 : 1);
