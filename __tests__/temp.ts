import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];

/**
 * A new directory in the test file's temporary area (os.tmpdir(), see scripts/jest-temp-area.js), removed with
 * everything in it after the file (__tests__/setup.ts).
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
