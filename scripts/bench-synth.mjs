#!/usr/bin/env node
// `npm run bench`: the main job (`npm run synth`: every stack) against the naive baseline (scripts/naive-baseline.js:
// the same providers imported from their package roots, one provider block each), run alternately in the same
// run, since shared machines are noisy and only the ratio is stable. Reports the median ratio of wall times
// (target <= 0.30), the peak RSS (target < 300 MB), a single stack's synth, and how the synth grows with 1, 10
// and 50 generated customer environments. Reported, not enforced: it exits non-zero only when a run fails.
// BENCH_RUNS (default 5) pairs; BENCH_STACK (default eks) the single stack; BENCH_SCALE (default 1,10,50)
// environment counts (empty: none); BENCH_SCALE_RUNS (default 3) runs of each; BENCH_SYNTH (below). Leaves no
// files behind.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const scale = (process.env.BENCH_SCALE ?? "1,10,50")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const scaleRuns = Math.max(1, Number(process.env.BENCH_SCALE_RUNS ?? 3));
const targets = { ratio: 0.3, peakMB: 300 };
const gnuTime =
  existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%M", "true"], { encoding: "utf8" }).status === 0;

const work = mkdtempSync(join(tmpdir(), "argo-bench-"));
const cleanUp = () => rmSync(work, { recursive: true, force: true });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => (cleanUp(), process.exit(130)));

// Without GNU time, the child reports its own peak RSS (all its threads) as it exits.
const rssPreload = join(work, "report-rss.cjs");
writeFileSync(
  rssPreload,
  'process.on("exit", () => require("fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n',
);

let runIndex = 0;
/** One run of `node <args>` in a fresh output directory: wall and CPU seconds, peak RSS in MB. */
function measure(args, env = {}) {
  const outdir = join(work, `out-${++runIndex}`);
  const rssFile = join(work, `rss-${runIndex}`);
  const timeFile = join(work, `time-${runIndex}`);
  const [command, argv] = gnuTime
    ? ["/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, process.execPath, ...args]]
    : [process.execPath, ["--require", rssPreload, ...args]];
  const start = process.hrtime.bigint();
  const child = spawnSync(command, argv, {
    cwd: root,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir, BENCH_RSS_FILE: rssFile },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) {
    console.error(`node ${args.join(" ")} failed (exit ${child.status}):\n${child.stdout}\n${child.stderr}`);
    cleanUp();
    process.exit(1);
  }
  let cpu = NaN;
  let rssKiB;
  if (gnuTime) {
    const [user, system, maxKiB] = readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpu = user + system;
    rssKiB = maxKiB;
  } else {
    rssKiB = Number(readFileSync(rssFile, "utf8"));
  }
  rmSync(outdir, { recursive: true, force: true });
  return { wall, cpu, rssMB: (rssKiB * 1024) / 1e6, stdout: child.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f2 = (x) => (Number.isNaN(x) ? "n/a" : x.toFixed(2));
// BENCH_SYNTH: other node arguments to measure as the synth, e.g. "--import tsx main.ts" (the sources under tsx).
const synth = process.env.BENCH_SYNTH ? process.env.BENCH_SYNTH.split(" ").filter(Boolean) : ["scripts/synth.js"];
const baseline = ["scripts/naive-baseline.js"];

try {
  // Builds dist/ if a source changed and writes V8's code cache: what every later `npm run synth` finds.
  const warm = measure(synth);
  measure(baseline);
  console.log(`warm-up synth (builds when sources changed): ${f2(warm.wall)} s`);

  const pairs = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so a drift in the machine's load hits both alike.
    const [first, second] = i % 2 === 0 ? [baseline, synth] : [synth, baseline];
    const a = measure(first);
    const b = measure(second);
    const [base, ours] = first === baseline ? [a, b] : [b, a];
    pairs.push({ base, ours, ratio: ours.wall / base.wall, cpuRatio: ours.cpu / base.cpu });
  }
  const ratio = median(pairs.map((p) => p.ratio));
  const peak = Math.max(...pairs.map((p) => p.ours.rssMB));
  console.log(
    `\nevery stack (node ${synth.join(" ")}) vs the naive baseline (node scripts/naive-baseline.js), ${runs} interleaved runs each:`,
  );
  for (const [i, p] of pairs.entries()) {
    console.log(
      `  run ${i + 1}: synth ${f2(p.ours.wall)} s (${f2(p.ours.cpu)} CPU-s, ${p.ours.rssMB.toFixed(0)} MB), baseline ${f2(p.base.wall)} s (${f2(p.base.cpu)} CPU-s, ${p.base.rssMB.toFixed(0)} MB), ratio ${p.ratio.toFixed(3)}`,
    );
  }
  console.log(
    `  median ratio ${ratio.toFixed(3)} (target <= ${targets.ratio}), median CPU ratio ${f2(median(pairs.map((p) => p.cpuRatio)))}`,
  );
  console.log(
    `  median synth ${f2(median(pairs.map((p) => p.ours.wall)))} s, median baseline ${f2(median(pairs.map((p) => p.base.wall)))} s`,
  );
  console.log(
    `  peak RSS of the synth ${peak.toFixed(0)} MB (target < ${targets.peakMB} MB; ${gnuTime ? "GNU time" : "the process's own resource usage"})`,
  );
  console.log(`  ${ratio <= targets.ratio && peak < targets.peakMB ? "within targets" : "OUTSIDE targets"}`);

  // One stack, as `npm run synth -- eks` or `ARGO_STACKS=eks cdktf deploy eks` synthesizes it.
  const stacks =
    measure(synth)
      .stdout.match(/stack\(s\) into .*?: (.*)$/m)?.[1]
      .split(", ") ?? [];
  const oneStack = process.env.BENCH_STACK ?? (stacks.includes("eks") ? "eks" : stacks[0]);
  if (oneStack) {
    const one = Array.from({ length: 3 }, () => measure([...synth, oneStack]));
    console.log(
      `\none stack (node ${[...synth, oneStack].join(" ")}): median ${f2(median(one.map((r) => r.wall)))} s, ${f2(median(one.map((r) => r.cpu)))} CPU-s, ${Math.max(...one.map((r) => r.rssMB)).toFixed(0)} MB`,
    );
  }

  if (scale.length > 0) {
    // Customer environments as a fork would add them: Northwind's, renamed, each with its EKS and ECS stack.
    const source = join(work, "northwind.ts");
    writeFileSync(
      source,
      `import { NORTHWIND } from ${JSON.stringify(join(root, "environments"))};\nprocess.stdout.write(JSON.stringify(NORTHWIND));\n`,
    );
    // TSX_DISABLE_CACHE: tsx keeps what it transpiled in memory, not in a cache directory left behind.
    const dumped = spawnSync(process.execPath, ["--import", "tsx", source], {
      cwd: root,
      env: { ...process.env, TSX_DISABLE_CACHE: "1" },
      encoding: "utf8",
    });
    if (dumped.status !== 0) throw new Error(`reading the Northwind environment failed: ${dumped.stderr}`);
    const northwind = JSON.parse(dumped.stdout);
    const customers = (n) =>
      Array.from({ length: n }, (_, i) => {
        const name = `customer-${String(i + 1).padStart(3, "0")}`;
        const env = structuredClone(northwind);
        Object.assign(env, { name, description: `Generated customer ${i + 1}` });
        env.eks.clusterName = `${name}-eks`;
        env.ecs.clusterName = `${name}-ecs`;
        if (env.backend?.keyPrefix) env.backend.keyPrefix = name;
        return env;
      });
    console.log(
      `\ngrowth with generated customer environments (each an EKS and an ECS stack), median of ${scaleRuns} runs:`,
    );
    const points = [];
    for (const n of scale) {
      const file = join(work, `environments-${n}.js`);
      writeFileSync(file, `module.exports.ENVIRONMENTS = ${JSON.stringify(customers(n))};\n`);
      const rs = Array.from({ length: scaleRuns }, () => measure(synth, { ARGO_ENVIRONMENTS: file }));
      const stacks = Number(rs[0].stdout.match(/Synthesized (\d+) stack/)?.[1]);
      if (stacks !== 2 * n) throw new Error(`${n} environments synthesized ${stacks} stacks, not ${2 * n}`);
      const point = {
        n,
        wall: median(rs.map((r) => r.wall)),
        cpu: median(rs.map((r) => r.cpu)),
        rssMB: Math.max(...rs.map((r) => r.rssMB)),
      };
      points.push(point);
      console.log(
        `  ${String(n).padStart(3)} environments (${stacks} stacks): ${f2(point.wall)} s, ${f2(point.cpu)} CPU-s, ${point.rssMB.toFixed(0)} MB`,
      );
    }
    if (points.length >= 3) {
      // Linear: each added environment costs the same, whether it is the 2nd or the 50th. Judged on CPU time
      // where GNU time gives it (other work on the machine stretches wall time, not CPU time), else wall time.
      const cost = (p) => (Number.isNaN(p.cpu) ? p.wall : p.cpu);
      const marginal = points
        .slice(1)
        .map((p, i) => ({ from: points[i].n, to: p.n, perEnv: (cost(p) - cost(points[i])) / (p.n - points[i].n) }));
      const steps = marginal.map((m) => `${m.from}→${m.to}: ${(m.perEnv * 1000).toFixed(0)} ms`).join(", ");
      // Later environments costing less than earlier ones (code the JIT has optimized by then) is still linear.
      const growth = Math.max(...marginal.slice(1).map((m, i) => m.perEnv / marginal[i].perEnv));
      const unit = Number.isNaN(points[0].cpu) ? "wall" : "CPU";
      console.log(
        `  ${unit} time per added environment ${steps}: ${growth <= 1.35 ? "linear" : "NOT linear"} (each step's cost per environment at most ${growth.toFixed(2)}× the step before; linear means at most 1.35×)`,
      );
    }
  }
} finally {
  cleanUp();
}
