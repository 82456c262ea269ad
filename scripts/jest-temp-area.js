/**
 * Every test file gets a temporary directory of its own (TMPDIR, so os.tmpdir() and the programs a test runs
 * write there), inside one directory per jest run. A file that leaves anything in it fails, naming what it
 * left; the directory is removed either way, so a run leaves nothing in the system's temporary directory.
 *   globalSetup    creates the run's directory
 *   testEnvironment gives each test file its area and judges it after the file
 *   globalTeardown fails the run if anything is left at the top (written outside any test file's time), removes it
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { TestEnvironment: NodeEnvironment } = require("jest-environment-node");

const RUN_AREA = "ARGO_TEST_TEMP_RUN";

/**
 * Caches that the programs a test runs keep in TMPDIR, which the test cannot name: removed with the area,
 * not counted as left behind.
 */
const PROGRAM_CACHES = [
  /^tsx-\d+$/, // tsx's compile cache (main.ts run through tsx)
  /^\.lark_cache_.*\.tmp$/, // checkov's parsed HCL grammar
  /^update_checker_cache\.pkl$/, // checkov's update check
];

/** What is in a directory, as "name (size)". */
function describeEntries(dir, names) {
  const sizeOf = (p) => {
    const stat = fs.lstatSync(p);
    return stat.isDirectory() ? fs.readdirSync(p).reduce((sum, n) => sum + sizeOf(path.join(p, n)), 0) : stat.size;
  };
  return names.map((name) => `${name} (${sizeOf(path.join(dir, name))} bytes)`).join(", ");
}

async function globalSetup() {
  const systemTemp = os.tmpdir();
  process.env[RUN_AREA] = fs.mkdtempSync(path.join(systemTemp, "argo-jest-"));
  process.env.ARGO_TEST_SYSTEM_TMPDIR = systemTemp;
}

async function globalTeardown() {
  const run = process.env[RUN_AREA];
  if (!run || !fs.existsSync(run)) return;
  const left = fs.readdirSync(run);
  const detail = left.length > 0 ? describeEntries(run, left) : "";
  fs.rmSync(run, { recursive: true, force: true });
  if (left.length > 0)
    throw new Error(`the tests left ${left.length} entries in the run's temporary directory ${run}: ${detail}`);
}

class TempAreaEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = path.relative(config.projectConfig.rootDir, context.testPath);
  }

  async setup() {
    await super.setup();
    const run = process.env[RUN_AREA];
    if (!run)
      throw new Error(`${RUN_AREA} is not set: jest.config.js must name scripts/jest-temp-area.js as globalSetup`);
    this.area = fs.mkdtempSync(path.join(run, `${path.basename(this.testPath).replace(/\.test\.ts$/, "")}-`));
    this.previousTmpdir = process.env.TMPDIR;
    // The worker's own environment (os.tmpdir(), children spawned without env) and the test's copy of it.
    process.env.TMPDIR = this.area;
    this.global.process.env.TMPDIR = this.area;
  }

  async teardown() {
    if (this.previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.previousTmpdir;
    const left = (this.area && fs.existsSync(this.area) ? fs.readdirSync(this.area) : []).filter(
      (name) => !PROGRAM_CACHES.some((cache) => cache.test(name)),
    );
    const detail = left.length > 0 ? describeEntries(this.area, left) : "";
    if (this.area) fs.rmSync(this.area, { recursive: true, force: true });
    await super.teardown();
    if (left.length > 0)
      throw new Error(
        `${this.testPath} left ${left.length} entries in its temporary directory: ${detail}. ` +
          "Remove what the file creates there (afterAll).",
      );
  }
}

module.exports = TempAreaEnvironment;
module.exports.globalSetup = globalSetup;
module.exports.globalTeardown = globalTeardown;
