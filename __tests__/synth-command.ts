import { spawnSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..");

/**
 * The synth command as a person runs it (`npm run synth`, cdktf.json's app): scripts/synth.js, which runs
 * main.ts as its prebuilt bundle (built by jest's global setup, rebuilt by the launcher when a source changed;
 * __tests__/synth-bundle.test.ts proves it writes what the sources write).
 */
export function runSynthCommand(env: Record<string, string>, args: readonly string[] = []) {
  return spawnSync(process.execPath, [path.join(root, "scripts/synth.js"), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

/** What the command printed on stderr besides the launcher's build line and the platforms' warnings. */
export const unexpectedStderr = (stderr: string): string[] =>
  stderr
    .trim()
    .split("\n")
    .filter((l) => l && !/^warning \[[\w-]+\] /.test(l) && !/^build-synth: /.test(l));
