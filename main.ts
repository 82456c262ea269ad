import * as path from "path";
import { ValidationError } from "./constructs/model";
import { ENVIRONMENTS, type Environment } from "./environments";
import { synthesizeAll, synthWarnings } from "./stacks";

// cdktf-cli passes its output directory in CDKTF_OUTDIR; `npm run synth` uses cdktf's default.
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
// A module exporting ENVIRONMENTS replaces the built-in list (a customer fork, or a test's broken fixture).
const environments: readonly Environment[] = process.env.ARGO_ENVIRONMENTS
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.resolve(process.env.ARGO_ENVIRONMENTS)).ENVIRONMENTS
  : ENVIRONMENTS;

try {
  const stacks = synthesizeAll(environments, outdir);
  // What each platform cannot do and the policy warnings, as `cdktf synth` shows them.
  for (const warning of synthWarnings(outdir)) console.warn(warning);
  console.log(`Synthesized ${stacks.length} stack(s) into ${outdir}: ${stacks.join(", ")}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(
    error instanceof ValidationError
      ? "Nothing was written. Fix the fields above and run synth again."
      : "Synth failed; nothing was written.",
  );
  process.exit(1);
}
