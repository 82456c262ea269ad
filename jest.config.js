/** Provider bindings are memory-heavy: two workers at most, recycled when they grow. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Transpile only: `npm test` type-checks once with tsc before jest runs.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  maxWorkers: 2,
  workerIdleMemoryLimit: "1GB",
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
};
