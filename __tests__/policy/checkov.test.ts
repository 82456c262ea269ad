/**
 * The policy rules against the scanner they are named after: checkov (the pinned version) on every
 * synthesized stack. Every checkov id a rule claims to match must be evaluated on the stacks that hold its
 * resources and pass there; a failure is accepted only where checkov-skips.json records it with a reason
 * that names the rule. Needs the toolchain's checkov (`npm run toolchain`); about a minute on a busy machine.
 */
import { join } from "node:path";
import { ALL_RULES } from "../../constructs/policy";
import { ENVIRONMENTS } from "../../environments";
import { synthesizeAll } from "../../stacks";
import { stackNamesByTarget } from "../../stacks/synth";
import {
  CHECKOV_VERSION,
  judge,
  readSkips,
  runCheckovOnStacks,
  skipFor,
  type StackRun,
} from "../../tools/validate/checks/checkov";
import { runProgramCached } from "../../tools/validate/program-cache";
import { venvTool } from "../../tools/validate/programs";
import { readStacks } from "../../tools/validate/stacks";
import { tempDir } from "../temp";

/** Ids a rule names that checkov's scan of Terraform cannot evaluate, and why. */
const NOT_IN_TERRAFORM_SCAN: Readonly<Record<string, string>> = {
  CKV_DOCKER_7: "a Dockerfile check (no Dockerfile is generated)",
  CKV_SECRET_6: "a check of checkov's secrets framework, not of its Terraform checks",
  CKV_K8S_23: "a check of Kubernetes manifests only: checkov has no Terraform version of it",
};

jest.setTimeout(20 * 60_000);

let runs: StackRun[] = [];
const skips = readSkips();

beforeAll(() => {
  const checkov = venvTool("checkov");
  if (!checkov.found) throw new Error(checkov.reason);
  expect(runProgramCached(checkov.path, ["--version"], []).stdout.trim()).toBe(CHECKOV_VERSION);
  const outdir = join(tempDir("argo-checkov-"), "out");
  synthesizeAll(ENVIRONMENTS, outdir);
  const workDir = tempDir("argo-checkov-work-");
  const started = Date.now();
  runs = runCheckovOnStacks(checkov.path, readStacks(outdir), workDir);
  console.log(
    `checkov ${CHECKOV_VERSION}: ${runs.map((r) => r.stack).join(", ")} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

describe("checkov on the synthesized stacks", () => {
  it("evaluates every checkov id a policy rule claims, and each passes wherever checkov finds its resources", () => {
    const problems: string[] = [];
    for (const rule of ALL_RULES) {
      for (const id of rule.scannerIds ?? []) {
        const results = runs.flatMap((run) =>
          run.results.filter((r) => r.id === id).map((r) => ({ ...r, stack: run.stack })),
        );
        if (id in NOT_IN_TERRAFORM_SCAN) {
          if (results.length > 0)
            problems.push(`${rule.id}: checkov now evaluates ${id}; take it out of NOT_IN_TERRAFORM_SCAN`);
          continue;
        }
        if (!results.some((r) => r.outcome === "passed"))
          problems.push(`${rule.id}: checkov passed ${id} on no resource of any stack (it judged nothing)`);
        for (const r of results.filter((x) => x.outcome !== "passed")) {
          const skip = skipFor(skips, r.stack, r.id, r.address);
          if (!skip)
            problems.push(
              `${rule.id}: ${id} ${r.outcome} on ${r.stack} ${r.address} (${r.title}), though the rule passed at synth`,
            );
          else if (!skip.reason.includes(rule.id))
            problems.push(`${rule.id}: the skip of ${id} on ${r.stack} ${r.address} must say how ${rule.id} treats it`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("judges every stack with AWS or Kubernetes resources, and every finding there is fixed or skipped with a reason", () => {
    const findings = runs.flatMap((run) => judge(run, skips));
    expect(findings.filter((f) => f.outcome === "failed")).toEqual([]);
    const judged = findings.filter((f) => f.outcome === "ok").map((f) => f.artifact.split(" ")[0]);
    // The stacks of every environment in the registry, built-in or a customer's.
    const names = ENVIRONMENTS.map(stackNamesByTarget);
    expect(judged).toEqual(expect.arrayContaining(names.flatMap((n) => [n.eks, n.ecs]).filter((n) => n !== undefined)));
    // The stacks checkov has no checks for say so, rather than passing.
    expect(
      findings
        .filter((f) => f.outcome === "not-run")
        .map((f) => f.artifact.split(" ")[0])
        .sort(),
    ).toEqual(
      names
        .flatMap((n) => [n.lab, n.nomad, n.swarm])
        .filter((n) => n !== undefined)
        .sort(),
    );
  });

  it("reads the container definitions and IAM policies that terraform_json leaves as strings", () => {
    const ecs = runs.find((r) => r.stack === "ecs")!;
    // CKV_AWS_336 fails where the model grants a writable root: proof that the container definitions were read.
    expect(ecs.results.filter((r) => r.id === "CKV_AWS_336" && r.outcome === "failed").length).toBeGreaterThan(0);
    expect(ecs.results.some((r) => r.id === "CKV_AWS_334" && r.outcome === "passed")).toBe(true);
    expect(ecs.results.some((r) => r.id === "CKV_AWS_355" && r.outcome === "passed")).toBe(true);
  });
});
