/**
 * jest's global setup, once before any test file:
 *  - the run's temporary directory (scripts/jest-temp-area.js);
 *  - the directory where the runs of programs that answer the same on the same input are kept between runs
 *    (tools/validate/program-cache.ts; `ARGO_PROGRAM_CACHE= npm test` runs every program);
 *  - dist/synth.js, the synth command's bundle, built if a source changed since (scripts/build-synth.js), so
 *    that the test files that run the command (__tests__/synth-command.ts) do not each build it.
 * Variables set here reach every worker.
 */
const path = require("node:path");
const { ensureBuilt } = require("./build-synth");
const { globalSetup } = require("./jest-temp-area");

module.exports = async function setup() {
  await globalSetup();
  if (process.env.ARGO_PROGRAM_CACHE === undefined)
    process.env.ARGO_PROGRAM_CACHE = path.join(__dirname, "..", "node_modules", ".cache", "argo-programs");
  ensureBuilt();
};
