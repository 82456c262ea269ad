import * as fs from "fs";
import * as path from "path";
import { App, type TerraformStack } from "../constructs/cdktf";
import { formatProblem, selectApplication, ValidationError, type Problem } from "../constructs/model";
import { validateEnvironment, type Environment } from "../environments";
import { EksStack } from "./eks-stack";
import { EcsStack } from "./ecs-stack";
import { LabStack } from "./lab-stack";
import { NomadLabStack } from "./nomad-lab-stack";
import { SwarmLabStack } from "./swarm-lab-stack";

export { EksStack } from "./eks-stack";
export { EcsStack } from "./ecs-stack";
export { LabStack } from "./lab-stack";
export { NomadLabStack } from "./nomad-lab-stack";
export { SwarmLabStack } from "./swarm-lab-stack";

const labStackName = (env: Environment) => env.lab?.stackName ?? `lab-${env.name}`;
const nomadStackName = (env: Environment) => env.nomad?.stackName ?? `nomad-${env.name}`;
const swarmStackName = (env: Environment) => env.swarm?.stackName ?? `swarm-${env.name}`;
const eksStackName = (env: Environment) => env.eks?.stackName ?? `eks-${env.name}`;
const ecsStackName = (env: Environment) => env.ecs?.stackName ?? `ecs-${env.name}`;

/** Stack name of each target an environment enables. */
export function stackNamesOf(env: Environment): string[] {
  return [
    ...(env.lab ? [labStackName(env)] : []), ...(env.nomad ? [nomadStackName(env)] : []), ...(env.swarm ? [swarmStackName(env)] : []),
    ...(env.eks ? [eksStackName(env)] : []),
    ...(env.ecs ? [ecsStackName(env)] : []),
  ];
}

/** Adds every stack an environment enables to the app. The environment must be valid. */
export function addStacks(app: App, env: Environment): TerraformStack[] {
  const application = selectApplication(env.application, env.selection);
  const stacks: TerraformStack[] = [];
  if (env.lab) stacks.push(new LabStack(app, labStackName(env), { environment: env, application }));
  if (env.nomad) stacks.push(new NomadLabStack(app, nomadStackName(env), { environment: env, target: env.nomad, application }));
  if (env.swarm) stacks.push(new SwarmLabStack(app, swarmStackName(env), { environment: env, target: env.swarm, application }));
  if (env.eks) stacks.push(new EksStack(app, eksStackName(env), { environment: env, target: env.eks, application }));
  if (env.ecs) stacks.push(new EcsStack(app, ecsStackName(env), { environment: env, target: env.ecs, application }));
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
    const app = new App({ outdir: staging, skipValidation: false, stackTraces: false });
    const stacks = environments.flatMap((env) => addStacks(app, env));
    app.synth();
    publish(staging, outdir);
    return stacks.map((s) => s.node.id);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Moves every synthesized file into place, keeping what Terraform keeps next to them (`.terraform/`, lock
 * files), so re-synthesizing does not force a new `terraform init`.
 */
function publish(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      publish(source, target);
    } else {
      fs.mkdirSync(to, { recursive: true });
      fs.renameSync(source, target);
    }
  }
}

/**
 * The warnings and errors the stacks recorded at synth (what a platform cannot do, policy findings), as
 * `cdktf synth` prints them, read from the manifest just written. Informational notes are left out.
 */
export function synthWarnings(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.entries(manifest.stacks as Record<string, { annotations?: { level: string; message: string }[] }>).flatMap(([stack, s]) =>
    (s.annotations ?? [])
      .filter((a) => a.level !== "@cdktf/info")
      .map((a) => `${a.level === "@cdktf/error" ? "error" : "warning"} [${stack}] ${a.message}`),
  );
}

export { formatProblem };
