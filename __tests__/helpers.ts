import { App, Testing } from "../constructs/cdktf";
import { ARGO, formatProblem, selectApplication, validateApplication, type Application } from "../constructs/model";
import type { Job, JobFile } from "../constructs/nomad/jobspec";
import { unescapeTerraformTemplate } from "../constructs/builtin/terraform-escape";
import { LAB, type Environment } from "../environments";
import { NomadLabStack, validateEnvironment } from "../stacks";

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** A deep, writable copy of ARGO for tests that break one thing. */
export function argoCopy(): Mutable<Application> {
  return structuredClone(ARGO) as Mutable<Application>;
}

export function serviceOf(app: Mutable<Application>, name: string) {
  const service = app.services.find((s) => s.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

export function problemsOf(app: Application): string[] {
  return validateApplication(app).map(formatProblem);
}

export function envProblemsOf(env: Environment): string[] {
  return validateEnvironment(env).map(formatProblem);
}

export function labCopy(): Mutable<Environment> {
  return structuredClone(LAB) as Mutable<Environment>;
}

export interface Synthesized {
  readonly json: any;
  readonly text: string;
  readonly stack: NomadLabStack;
}

export function synthNomad(env: Environment = LAB): Synthesized {
  const app = Testing.app() as App;
  const stack = new NomadLabStack(app, "nomad-test", {
    environment: env,
    target: env.nomad!,
    application: selectApplication(env.application, env.selection),
  });
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text, stack };
}

/** The jobspecs of a synthesized stack as Nomad receives them (Terraform escaping removed), by job ID. */
export function jobsOf(synth: Synthesized): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const resource of Object.values<any>(synth.json.resource.nomad_job)) {
    const file = JSON.parse(unescapeTerraformTemplate(resource.jobspec)) as JobFile;
    jobs.set(file.Job.ID, file.Job);
  }
  return jobs;
}

export function resourcesOfType(synth: Synthesized, type: string): any[] {
  return Object.values(synth.json.resource[type] ?? {});
}
