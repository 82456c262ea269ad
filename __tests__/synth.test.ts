import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ValidationError } from "../constructs/model";
import { ENVIRONMENTS } from "../environments";
import { stackNamesOf, synthesizeAll } from "../stacks";
import { labCopy } from "./helpers";
import { runSynthCommand, unexpectedStderr } from "./synth-command";
import { tempDir } from "./temp";

const tmp = () => tempDir("argo-synth-");

const runMain = (env: Record<string, string>) => runSynthCommand(env);

describe("synthesizing every stack", () => {
  it("writes each stack's Terraform and capability report", () => {
    const outdir = path.join(tmp(), "out");
    const stacks = synthesizeAll(ENVIRONMENTS, outdir);
    // The SPEC's stack names, each from the environment that enables it.
    expect(stacks).toEqual(ENVIRONMENTS.flatMap(stackNamesOf));
    expect(stacks).toEqual(expect.arrayContaining(["lab", "nomad-lab", "swarm-lab", "eks", "ecs"]));
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual([...stacks].sort());
    for (const stack of stacks) {
      expect(
        JSON.parse(fs.readFileSync(path.join(outdir, `stacks/${stack}/cdk.tf.json`), "utf8")).terraform,
      ).toBeDefined();
      // Every stack that runs the application reports how it realizes the model (the lab stack runs machines).
      expect(fs.existsSync(path.join(outdir, `stacks/${stack}/capabilities.json`))).toBe(stack !== "lab");
    }
    expect(fs.existsSync(path.join(outdir, "stacks/swarm-lab/docker-stack.yml"))).toBe(true);
    expect(fs.existsSync(path.join(outdir, "stacks/lab/cdk.tf.json"))).toBe(true);
    expect(fs.existsSync(path.join(outdir, "stacks/nomad-lab/cdk.tf.json"))).toBe(true);
    expect(
      JSON.parse(fs.readFileSync(path.join(outdir, "stacks/nomad-lab/capabilities.json"), "utf8")).length,
    ).toBeGreaterThan(0);
    expect(
      JSON.parse(fs.readFileSync(path.join(outdir, "stacks/ecs/cdk.tf.json"), "utf8")).resource.aws_ecs_service,
    ).toBeDefined();
    expect(
      JSON.parse(fs.readFileSync(path.join(outdir, "stacks/ecs/capabilities.json"), "utf8")).length,
    ).toBeGreaterThan(0);
  });

  it("keeps what Terraform left next to a stack when synthesizing again", () => {
    const outdir = path.join(tmp(), "out");
    // The environment of nomad-lab alone: what is kept does not depend on the other environments' stacks.
    const lab = ENVIRONMENTS.filter((e) => stackNamesOf(e).includes("nomad-lab"));
    synthesizeAll(lab, outdir);
    const providers = path.join(outdir, "stacks/nomad-lab/.terraform");
    fs.mkdirSync(providers);
    fs.writeFileSync(path.join(outdir, "stacks/nomad-lab/cdk.tf.json"), "stale");
    synthesizeAll(lab, outdir);
    expect(fs.existsSync(providers)).toBe(true);
    expect(
      JSON.parse(fs.readFileSync(path.join(outdir, "stacks/nomad-lab/cdk.tf.json"), "utf8")).resource.nomad_job,
    ).toBeDefined();
    expect(fs.readdirSync(path.dirname(outdir)).filter((n) => n.includes("staging"))).toEqual([]);
  });

  it("refuses invalid environments with every problem and leaves the output directory as it was", () => {
    const outdir = path.join(tmp(), "out");
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, "previous.txt"), "kept");
    const env = labCopy();
    env.adminCidrs = ["nonsense"];
    env.selection.optionalServices = ["gitlabb"];
    let error: unknown;
    try {
      synthesizeAll([env], outdir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual([
      "environments.lab.selection.optionalServices[0]",
      "environments.lab.adminCidrs[0]",
    ]);
    expect(fs.readdirSync(outdir)).toEqual(["previous.txt"]);
  });

  it("rejects two environments claiming the same stack name", () => {
    expect(() => synthesizeAll([labCopy(), labCopy()], path.join(tmp(), "out"))).toThrow(
      'stack name "nomad-lab" is already used by environment "lab"',
    );
  });
});

describe("the synth command", () => {
  it("exits 0 and writes the stacks, with no Terraform binary on PATH", () => {
    const bin = tmp();
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const PATH = `${bin}:/usr/bin:/bin`;
    expect(spawnSync("sh", ["-c", "command -v terraform"], { env: { PATH } }).status).not.toBe(0);
    const outdir = path.join(tmp(), "out");
    const run = runMain({ CDKTF_OUTDIR: outdir, PATH });
    expect(run.status).toBe(0);
    // Only the platforms' and policies' warnings, as `cdktf synth` prints them: nothing else on stderr.
    const lines = run.stderr.trim().split("\n");
    expect(unexpectedStderr(run.stderr)).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^warning \[swarm-lab\] \[swarm\] query-api: autoscaling .* not supported on Swarm/),
    );
    expect(run.stdout).toContain(`Synthesized ${ENVIRONMENTS.flatMap(stackNamesOf).length} stack(s)`);
    expect(fs.existsSync(path.join(outdir, "stacks/nomad-lab/cdk.tf.json"))).toBe(true);
  });

  it("exits non-zero with every problem, and writes nothing, for a broken environment", () => {
    const outdir = path.join(tmp(), "out");
    const run = runMain({
      CDKTF_OUTDIR: outdir,
      ARGO_ENVIRONMENTS: path.join(__dirname, "fixtures/broken-environments.ts"),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("The configuration has 5 problems:");
    expect(run.stderr).toContain('services.query-api.talksTo[1]: unknown service "memcache"');
    expect(run.stderr).toContain('environments.lab.adminCidrs[0]: "192.168.10.0/33" is not a valid CIDR');
    expect(run.stderr).toContain(
      'environments.lab.nomad.hostVolumes: has no entry for volume "postgres-data" of service "postgres"',
    );
    expect(run.stderr).toContain("Nothing was written.");
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual([]);
  });
});
