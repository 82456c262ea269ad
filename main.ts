import { synthesizeAll } from "./stacks";
import { ENVIRONMENTS } from "./environments";
import { ValidationError } from "./constructs/model";

// cdktf-cli passes its output directory in CDKTF_OUTDIR; `npm run synth` uses cdktf's default.
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";

try {
  const stacks = synthesizeAll(ENVIRONMENTS, outdir);
  console.log(`Synthesized ${stacks.length} stack(s) into ${outdir}: ${stacks.join(", ")}`);
} catch (error) {
  if (error instanceof ValidationError) {
    console.error(error.message);
    console.error("Nothing was written. Fix the fields above and run synth again.");
  } else {
    console.error(error instanceof Error ? error.message : error);
    console.error("Synth failed; nothing was written.");
  }
  process.exit(1);
}
