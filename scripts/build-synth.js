#!/usr/bin/env node
// Builds what `npm run synth` runs: main.ts and everything it imports (our sources, cdktf, the providers'
// bindings) bundled into one JavaScript file, dist/synth.js, so a synth neither transpiles TypeScript nor
// resolves and reads hundreds of modules. dist/ is not in git; scripts/synth.js rebuilds it when one of its
// inputs (the sources it bundles, the lock files, this script) changed since. `node scripts/build-synth.js`
// forces a build.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
const bundle = path.join(dist, "synth.js");
const metaFile = path.join(dist, "synth.meta.json");

/** Files whose change makes the build stale besides the bundle's inputs: the installed dependencies, this script. */
const extraInputs = ["package-lock.json", "node_modules/.package-lock.json", "scripts/build-synth.js"];

/** Why dist/synth.js must be rebuilt, or undefined when it is up to date. */
function staleReason() {
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  } catch {
    return "no build yet";
  }
  if (!fs.existsSync(bundle) || !meta.inputs) return "no build yet";
  for (const [input, [mtimeMs, size]] of Object.entries(meta.inputs)) {
    let stat;
    try {
      stat = fs.statSync(path.join(root, input));
    } catch {
      return `${input} is gone`;
    }
    // Any other time than at the build (a checkout can set an older one), or a change while it ran.
    if (stat.mtimeMs !== mtimeMs || stat.size !== size || mtimeMs >= meta.startedAtMs) return `${input} changed`;
  }
  return undefined;
}

/**
 * The id on the first line of a bundle: a hash of its code. V8 checks a code cache against the length of the
 * source only, so a cache is named after the id of the bundle it was made from, and is never used with another.
 */
function bundleIdOf(source) {
  return /^\/\* argo-infra synth bundle (\w+) \*\//.exec(source)?.[1];
}

/** Bundles main.ts into dist/synth.js. Writes are atomic, so a concurrent synth sees the old build or the new one. */
function build() {
  const startedAtMs = Date.now();
  const esbuild = require("esbuild");
  fs.mkdirSync(dist, { recursive: true });
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: ["main.ts"],
    outfile: bundle,
    write: false,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: `node${process.versions.node.split(".")[0]}`,
    // No source maps: mapping the frames of every captured stack trace was a sixth of a synth under tsx.
    sourcemap: false,
    // Whitespace and syntax only (names are kept): a smaller source for V8 to hold, 30 MB less at its peak.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: "silent",
  });
  for (const warning of result.warnings) {
    // main.ts requires the module ARGO_ENVIRONMENTS names at run time, by design.
    if (!/require\(path\.resolve\(process\.env\.ARGO_ENVIRONMENTS\)\)/.test(warning.location?.lineText ?? ""))
      console.warn(`build-synth: ${warning.text}`);
  }
  const inputs = {};
  for (const file of [
    ...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/")),
    ...extraInputs,
  ]) {
    const stat = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    if (stat) inputs[file] = [stat.mtimeMs, stat.size];
  }
  const code = result.outputFiles[0].contents;
  const id = require("crypto").createHash("sha256").update(code).digest("hex").slice(0, 16);
  const tmp = `${bundle}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`/* argo-infra synth bundle ${id} */\n`), code]));
  fs.renameSync(tmp, bundle);
  const metaTmp = `${metaFile}.${process.pid}.tmp`;
  fs.writeFileSync(metaTmp, JSON.stringify({ startedAtMs, esbuild: esbuild.version, id, inputs }, null, 2) + "\n");
  fs.renameSync(metaTmp, metaFile);
  // The previous bundle's code caches are of no use any more (scripts/synth.js writes this one's).
  for (const file of fs.readdirSync(dist))
    if (file.endsWith(".cache") && !file.includes(`.${id}.`)) fs.rmSync(path.join(dist, file), { force: true });
  return bundle;
}

/** dist/synth.js, built first if it is missing or one of its inputs changed since it was built. */
function ensureBuilt() {
  const reason = staleReason();
  if (reason) {
    console.error(`build-synth: building dist/synth.js (${reason})`);
    build();
  }
  return bundle;
}

module.exports = { build, bundleIdOf, ensureBuilt, staleReason, bundle, dist };

if (require.main === module) {
  build();
  console.log(`built ${path.relative(root, bundle)}`);
}
