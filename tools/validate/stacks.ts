/** Reading the synthesized stacks back: every resource as Terraform will receive it. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface SynthesizedStack {
  readonly name: string;
  readonly dir: string;
  /** The parsed `cdk.tf.json`. */
  readonly config: TerraformJson;
}

export interface TerraformJson {
  readonly terraform?: {
    readonly required_providers?: Record<string, { source: string; version: string }>;
    readonly backend?: unknown;
  };
  readonly provider?: Record<string, unknown>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly [block: string]: unknown;
}

export interface ResourceOf {
  readonly stack: SynthesizedStack;
  readonly type: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
}

export function readStacks(outdir: string): SynthesizedStack[] {
  const root = join(outdir, "stacks");
  if (!existsSync(root)) throw new Error(`${root} does not exist: run \`npm run synth\` first`);
  return readdirSync(root)
    .sort()
    .filter((name) => existsSync(join(root, name, "cdk.tf.json")))
    .map((name) => ({
      name,
      dir: join(root, name),
      config: JSON.parse(readFileSync(join(root, name, "cdk.tf.json"), "utf8")),
    }));
}

export function resourcesOf(stack: SynthesizedStack, type: string): ResourceOf[] {
  return Object.entries(stack.config.resource?.[type] ?? {}).map(([name, body]) => ({
    stack,
    type,
    name,
    body,
    address: `${type}.${name}`,
  }));
}

export function allResources(stacks: readonly SynthesizedStack[], type: string): ResourceOf[] {
  return stacks.flatMap((s) => resourcesOf(s, type));
}
