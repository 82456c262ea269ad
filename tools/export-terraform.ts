import * as fs from "fs";
import * as path from "path";

/**
 * Leaving cdktf: turns one synthesized stack into a plain Terraform directory that needs neither cdktf nor
 * Node. Terraform (and OpenTofu) read `*.tf.json` natively, so the configuration is the synthesized JSON
 * itself, minus cdktf's `//` metadata; resource addresses are unchanged, so existing state still matches.
 * A local state path is rewritten to the new directory's `terraform.tfstate` (move the state file there).
 */
export interface ExportResult {
  readonly directory: string;
  readonly files: readonly string[];
  /** What the person must do by hand, if anything (moving local state). */
  readonly notes: readonly string[];
}

export function exportStack(stackDir: string, target: string): ExportResult {
  const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const notes: string[] = [];
  const local = config.terraform?.backend?.local;
  if (local?.path) {
    notes.push(
      `move the state file ${path.resolve(stackDir, local.path)} to ${path.join(target, "terraform.tfstate")}`,
    );
    local.path = "terraform.tfstate";
  }
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, "main.tf.json"), JSON.stringify(withoutMetadata(config), null, 2) + "\n");
  const files = ["main.tf.json"];
  // Files written next to the stack for people (stack files, capability reports) travel with it.
  for (const name of fs.readdirSync(stackDir)) {
    if (name === "cdk.tf.json" || name === "metadata.json" || name.startsWith(".")) continue;
    if (fs.statSync(path.join(stackDir, name)).isFile()) {
      fs.copyFileSync(path.join(stackDir, name), path.join(target, name));
      files.push(name);
    }
  }
  return { directory: target, files, notes };
}

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .map(([key, child]) => [key, withoutMetadata(child)]),
    );
  }
  return value;
}

if (require.main === module) {
  const [stack, target] = process.argv.slice(2);
  if (!stack || !target) {
    console.error("usage: npm run export -- <stack> <directory>   (run `npm run synth` first)");
    process.exit(2);
  }
  const stackDir = path.join(process.env.CDKTF_OUTDIR ?? "cdktf.out", "stacks", stack);
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json"))) {
    console.error(
      `no synthesized stack "${stack}" in ${stackDir}; run \`npm run synth\` first (stacks: ${fs.existsSync(path.dirname(stackDir)) ? fs.readdirSync(path.dirname(stackDir)).join(", ") : "none"})`,
    );
    process.exit(1);
  }
  const result = exportStack(stackDir, target);
  console.log(`Exported ${stack} to ${result.directory}: ${result.files.join(", ")}`);
  for (const note of result.notes) console.log(`Then ${note}.`);
}
