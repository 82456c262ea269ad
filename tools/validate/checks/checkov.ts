/**
 * checkov (pinned in tools/toolchain/versions.json) on every stack's `cdk.tf.json`. Every failed check is either
 * fixed in the generators or skipped in `tools/validate/checkov-skips.json` with the check id, the stack, the
 * resource address and a written reason; anything else fails, and so does a skip that no longer matches.
 *
 * Two kinds of run (each one checkov process for all the stacks), because checkov's `terraform_json` framework
 * (the one for CDK for Terraform output) hands JSON-encoded attributes to the checks as strings: it never decodes
 * `container_definitions`, so CKV_AWS_336 passes any task definition and CKV_AWS_334/335 never run, and the
 * cloudsplaining IAM checks skip every policy. Its `terraform_plan` framework decodes exactly those attributes, so the resources that carry them
 * are also given to checkov as a plan (their synthesized values, nothing evaluated) and its resource checks'
 * results there count too. Graph checks (CKV2_*) are taken from the whole stack only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { VERSIONS } from "../../toolchain/paths";
import { runProgramCached } from "../program-cache";
import { venvTool } from "../programs";
import type { SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";

export const CHECKOV_VERSION = VERSIONS.python.checkov;
export const SKIPS_FILE = join(__dirname, "..", "checkov-skips.json");

/**
 * The attribute checkov's plan parser decodes from a JSON string, by resource type (checkov's
 * RESOURCE_TYPES_JSONIFY, the types our stacks use).
 */
export const JSON_ENCODED_ATTRIBUTES: Readonly<Record<string, string>> = {
  aws_ecs_task_definition: "container_definitions",
  aws_iam_policy: "policy",
  aws_iam_role: "assume_role_policy",
  aws_iam_role_policy: "policy",
  aws_iam_user_policy: "policy",
  aws_iam_group_policy: "policy",
  aws_vpc_endpoint: "policy",
};

export type ResultOutcome = "passed" | "failed" | "crashed";

export interface CheckovResult {
  readonly id: string;
  readonly title: string;
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
  readonly outcome: ResultOutcome;
}

export interface StackRun {
  readonly stack: string;
  /** One per check id and resource: failed (in either run) over crashed over passed. */
  readonly results: readonly CheckovResult[];
  /** Resource types checkov has checks for. */
  readonly coveredTypes: readonly string[];
  readonly uncoveredTypes: readonly string[];
  /** The checkov runs that judged this stack, shared with the other stacks given to the same run. */
  readonly seconds: number;
}

export interface Skip {
  readonly id: string;
  /** Resource addresses by stack. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  readonly reason: string;
}

export function readSkips(file: string = SKIPS_FILE): Skip[] {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { skips?: unknown };
  if (!Array.isArray(parsed.skips)) throw new Error(`${file}: expected {"skips": [...]}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.skips.forEach((skip: Partial<Skip>, index: number) => {
    const where = `${file}: skips[${index}]${skip.id ? ` (${skip.id})` : ""}`;
    if (typeof skip.id !== "string" || !/^CKV2?_[A-Z0-9]+_\d+$/.test(skip.id))
      problems.push(`${where}: id must be a checkov check id`);
    if (typeof skip.reason !== "string" || skip.reason.trim().length < 20)
      problems.push(`${where}: needs a written reason`);
    if (!skip.resources || typeof skip.resources !== "object" || Object.keys(skip.resources).length === 0)
      problems.push(`${where}: names no resources`);
    for (const [stack, addresses] of Object.entries(skip.resources ?? {})) {
      if (!Array.isArray(addresses) || addresses.length === 0)
        problems.push(`${where}: ${stack} lists no resource addresses`);
      for (const address of addresses ?? []) {
        if (!/^[a-z0-9_]+\.[A-Za-z0-9_-]+$/.test(address))
          problems.push(`${where}: ${stack} "${address}" is not one resource address (type.name)`);
        const key = `${skip.id} ${stack} ${address}`;
        if (seen.has(key)) problems.push(`${where}: ${stack} ${address} is skipped twice`);
        seen.add(key);
      }
    }
  });
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return parsed.skips as Skip[];
}

export function skipFor(skips: readonly Skip[], stack: string, id: string, address: string): Skip | undefined {
  return skips.find((s) => s.id === id && (s.resources[stack] ?? []).includes(address));
}

interface RawCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_abs_path: string;
}

/** checkov prints stray lines (e.g. cloudsplaining's) before its JSON report on stdout. */
function reportOf(
  stdout: string,
): { results?: { passed_checks: RawCheck[]; failed_checks: RawCheck[]; parsing_errors: string[] } }[] {
  const start = stdout.search(/^[[{]/m);
  if (start < 0) throw new Error(`checkov printed no JSON report:\n${stdout.slice(0, 2000)}`);
  const parsed = JSON.parse(stdout.slice(start));
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Resource types checkov has checks for (its `--list`), read once per process. */
let catalog: Set<string> | undefined;
export function checkovEntities(checkov: string): Set<string> {
  if (catalog) return catalog;
  const listed = runProgramCached(checkov, ["--list", "--framework", "terraform", "--skip-download"], []);
  if (listed.status !== 0) throw new Error(`checkov --list failed:\n${listed.output}`);
  catalog = new Set(
    listed.stdout
      .split("\n")
      .map((line) => line.split("|").map((cell) => cell.trim()))
      .filter((cells) => cells.length > 5 && /^CKV/.test(cells[2]) && cells[3] === "resource")
      .map((cells) => cells[4]),
  );
  return catalog;
}

interface RunInput {
  readonly stack: SynthesizedStack;
  /** Absolute path of the file checkov reads for this stack. */
  readonly file: string;
}

/**
 * One checkov process over the files of several stacks: its start-up (importing every check) is most of a
 * run's time, so the stacks share it. Each result is taken back to its stack by the file it names.
 */
function runOnce(
  checkov: string,
  inputs: readonly RunInput[],
  framework: string,
): Map<string, { results: CheckovResult[]; crashed: CheckovResult[] }> {
  const byFile = new Map(inputs.map((input) => [input.file, input.stack]));
  const names = inputs.map((i) => i.stack.name).join(", ");
  const run = runProgramCached(
    checkov,
    [
      ...inputs.flatMap((i) => ["-f", i.file]),
      ...["--framework", framework, "--output", "json", "--skip-download", "--compact"],
    ],
    inputs.map((i) => i.file),
    // runProgram's five minutes for each stack, as when each stack had a run of its own.
    {
      env: { ...process.env, LOG_LEVEL: "ERROR", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false" },
      timeout: 300_000 * inputs.length,
    },
  );
  // 0: nothing failed, 1: something failed; anything else is checkov itself failing.
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`checkov (${framework}) on ${names} exited ${run.status}:\n${run.output.slice(-4000)}`);
  const out = new Map(
    inputs.map((i) => [i.stack.name, { results: [] as CheckovResult[], crashed: [] as CheckovResult[] }]),
  );
  const stackOf = (file: string): SynthesizedStack => {
    const stack = byFile.get(resolve(file));
    if (!stack) throw new Error(`checkov (${framework}) reported on ${file}, which it was not given`);
    return stack;
  };
  const namesByStack = new Map<string, Map<string, string[]>>();
  // checkov 3.2's terraform_json names resources of its resource (non-graph) checks `resource.<name>`.
  const addressOf = (stack: SynthesizedStack, resource: string): string => {
    const [type, ...rest] = resource.split(".");
    const name = rest.join(".");
    if (type !== "resource") return resource;
    let byName = namesByStack.get(stack.name);
    if (!byName) {
      byName = new Map<string, string[]>();
      for (const [t, resources] of Object.entries(stack.config.resource ?? {}))
        for (const n of Object.keys(resources)) byName.set(n, [...(byName.get(n) ?? []), t]);
      namesByStack.set(stack.name, byName);
    }
    const types = byName.get(name) ?? [];
    if (types.length !== 1)
      throw new Error(
        `checkov named ${resource} on ${stack.name}, which is ${types.length === 0 ? "no" : "more than one"} resource`,
      );
    return `${types[0]}.${name}`;
  };
  for (const report of reportOf(run.stdout)) {
    if (!report.results) continue;
    if (report.results.parsing_errors.length > 0)
      throw new Error(
        `checkov (${framework}) could not parse ${report.results.parsing_errors.join(", ")} (of ${names})`,
      );
    for (const [list, outcome] of [
      [report.results.passed_checks, "passed"],
      [report.results.failed_checks, "failed"],
    ] as const) {
      for (const c of list) {
        const stack = stackOf(c.file_abs_path);
        out.get(stack.name)!.results.push({
          id: c.check_id,
          title: c.check_name,
          address: addressOf(stack, c.resource),
          outcome,
        });
      }
    }
  }
  // A check that raises is logged on stderr and reported nowhere else: it judged nothing.
  for (const m of run.stderr.matchAll(/Failed to run check (\S+) on (\S+?):([a-z0-9_]+\.[A-Za-z0-9_-]+)/g))
    out.get(stackOf(m[2]).name)!.crashed.push({
      id: m[1],
      title: "checkov raised an error running this check (see its stderr)",
      address: m[3],
      outcome: "crashed" as const,
    });
  return out;
}

/** The resources with a JSON-encoded attribute, as a plan's planned values (checkov's terraform_plan input). */
export function planViewOf(stack: SynthesizedStack): object | undefined {
  const resources = Object.entries(stack.config.resource ?? {})
    .filter(([type]) => type in JSON_ENCODED_ATTRIBUTES)
    .flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, body]) => {
        const {
          "//": _metadata,
          depends_on: _d,
          lifecycle: _l,
          provider: _p,
          count: _c,
          for_each: _f,
          ...values
        } = body as Record<string, unknown>;
        return {
          address: `${type}.${name}`,
          mode: "managed",
          type,
          name,
          provider_name: "registry.terraform.io/hashicorp/aws",
          values,
        };
      }),
    );
  return resources.length === 0
    ? undefined
    : {
        format_version: "1.2",
        terraform_version: VERSIONS.terraform.minimum,
        planned_values: { root_module: { resources } },
      };
}

const RANK: Record<ResultOutcome, number> = { passed: 0, crashed: 1, failed: 2 };

/**
 * checkov on every stack: one process for all the stacks' `cdk.tf.json` (terraform_json), one for the plan
 * views of those that have JSON-encoded attributes (terraform_plan). `seconds` is the time of those runs, which
 * every stack shares.
 */
export function runCheckovOnStacks(checkov: string, stacks: readonly SynthesizedStack[], workDir: string): StackRun[] {
  if (stacks.length === 0) return [];
  const started = Date.now();
  const entities = checkovEntities(checkov);
  const whole = runOnce(
    checkov,
    stacks.map((stack) => ({ stack, file: resolve(stack.dir, "cdk.tf.json") })),
    "terraform_json",
  );
  const views = stacks.flatMap((stack) => {
    const plan = planViewOf(stack);
    if (!plan) return [];
    const file = resolve(workDir, `${stack.name}.checkov-plan.json`);
    writeFileSync(file, JSON.stringify(plan, null, 1));
    return [{ stack, file }];
  });
  const viewed = views.length > 0 ? runOnce(checkov, views, "terraform_plan") : new Map();
  const seconds = (Date.now() - started) / 1000;
  return stacks.map((stack) => {
    const own = whole.get(stack.name)!;
    const all = [...own.results, ...own.crashed];
    const view = viewed.get(stack.name);
    if (view) {
      if (view.results.length === 0)
        throw new Error(
          `checkov (terraform_plan) judged none of ${stack.name}'s resources with JSON-encoded attributes: was the plan view read?`,
        );
      // Graph checks need the whole stack's graph, which the plan view does not have.
      all.push(...[...view.results, ...view.crashed].filter((r) => !r.id.startsWith("CKV2_")));
    }
    const merged = new Map<string, CheckovResult>();
    for (const result of all) {
      const key = `${result.id} ${result.address}`;
      const known = merged.get(key);
      if (!known || RANK[result.outcome] > RANK[known.outcome]) merged.set(key, result);
    }
    const types = Object.keys(stack.config.resource ?? {});
    return {
      stack: stack.name,
      results: [...merged.values()].sort((a, b) => a.address.localeCompare(b.address) || a.id.localeCompare(b.id)),
      coveredTypes: types.filter((t) => entities.has(t)),
      uncoveredTypes: types.filter((t) => !entities.has(t)),
      seconds,
    };
  });
}

export function runCheckov(checkov: string, stack: SynthesizedStack, workDir: string): StackRun {
  return runCheckovOnStacks(checkov, [stack], workDir)[0];
}

/** The findings of one stack's run: each failure not skipped, each skip that matched nothing. */
export function judge(run: StackRun, skips: readonly Skip[]): Finding[] {
  if (run.coveredTypes.length === 0) {
    if (run.results.length > 0)
      return [
        {
          artifact: `${run.stack} cdk.tf.json`,
          outcome: "failed",
          detail: `checkov judged resources of types its --list does not name`,
        },
      ];
    return [
      {
        artifact: `${run.stack} cdk.tf.json`,
        outcome: "not-run",
        detail: `checkov ${CHECKOV_VERSION} has no checks for any resource type here (${run.uncoveredTypes.join(", ")})`,
      },
    ];
  }
  const passed = run.results.filter((r) => r.outcome === "passed").length;
  if (passed === 0)
    return [
      {
        artifact: `${run.stack} cdk.tf.json`,
        outcome: "failed",
        detail: `checkov passed no check on resources of ${run.coveredTypes.join(", ")}: it judged nothing`,
      },
    ];
  const findings: Finding[] = [];
  const used = new Set<string>();
  let skipped = 0;
  for (const r of run.results.filter((x) => x.outcome !== "passed")) {
    const skip = skipFor(skips, run.stack, r.id, r.address);
    if (skip) {
      skipped++;
      used.add(`${r.id} ${r.address}`);
    } else {
      findings.push({
        artifact: `${run.stack} ${r.address}`,
        outcome: "failed",
        detail: `${r.id}${r.outcome === "crashed" ? " (crashed)" : ""}: ${r.title}`,
      });
    }
  }
  for (const skip of skips) {
    for (const address of skip.resources[run.stack] ?? []) {
      if (!used.has(`${skip.id} ${address}`)) {
        findings.push({
          artifact: `checkov-skips.json ${skip.id} ${run.stack} ${address}`,
          outcome: "failed",
          detail: "checkov does not fail this (any more): remove the skip",
        });
      }
    }
  }
  findings.unshift({
    artifact: `${run.stack} cdk.tf.json`,
    outcome: "ok",
    detail: `${passed} passed, ${skipped} skipped with a reason, ${run.seconds.toFixed(1)} s`,
  });
  return findings;
}

export const CHECKOV: Check = {
  name: `checkov ${CHECKOV_VERSION} (terraform_json, and terraform_plan for JSON-encoded attributes)`,
  run(stacks, workDir) {
    const checkov = venvTool("checkov");
    if (!checkov.found)
      return stacks.map((s) => ({
        artifact: `${s.name} cdk.tf.json`,
        outcome: "not-run" as const,
        detail: checkov.reason,
      }));
    const version = runProgramCached(checkov.path, ["--version"], []).stdout.trim();
    if (version !== CHECKOV_VERSION) {
      return stacks.map((s) => ({
        artifact: `${s.name} cdk.tf.json`,
        outcome: "not-run" as const,
        detail: `checkov ${version} is installed, ${CHECKOV_VERSION} is pinned (run \`npm run toolchain\`)`,
      }));
    }
    const skips = readSkips();
    const names = new Set(stacks.map((s) => s.name));
    const unknown: Finding[] = skips.flatMap((skip) =>
      Object.keys(skip.resources)
        .filter((stack) => !names.has(stack))
        .map((stack) => ({
          artifact: `checkov-skips.json ${skip.id} ${stack}`,
          outcome: "failed" as const,
          detail: `no stack ${stack} was synthesized`,
        })),
    );
    return [...runCheckovOnStacks(checkov.path, stacks, workDir).flatMap((run) => judge(run, skips)), ...unknown];
  },
};
