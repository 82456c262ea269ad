import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { AWS, type Environment } from "../../environments";
import { EcsStack, EksStack } from "../../stacks";

export type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** A deep, writable copy of the aws environment. */
export const awsCopy = (): Mutable<Environment> => structuredClone(AWS) as Mutable<Environment>;

export interface SynthesizedAws {
  readonly json: any;
  readonly stack: EcsStack | EksStack;
  /** Resources of a type, by their Terraform key. */
  resources(type: string): Record<string, any>;
  list(type: string): any[];
  /** The Terraform reference to an attribute of the resource of `type` whose key contains `keyPart`. */
  ref(type: string, keyPart: string, attribute: string): string;
}

export function synthAws(kind: "ecs" | "eks", env: Environment = AWS): SynthesizedAws {
  const application = selectApplication(env.application, env.selection);
  const app = Testing.app() as App;
  const stack =
    kind === "ecs"
      ? new EcsStack(app, "ecs-test", { environment: env, target: env.ecs!, application })
      : new EksStack(app, "eks-test", { environment: env, target: env.eks!, application });
  const json = JSON.parse(Testing.synth(stack));
  const resources = (type: string): Record<string, any> => json.resource[type] ?? {};
  return {
    json,
    stack,
    resources,
    list: (type) => Object.values(resources(type)),
    ref(type, keyPart, attribute) {
      const keys = Object.keys(resources(type)).filter((k) => k.includes(keyPart));
      if (keys.length !== 1) throw new Error(`${keys.length} ${type} resources match "${keyPart}": ${keys.join(", ")}`);
      return `\${${type}.${keys[0]}.${attribute}}`;
    },
  };
}

/** The annotations of the eks stack's one Ingress. */
export const ingressAnnotationsOf = (synth: SynthesizedAws): Record<string, string> =>
  synth.list("kubernetes_ingress_v1")[0].metadata.annotations;

/** Synthesizes a stack and returns the error messages synth raised (policy errors), or "" when it passed. */
export function synthErrors(build: (app: App) => void): string {
  const app = Testing.app() as App;
  build(app);
  try {
    app.synth();
    return "";
  } catch (error) {
    return String(error);
  }
}
