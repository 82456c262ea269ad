import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { disableTokenStackTraces } from "../constructs/cdktf";
import { removeTempDirs } from "./temp";

setupJest();
// No test reads where a token was created; capturing that trace for every token, mapped through the
// transpiled sources' source maps, was a third of a typical suite's CPU time.
disableTokenStackTraces();

// cdktf's Testing.app() makes an output directory for every app in os.tmpdir() (this file's own temporary
// directory, scripts/jest-temp-area.js) and gives no handle to remove it: removed after the file.
afterAll(() => {
  removeTempDirs();
  for (const name of fs.readdirSync(os.tmpdir()))
    if (name.startsWith("cdktf.outdir.")) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
});
