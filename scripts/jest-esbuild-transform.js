/**
 * Jest's TypeScript transform: esbuild strips the types of one file at a time (tsconfig has isolatedModules, so
 * that is sound); `npm test` type-checks the whole program with tsc before jest runs. ts-jest loaded the
 * TypeScript compiler (9 MB of JavaScript) into every worker for the same result.
 */
const { createHash } = require("node:crypto");
// Without this, esbuild's synchronous API keeps a worker thread that holds jest's workers open after the
// last test file ("A worker process has failed to exit gracefully"); each call spawns esbuild instead, and
// only for files not in jest's transform cache.
process.env.ESBUILD_WORKER_THREADS = "0";
const esbuild = require("esbuild");
const { compilerOptions } = require("../tsconfig.json");

const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: compilerOptions.target.toLowerCase(),
  sourcemap: "external",
  // The class-field semantics tsc applies for this target (define, as ES2022 does).
  tsconfigRaw: { compilerOptions: { target: compilerOptions.target, useDefineForClassFields: true } },
};

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash("sha256")
      .update(esbuild.version)
      .update(JSON.stringify(OPTIONS))
      .update(filename)
      .update(source)
      .digest("hex");
  },
};
