/**
 * The parts of `terraform show -json <plan>` the review reads (Terraform's JSON output format, format_version 1.x):
 * each resource's change with its values before and after, and the drift a refresh found.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export type Action = "no-op" | "create" | "read" | "update" | "delete";

export interface ResourceChange {
  readonly address: string;
  readonly mode?: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: readonly Action[];
    readonly before: Record<string, any> | null;
    readonly after: Record<string, any> | null;
    /** Attributes known only after apply: `true` where the whole value is unknown. */
    readonly after_unknown?: Record<string, any>;
    readonly before_sensitive?: unknown;
    readonly after_sensitive?: unknown;
    readonly replace_paths?: unknown;
  };
  readonly action_reason?: string;
}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
}

/** A plan as `terraform show -json` wrote it; throws naming the file and what is wrong with it. */
export function readPlan(file: string): PlanJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`--plan ${file}: not a readable JSON file (${(error as Error).message})`, { cause: error });
  }
  return checkPlan(parsed, `--plan ${file}`);
}

export function checkPlan(parsed: unknown, what: string): PlanJson {
  const plan = parsed as PlanJson;
  const problems: string[] = [];
  if (typeof plan !== "object" || plan === null) throw new Error(`${what}: expected a JSON object`);
  if (typeof plan.format_version !== "string" || !/^1\./.test(plan.format_version))
    problems.push(
      `format_version is ${JSON.stringify(plan.format_version)}, expected "1.x" (the output of terraform show -json <plan file>)`,
    );
  for (const field of ["resource_changes", "resource_drift"] as const) {
    const list = plan[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`${field} is ${typeof list}, expected a list`);
      continue;
    }
    list.forEach((rc, i) => {
      if (typeof rc?.address !== "string") problems.push(`${field}[${i}].address is missing`);
      if (typeof rc?.type !== "string") problems.push(`${field}[${i}].type is missing`);
      if (!Array.isArray(rc?.change?.actions)) problems.push(`${field}[${i}].change.actions is missing`);
    });
  }
  if (problems.length) throw new Error(`${what}:\n  ${problems.join("\n  ")}`);
  return plan;
}

export interface PlanRun {
  readonly planFile: string;
  readonly plan: PlanJson;
}

/**
 * `terraform plan -out <file>` in the stack's directory (initialized: `terraform init` or `cdktf deploy` ran
 * there), then `terraform show -json <file>`. The plan file is what `terraform apply <file>` applies.
 */
export function runTerraformPlan(
  stackDir: string,
  planFile: string,
  options: { readonly refreshOnly?: boolean; readonly replace?: readonly string[]; readonly terraform?: string } = {},
): PlanRun {
  const terraform = options.terraform ?? process.env.ARGO_TERRAFORM ?? "terraform";
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json")))
    throw new Error(`${stackDir} holds no cdk.tf.json: run npm run synth first`);
  const args = [
    "plan",
    "-input=false",
    "-no-color",
    `-out=${planFile}`,
    ...(options.refreshOnly ? ["-refresh-only"] : []),
    ...(options.replace ?? []).map((address) => `-replace=${address}`),
  ];
  const planned = spawnSync(terraform, args, { cwd: stackDir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (planned.error) throw new Error(`${terraform} plan: ${planned.error.message}`);
  if (planned.status !== 0)
    throw new Error(
      `${terraform} ${args.join(" ")} (in ${stackDir}) exited ${planned.status}:\n${(planned.stderr || planned.stdout).trim().split("\n").slice(-20).join("\n")}`,
    );
  const shown = spawnSync(terraform, ["show", "-json", planFile], {
    cwd: stackDir,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (shown.status !== 0)
    throw new Error(`${terraform} show -json ${planFile} exited ${shown.status}: ${shown.stderr}`);
  return { planFile, plan: checkPlan(JSON.parse(shown.stdout), `terraform show -json ${planFile}`) };
}

/**
 * The plan without anything secret: only the resource changes and drift, with every value Terraform marks
 * sensitive (before_sensitive / after_sensitive) replaced by "(sensitive)". Prior state, configuration and
 * variables are left out. For recording fixtures.
 */
export function withoutSecrets(plan: PlanJson): PlanJson {
  const scrub = (rc: ResourceChange): ResourceChange => ({
    ...rc,
    change: {
      ...rc.change,
      before: redact(rc.change.before, rc.change.before_sensitive) as Record<string, any> | null,
      after: redact(rc.change.after, rc.change.after_sensitive) as Record<string, any> | null,
    },
  });
  return {
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    ...(plan.resource_changes ? { resource_changes: plan.resource_changes.map(scrub) } : {}),
    ...(plan.resource_drift ? { resource_drift: plan.resource_drift.map(scrub) } : {}),
  };
}

export const REDACTED = "(sensitive)";

function redact(value: unknown, sensitive: unknown): unknown {
  if (sensitive === true) return value === null || value === undefined ? value : REDACTED;
  if (value === null || typeof value !== "object" || sensitive === undefined || sensitive === false) return value;
  if (Array.isArray(value)) return value.map((v, i) => redact(v, Array.isArray(sensitive) ? sensitive[i] : undefined));
  const marks = sensitive as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, marks[k])]));
}
