import * as fs from "fs";
import * as path from "path";
import { App, type TerraformStack } from "../constructs/cdktf";
import { formatProblem, selectApplication, ValidationError, type Problem } from "../constructs/model";
import { validateEnvironment, type Environment } from "../environments";
import { NomadLabStack } from "./nomad-lab-stack";

export { NomadLabStack } from "./nomad-lab-stack";

/** Stack name of each target an environment enables. */
export function stackNamesOf(env: Environment): string[] {
  return env.nomad ? [env.nomad.stackName ?? `nomad-${env.name}`] : [];
}

/** Adds every stack an environment enables to the app. The environment must be valid. */
export function addStacks(app: App, env: Environment): TerraformStack[] {
  const application = selectApplication(env.application, env.selection);
  const stacks: TerraformStack[] = [];
  if (env.nomad) {
    stacks.push(new NomadLabStack(app, env.nomad.stackName ?? `nomad-${env.name}`, { environment: env, target: env.nomad, application }));
  }
  return stacks;
}

/** Every problem of every environment, plus stack names that two environments both claim. */
export function validateEnvironments(environments: readonly Environment[]): Problem[] {
  const problems = environments.flatMap(validateEnvironment);
  const owners = new Map<string, string>();
  for (const env of environments) {
    for (const name of stackNamesOf(env)) {
      const other = owners.get(name);
      if (other) problems.push({ path: `environments.${env.name}`, message: `stack name "${name}" is already used by environment "${other}"` });
      owners.set(name, env.name);
    }
  }
  return problems;
}

/**
 * Validates every environment, then synthesizes all their stacks into `outdir`. Nothing is written unless
 * everything validates and synthesizes: output goes to a staging directory that replaces `outdir` at the end.
 */
export function synthesizeAll(environments: readonly Environment[], outdir: string): string[] {
  const problems = validateEnvironments(environments);
  if (problems.length > 0) throw new ValidationError("The configuration", problems);
  const staging = `${outdir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({ outdir: staging, skipValidation: false });
    const stacks = environments.flatMap((env) => addStacks(app, env));
    app.synth();
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
    fs.renameSync(staging, outdir);
    return stacks.map((s) => s.node.id);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export { formatProblem };
