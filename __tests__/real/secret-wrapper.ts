/**
 * Runs a platform's secret wrapper (`/bin/sh -c <script> secret-env <command...>`) in a busybox root, with a
 * stand-in for the image's command that prints the environment it was started with.
 */
import { runInBusyboxRoot, type RootContents } from "./busybox-root";

export interface WrapperRun {
  readonly status: number | null;
  readonly output: string;
  /** The environment the image's command was started with, or undefined when it never started. */
  readonly started?: Record<string, string>;
}

const STARTED = "started with:";

export function runWrapper(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  files: RootContents["files"] = {},
): WrapperRun {
  const command = argv[4];
  if (!command?.startsWith("/"))
    throw new Error(`expected an absolute command after the wrapper, got ${JSON.stringify(argv.slice(3))}`);
  const standIn = { content: `#!/bin/sh\necho "${STARTED}"\nenv\n`, executable: true };
  const run = runInBusyboxRoot(argv, env, { files: { ...files, [command]: standIn } });
  run.dispose();
  const index = run.output.indexOf(STARTED);
  const started =
    index < 0
      ? undefined
      : Object.fromEntries(
          run.output
            .slice(index + STARTED.length)
            .trim()
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
  return { status: run.status, output: index < 0 ? run.output : run.output.slice(0, index), started };
}
