/**
 * `npm run review -- <stack> [--plan plan.json] [--refresh-only] [--replace ADDRESS]... [--out plan.tfplan]
 *  [--format text|markdown] [--fail-on danger] [--outdir cdktf.out]`: a Terraform plan of one stack in the
 * model's words (docs/review.md). Without --plan it runs `terraform plan -out` in the stack's directory, then
 * `terraform show -json`. Exits 1 with --fail-on danger when a change is dangerous, 2 on bad input.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { selectApplication } from "../../constructs/model";
import { ENVIRONMENTS, type Environment } from "../../environments";
import { stackNamesOf } from "../../stacks/synth";
import { readPlan, runTerraformPlan, withoutSecrets, type PlanJson } from "./plan";
import { render, type Format } from "./render";
import { dangers, review, type ModelContext } from "./review";

export interface Options {
  readonly stack: string;
  readonly plan?: string;
  readonly refreshOnly: boolean;
  readonly replace: readonly string[];
  readonly out?: string;
  readonly format: Format;
  readonly failOnDanger: boolean;
  readonly outdir: string;
}

/** The arguments, or every problem with them at once. */
export function parseArguments(argv: readonly string[]): Options | { problems: string[] } {
  const problems: string[] = [];
  const positional: string[] = [];
  const values: Record<string, string | undefined> = {};
  const replace: string[] = [];
  let refreshOnly = false;
  const takesValue = ["--plan", "--out", "--format", "--fail-on", "--outdir", "--replace"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--refresh-only") refreshOnly = true;
    else if (takesValue.includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) problems.push(`${arg} needs a value`);
      else if (arg === "--replace") replace.push(value);
      else values[arg] = value;
    } else if (arg.startsWith("--"))
      problems.push(`unknown option ${arg} (known: ${[...takesValue, "--refresh-only"].join(", ")})`);
    else positional.push(arg);
  }
  if (positional.length !== 1)
    problems.push(`expected one stack name, got ${positional.length ? positional.join(" ") : "none"}`);
  const format = values["--format"] ?? "text";
  if (format !== "text" && format !== "markdown") problems.push(`--format is "${format}", expected text or markdown`);
  const failOn = values["--fail-on"];
  if (failOn !== undefined && failOn !== "danger") problems.push(`--fail-on is "${failOn}", expected danger`);
  if (values["--plan"] && values["--out"])
    problems.push(
      "--out writes the plan file terraform makes: it cannot be combined with --plan (a saved plan's JSON)",
    );
  if (values["--plan"] && (refreshOnly || replace.length))
    problems.push("--refresh-only and --replace shape a terraform plan run: they cannot be combined with --plan");
  if (problems.length) return { problems };
  return {
    stack: positional[0],
    plan: values["--plan"],
    refreshOnly,
    replace,
    out: values["--out"],
    format: format as Format,
    failOnDanger: failOn === "danger",
    outdir: values["--outdir"] ?? process.env.CDKTF_OUTDIR ?? "cdktf.out",
  };
}

/** What the review reads from the model of the environment that has this stack. */
export function modelContextFor(stack: string, environments: readonly Environment[]): ModelContext {
  const environment = environments.find((e) => stackNamesOf(e).includes(stack));
  if (!environment)
    throw new Error(
      `stack "${stack}" is in no environment (known stacks: ${environments.flatMap(stackNamesOf).join(", ")})`,
    );
  const app = selectApplication(environment.application, environment.selection);
  return {
    secretNames: app.secrets.map((s) => s.name),
    serviceNames: app.services.map((s) => s.name),
    dataZones: app.zones.filter((z) => z.holdsData).map((z) => z.name),
    serviceZones: Object.fromEntries(app.services.map((s) => [s.name, s.zones])),
  };
}

/** id/arn → name, over every resource's values in the plan (security groups, target groups, networks). */
export function namesById(plan: PlanJson): Map<string, string> {
  const names = new Map<string, string>();
  for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])])
    for (const values of [rc.change.before, rc.change.after])
      if (values && typeof values.name === "string")
        for (const key of ["id", "arn"]) if (typeof values[key] === "string") names.set(values[key], values.name);
  return names;
}

export function main(argv: readonly string[], environments: readonly Environment[]): number {
  const options = parseArguments(argv);
  if ("problems" in options) {
    console.error(`npm run review: ${options.problems.join("\n  ")}`);
    console.error(
      "usage: npm run review -- <stack> [--plan plan.json] [--refresh-only] [--replace ADDRESS] [--out plan.tfplan] [--format text|markdown] [--fail-on danger]",
    );
    return 2;
  }
  let plan: PlanJson;
  let context: ModelContext;
  try {
    context = modelContextFor(options.stack, environments);
    if (options.plan) plan = readPlan(options.plan);
    else {
      const stackDir = path.resolve(options.outdir, "stacks", options.stack);
      const temporary = options.out ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "argo-review-"));
      const planFile = options.out ? path.resolve(options.out) : path.join(temporary!, "plan.tfplan");
      try {
        plan = runTerraformPlan(stackDir, planFile, {
          refreshOnly: options.refreshOnly,
          replace: options.replace,
        }).plan;
      } finally {
        if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
      }
    }
  } catch (error) {
    console.error(`npm run review: ${(error as Error).message}`);
    return 2;
  }
  const names = namesById(plan);
  const result = review(
    plan,
    { ...context, nameOfId: (id) => names.get(id) },
    { mode: options.refreshOnly || (!plan.resource_changes?.length && plan.resource_drift?.length) ? "drift" : "plan" },
  );
  const text = render(result, options.stack, options.format);
  process.stdout.write(text);
  if (options.out) {
    // Side by side: plan.tfplan (apply exactly it), its summary, and its JSON without sensitive values.
    const base = options.out.replace(/\.tfplan$/, "");
    fs.writeFileSync(`${base}.review.${options.format === "markdown" ? "md" : "txt"}`, text);
    fs.writeFileSync(`${base}.plan.json`, JSON.stringify(withoutSecrets(plan), null, 2) + "\n");
  }
  return options.failOnDanger && dangers(result).length > 0 ? 1 : 0;
}

if (require.main === module) {
  const environments: readonly Environment[] = process.env.ARGO_ENVIRONMENTS
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.resolve(process.env.ARGO_ENVIRONMENTS)).ENVIRONMENTS
    : ENVIRONMENTS;
  process.exitCode = main(process.argv.slice(2), environments);
}
