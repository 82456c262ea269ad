import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { stackNamesOf, synthesizeAll } from "../stacks";

const root = path.resolve(__dirname, "..");
const made: string[] = [];
const tmp = () => {
  made.push(fs.mkdtempSync(path.join(os.tmpdir(), "argo-bundle-")));
  return made[made.length - 1];
};
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Every file under `dir`, relative to it, with its bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(path.join(dir, at), { withFileTypes: true })) {
      const name = path.join(at, entry.name);
      if (entry.isDirectory()) walk(name);
      else files.set(name, fs.readFileSync(path.join(dir, name)));
    }
  };
  walk("");
  return files;
}

/** `npm run synth` as it runs: the launcher, which builds dist/synth.js when a source is newer and runs it. */
function launch(outdir: string, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(root, "scripts/synth.js"), ...args], {
    cwd: root,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
}

describe("the prebuilt synth (npm run synth)", () => {
  // The same stacks synthesized from the TypeScript sources, in this process, with cdktf's token stack traces.
  const expectedDir = path.join(tmp(), "out");
  synthesizeAll(ENVIRONMENTS, expectedDir);
  const expected = filesOf(expectedDir);

  it.each([
    ["one thread", "1"],
    ["two threads", "2"],
  ])("writes byte for byte what the sources write, on %s", (_, threads) => {
    const outdir = path.join(tmp(), "out");
    const run = launch(outdir, [], { ARGO_SYNTH_THREADS: threads });
    expect(
      run.stderr.split("\n").filter((l) => l && !/^warning \[[\w-]+\] /.test(l) && !/^build-synth: /.test(l)),
    ).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Synthesized ${ENVIRONMENTS.flatMap(stackNamesOf).length} stack(s)`);
    const actual = filesOf(outdir);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, bytes] of expected)
      expect({ file, same: actual.get(file)!.equals(bytes) }).toEqual({ file, same: true });
  });

  it("synthesizes only the stacks it is given, each as in the full synth, and lists only them in the manifest", () => {
    const outdir = path.join(tmp(), "out");
    const run = launch(outdir, ["eks", "swarm-lab"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Synthesized 2 stack(s)");
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const full = JSON.parse(expected.get("manifest.json")!.toString());
    expect(manifest.stacks).toEqual({ eks: full.stacks.eks, "swarm-lab": full.stacks["swarm-lab"] });
    for (const [file, bytes] of filesOf(outdir))
      if (file !== "manifest.json")
        expect({ file, same: bytes.equals(expected.get(file)!) }).toEqual({ file, same: true });
  });

  it("names the stacks there are when asked for one that is not, and writes nothing", () => {
    const outdir = path.join(tmp(), "out");
    const run = launch(outdir, [], { ARGO_STACKS: "eks,ekss" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `unknown stack "ekss"; the stacks are: ${ENVIRONMENTS.flatMap(stackNamesOf).join(", ")}`,
    );
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it("loads a fork's environments written in TypeScript", () => {
    const outdir = path.join(tmp(), "out");
    const run = launch(outdir, [], { ARGO_ENVIRONMENTS: path.join(__dirname, "fixtures/broken-environments.ts") });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("The configuration has 5 problems:");
    expect(run.stderr).toContain("Nothing was written.");
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
