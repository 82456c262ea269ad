#!/usr/bin/env node
// `npm run synth` and cdktf.json's app command: runs main.ts as one prebuilt JavaScript bundle (dist/synth.js,
// rebuilt by scripts/build-synth.js when a source is newer), with V8's code cache, so a synth does not parse and
// compile the same 11 MB of JavaScript every time. Arguments name the stacks to synthesize (all by default).
"use strict";
// V8 optimizes a function only after about 9 times the work it waits by default: TurboFan compiling what a synth
// runs for a second did not pay off (a fifth more CPU for every stack; 50 environments were slower too).
const V8_FLAGS = "--interrupt-budget=600000";
require("v8").setFlagsFromString(V8_FLAGS);
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const Module = require("module");
const { isMainThread, workerData } = require("worker_threads");
const { bundleIdOf, ensureBuilt, dist } = require("./build-synth");

// A worker thread (main.ts can synthesize stacks on two) runs the bundle its main thread runs, not a rebuilt one.
const bundle = isMainThread ? ensureBuilt() : workerData.bundle;
const source = fs.readFileSync(bundle, "utf8");
const id = bundleIdOf(source) ?? "unknown";
if (!isMainThread && id !== workerData.bundleId)
  throw new Error(`${bundle} was rebuilt during the synth; run it again`);
// How main.ts starts its worker threads: on this script, with this bundle.
globalThis[Symbol.for("argo-infra.synth-launcher")] = { script: __filename, workerData: { bundle, bundleId: id } };

// A fork's environments in TypeScript (ARGO_ENVIRONMENTS=path/to/file.ts) are loaded through tsx.
if (/\.[cm]?tsx?$/.test(process.env.ARGO_ENVIRONMENTS ?? "")) require("tsx/cjs/api").register();

// V8 accepts a code cache only from the same V8 and the same flags; `cdktf synth` adds --max-old-space-size.
let hash = 0x811c9dc5;
for (const c of [process.version, process.arch, V8_FLAGS, ...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(
  " ",
))
  hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
// A run of some stacks compiles only their code: its cache is kept apart from a full run's, which replaces it.
const full = process.argv.length <= 2 && !process.env.ARGO_STACKS;
const cacheFile = (kind) => path.join(dist, `synth.${id}.${hash.toString(16)}.${kind}.cache`);
let cachedData;
for (const kind of full ? ["full"] : ["full", "partial"]) {
  try {
    cachedData = fs.readFileSync(cacheFile(kind));
    break;
  } catch {
    // not written yet
  }
}

const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
if (isMainThread && (!cachedData || script.cachedDataRejected)) {
  process.on("exit", (code) => {
    if (code !== 0) return;
    const file = cacheFile(full ? "full" : "partial");
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, file);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  });
}

const entry = new Module(bundle, module);
entry.filename = bundle;
entry.paths = Module._nodeModulePaths(path.dirname(bundle));
script.runInThisContext()(entry.exports, Module.createRequire(bundle), entry, bundle, path.dirname(bundle));
