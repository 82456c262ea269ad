import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { stackNamesOf, synthesizeAll } from "../stacks";
import { exportStack } from "../tools/export-terraform";
import { tempDir } from "./temp";

const scratch = tempDir("argo-export-");
const outdir = path.join(scratch, "out");
synthesizeAll(ENVIRONMENTS, outdir);

/** Every `type.name` a Terraform expression refers to (resources, data sources, locals, variables). */
function referencesIn(text: string): string[] {
  const refs: string[] = [];
  for (const expression of text.match(/\$\{[^}]*\}/g) ?? []) {
    for (const match of expression.matchAll(
      /\b(data\.[a-z0-9_]+\.[\w-]+|local\.[\w-]+|var\.[\w-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[\w-]+)/g,
    ))
      refs.push(match[1]);
  }
  return refs;
}

describe("leaving cdktf: a synthesized stack as a plain Terraform directory", () => {
  it.each(ENVIRONMENTS.flatMap(stackNamesOf))("%s exports to a self-contained main.tf.json", (stack) => {
    const target = path.join(scratch, "exported", stack);
    const result = exportStack(path.join(outdir, "stacks", stack), target);
    const text = fs.readFileSync(path.join(target, "main.tf.json"), "utf8");
    const config = JSON.parse(text);
    const original = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    expect(text).not.toContain('"//"');
    // Same addresses: existing state keeps matching.
    for (const [type, resources] of Object.entries<any>(original.resource ?? {}))
      expect(Object.keys(config.resource[type]).sort()).toEqual(Object.keys(resources).sort());
    expect(config.terraform.required_providers).toEqual(original.terraform.required_providers);
    // Every reference resolves inside the file: nothing points back into cdktf.
    const declared = new Set<string>([
      ...Object.entries<any>(config.resource ?? {}).flatMap(([type, r]) =>
        Object.keys(r).map((name) => `${type}.${name}`),
      ),
      ...Object.entries<any>(config.data ?? {}).flatMap(([type, r]) =>
        Object.keys(r).map((name) => `data.${type}.${name}`),
      ),
      ...Object.keys(config.locals ?? {}).map((name) => `local.${name}`),
      ...Object.keys(config.variable ?? {}).map((name) => `var.${name}`),
    ]);
    expect(referencesIn(text).length).toBeGreaterThan(0);
    const unresolved = referencesIn(text).filter((ref) => !declared.has(ref) && !/^(path|self|each|count)\./.test(ref));
    expect(unresolved).toEqual([]);
    if (original.terraform.backend?.local) {
      expect(config.terraform.backend.local.path).toBe("terraform.tfstate");
      expect(result.notes[0]).toContain(`terraform.${stack}.tfstate`);
    } else {
      expect(config.terraform.backend).toEqual(original.terraform.backend);
    }
  });
});
