import { spawnSync } from "child_process";

/** Runs a command and returns its stdout; throws with its output when it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): string {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    input: options.input,
    env: options.env,
    cwd: options.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

/** Runs a command whose failure is acceptable (clean-up of what may not exist); returns whether it succeeded. */
export function attempt(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns a value (not undefined) or the time is up; returns the value and the seconds it took. */
export async function waitFor<T>(
  what: string,
  timeoutSec: number,
  probe: () => Promise<T | undefined> | T | undefined,
  intervalMs = 1000,
): Promise<{ value: T; seconds: number }> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return { value, seconds: (Date.now() - start) / 1000 };
    } catch (error) {
      last = error;
    }
    if (Date.now() - start > timeoutSec * 1000)
      throw new Error(
        `timed out after ${timeoutSec}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
      );
    await sleep(intervalMs);
  }
}

/** Like `run`, but "" when the command fails (clean-up probes of what may be gone). */
export function spawnText(command: string, args: readonly string[]): string {
  try {
    return run(command, args);
  } catch {
    return "";
  }
}

/** Waits without the event loop: teardown also runs from exit handlers, where nothing asynchronous completes. */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
