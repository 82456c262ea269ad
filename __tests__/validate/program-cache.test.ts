/**
 * The cache of program runs (tools/validate/program-cache.ts): a run is answered from it only when the program,
 * its arguments and the bytes of its inputs are the same, with the paths of the new run in its output.
 */
import { chmodSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROGRAM_CACHE_ENV, runProgramCached } from "../../tools/validate/program-cache";
import { tempDir } from "../temp";

const dir = tempDir("argo-program-cache-");
const cache = join(dir, "cache");
const log = join(dir, "ran.log");
/** Prints its input's path and contents, and counts its runs in ran.log. */
const program = join(dir, "program.sh");
writeFileSync(
  program,
  `#!/bin/sh\necho ran >> '${log}'\necho "read $1: $(cat "$1")"\necho "to stderr $1" >&2\nexit 1\n`,
);
chmodSync(program, 0o755);
const runs = () => readFileSync(log, "utf8").split("\n").filter(Boolean).length;

function input(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const previous = process.env[PROGRAM_CACHE_ENV];
beforeAll(() => (process.env[PROGRAM_CACHE_ENV] = cache));
afterAll(() => {
  if (previous === undefined) delete process.env[PROGRAM_CACHE_ENV];
  else process.env[PROGRAM_CACHE_ENV] = previous;
});

describe("runs of a program kept by what it was given", () => {
  it("answers the same run from the cache, naming the paths of the new run", () => {
    const a = input("a.txt", "one");
    const first = runProgramCached(program, [a], [a]);
    expect(first).toMatchObject({ cached: false, status: 1, stdout: `read ${a}: one\n`, stderr: `to stderr ${a}\n` });
    const again = runProgramCached(program, [a], [a]);
    expect(again).toMatchObject({ cached: true, status: 1, stdout: first.stdout, stderr: first.stderr });
    expect(runs()).toBe(1);
    // The same bytes at another path: the same run, told with its own path.
    const b = input("b.txt", "one");
    expect(runProgramCached(program, [b], [b])).toMatchObject({ cached: true, stdout: `read ${b}: one\n` });
    expect(runs()).toBe(1);
  });

  it("runs the program again when an input's bytes, the arguments or the program changed", () => {
    const c = input("c.txt", "two");
    runProgramCached(program, [c], [c]);
    const before = runs();
    writeFileSync(c, "three");
    expect(runProgramCached(program, [c], [c])).toMatchObject({ cached: false, stdout: `read ${c}: three\n` });
    expect(runProgramCached(program, [c, "extra"], [c]).cached).toBe(false);
    expect(runs()).toBe(before + 2);
    // A program rewritten (its size and modification time are part of what identifies it) runs again.
    utimesSync(program, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(runProgramCached(program, [c], [c]).cached).toBe(false);
    expect(runs()).toBe(before + 3);
  });

  it("runs every time where no cache directory is set", () => {
    const d = input("d.txt", "four");
    process.env[PROGRAM_CACHE_ENV] = "";
    try {
      const before = runs();
      expect(runProgramCached(program, [d], [d]).cached).toBe(false);
      expect(runProgramCached(program, [d], [d]).cached).toBe(false);
      expect(runs()).toBe(before + 2);
    } finally {
      process.env[PROGRAM_CACHE_ENV] = cache;
    }
  });
});
