/**
 * The golden list of Terraform addresses per stack (`__tests__/fixtures/resource-addresses.json`): every resource
 * and data source each synthesized stack declares, so a refactoring shows exactly which addresses it changes
 * (a changed address is a destroyed and re-created resource). Regenerate after an intended change with
 * `npm run addresses` (this file, run with --write); `__tests__/resource-addresses.test.ts` compares.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS, type Environment } from "../environments";
import { synthesizeAll } from "../stacks";

export const GOLDEN_FILE = path.resolve(__dirname, "../__tests__/fixtures/resource-addresses.json");

/** `type.name` of every resource and `data.type.name` of every data source of one synthesized stack, sorted. */
export function addressesOf(stackJson: {
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly data?: Record<string, Record<string, unknown>>;
}): string[] {
  const of = (blocks: Record<string, Record<string, unknown>> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, named]) =>
      Object.keys(named).map((name) => `${prefix}${type}.${name}`),
    );
  return [...of(stackJson.resource, ""), ...of(stackJson.data, "data.")].sort();
}

/** Synthesizes every stack of `environments` into a temporary directory (removed after) and lists its addresses. */
export function synthesizedAddresses(environments: readonly Environment[] = ENVIRONMENTS): Record<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "argo-addresses-"));
  try {
    const outdir = path.join(dir, "out");
    const stacks = synthesizeAll(environments, outdir);
    return Object.fromEntries(
      stacks.map((stack) => [
        stack,
        addressesOf(JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"))),
      ]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatGolden(addresses: Record<string, string[]>): string {
  return `${JSON.stringify(addresses, null, 2)}\n`;
}

if (require.main === module) {
  const text = formatGolden(synthesizedAddresses());
  if (process.argv.includes("--write")) {
    fs.writeFileSync(GOLDEN_FILE, text);
    console.log(`wrote ${path.relative(process.cwd(), GOLDEN_FILE)}`);
  } else {
    process.stdout.write(text);
  }
}
