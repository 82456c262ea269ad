/**
 * Forking as the README describes it: a copy of environments/northwind.ts (which exports NORTHWIND, not
 * ENVIRONMENTS) synthesized alone with ARGO_ENVIRONMENTS, by the real synth, which removes the output other
 * environments' stacks left in cdktf.out (or says why not); a module with no environment is refused with a
 * message naming it and its exports.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LEDGER, NORTHWIND } from "../environments";
import { environmentsOfModule } from "../stacks/synth";
import { runSynthCommand } from "./synth-command";

const root = path.resolve(__dirname, "..");

describe("ARGO_ENVIRONMENTS", () => {
  it("takes every Environment a module exports when it has no ENVIRONMENTS list", () => {
    expect(environmentsOfModule({ LEDGER, NORTHWIND }, "environments/acme.ts")).toEqual([NORTHWIND]);
    expect(environmentsOfModule({ ENVIRONMENTS: [NORTHWIND] }, "x.ts")).toEqual([NORTHWIND]);
  });

  it("refuses a module that describes no environment, naming it and its exports", () => {
    expect(() => environmentsOfModule({ LEDGER }, "environments/acme.ts")).toThrow(
      "environments/acme.ts exports no environment (its exports: LEDGER); expected an exported Environment such as `export const NORTHWIND: Environment = {...}`, or ENVIRONMENTS, a list of them",
    );
    expect(() => environmentsOfModule({ ENVIRONMENTS: [NORTHWIND, LEDGER] }, "x.ts")).toThrow(
      "x.ts: ENVIRONMENTS[1] is not an Environment (expected objects with name, application, selection and adminCidrs, as in environments/northwind.ts)",
    );
  });

  it("synthesizes a copy of environments/northwind.ts alone, with the real synth", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "argo-fork-env-"));
    try {
      // The README's step 1: copy the example and change its data (here only the name). The copy lives in the
      // temporary directory, so its imports point back into this repository.
      const copy = path.join(dir, "acme.ts");
      fs.writeFileSync(
        copy,
        fs
          .readFileSync(path.join(root, "environments/northwind.ts"), "utf8")
          .replace(/from "\.\.\//g, `from "${root}/`)
          .replace(/from "\.\//g, `from "${root}/environments/`)
          .replace('name: "northwind",', 'name: "acme",'),
      );
      const outdir = path.join(dir, "out");
      // Left by an earlier synth of the built-in environments: one with only synthesized files, one that
      // Terraform has state in.
      fs.mkdirSync(path.join(outdir, "stacks/lab"), { recursive: true });
      fs.writeFileSync(path.join(outdir, "stacks/lab/cdk.tf.json"), "{}");
      fs.mkdirSync(path.join(outdir, "stacks/nomad-lab"), { recursive: true });
      fs.writeFileSync(path.join(outdir, "stacks/nomad-lab/cdk.tf.json"), "{}");
      fs.writeFileSync(path.join(outdir, "stacks/nomad-lab/terraform.tfstate"), "{}");
      const run = runSynthCommand({ CDKTF_OUTDIR: outdir, ARGO_ENVIRONMENTS: copy });
      expect(run.stderr).not.toContain("Cannot read properties of undefined");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("Synthesized 2 stack(s)");
      expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["ecs-acme", "eks-acme", "nomad-lab"]);
      expect(run.stderr).toContain(
        `Removed the output of stacks no environment of this synth has from ${outdir}/stacks: lab`,
      );
      expect(run.stderr).toContain(
        `warning ${outdir}/stacks/nomad-lab is a stack of no environment of this synth, but Terraform keeps terraform.tfstate there: left in place (the manifest no longer lists it; destroy it or move its state, then delete the directory)`,
      );
      expect(fs.readFileSync(path.join(outdir, "stacks/nomad-lab/terraform.tfstate"), "utf8")).toBe("{}");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
