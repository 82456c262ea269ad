#!/usr/bin/env node
/**
 * `npm test`: jest, and beside it the static checks one after the other (prettier --check, ESLint, tsc), each
 * with its cache in node_modules/.cache (correct from a clean checkout, where there is none). jest starts at
 * once and the checks use the CPU it leaves (its start, a file waiting on a program, the last files of the
 * run). Each check's output is printed when it ends, with its time. (At a lower priority they were starved
 * on a machine others load: prettier took 356 s at a load average of 35.)
 * Exits non-zero when jest or any check failed, naming them. Arguments go to jest (`npm test -- __tests__/x`).
 */
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

/** The static checks, in the order `npm test` ran them before they ran beside jest. */
const CHECKS = [
  [
    "prettier",
    bin("prettier"),
    // Not prettier's default cache file: prettier run without --cache (`npx prettier --write x`) deletes that one,
    // and the next check took 11-18 s instead of 2.
    ["--check", "--cache", "--cache-location", "node_modules/.cache/argo-prettier/cache.json", "."],
  ],
  ["eslint", bin("eslint"), ["--cache", "--cache-location", "node_modules/.cache/eslint/", "."]],
  ["tsc", bin("tsc"), ["--noEmit", "--incremental", "--tsBuildInfoFile", "node_modules/.cache/tsc/tsbuildinfo"]],
];

function run(command, args, { capture }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    if (capture) {
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
    }
    child.on("error", (error) => resolve({ code: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

async function staticChecks() {
  const failed = [];
  for (const [name, command, args] of CHECKS) {
    const result = await run(command, args, { capture: true });
    const status = result.code === 0 ? "ok" : `FAILED (exit ${result.code})`;
    process.stderr.write(
      `\n== ${name}: ${status} (${result.seconds.toFixed(1)} s)\n` + (result.code === 0 ? "" : result.output),
    );
    if (result.code !== 0) failed.push(name);
  }
  return failed;
}

async function main() {
  const checks = staticChecks();
  const jest = run(process.execPath, [require.resolve("jest/bin/jest"), ...process.argv.slice(2)], { capture: false });
  const [failedChecks, jestResult] = await Promise.all([checks, jest]);
  const failed = [...failedChecks, ...(jestResult.code === 0 ? [] : ["jest"])];
  if (failed.length > 0) process.stderr.write(`\nnpm test failed: ${failed.join(", ")}\n`);
  process.exit(failed.length > 0 ? 1 : 0);
}

main();
