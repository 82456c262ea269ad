/** Provider bindings are memory-heavy: two workers at most, recycled when they grow. */
module.exports = {
  // Each test file in a temporary directory of its own, judged empty after the file (scripts/jest-temp-area.js).
  testEnvironment: "<rootDir>/scripts/jest-temp-area.js",
  globalSetup: "<rootDir>/scripts/jest-temp-run-setup.js",
  globalTeardown: "<rootDir>/scripts/jest-temp-run-teardown.js",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Transpile only: `npm test` type-checks once with tsc before jest runs.
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js" },
  // Jest's transform cache, out of the system's temporary directory.
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  maxWorkers: 2,
  // A worker past this is restarted between files, which jest then reports as "A worker process has failed to
  // exit gracefully"; at 1GB that happened on most runs (no open handle: without restarts the message is gone).
  workerIdleMemoryLimit: "3GB",
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
};
