import * as os from "os";
import * as path from "path";
import { isMainThread, parentPort, workerData } from "worker_threads";
import { disableTokenStackTraces } from "./constructs/cdktf";
import { ValidationError } from "./constructs/model";
import { ENVIRONMENTS, type Environment } from "./environments";
import {
  environmentsOfModule,
  removeStaleStacks,
  staleStackMessages,
  synthesizeAll,
  synthesizeAllInParallel,
  synthesizeShare,
  synthWarnings,
  type WorkerShare,
} from "./stacks/synth";

// Where each token was created is only ever shown when one fails to resolve; recording it costs a fifth of a synth.
if (process.env.ARGO_SYNTH_STACK_TRACES !== "1") disableTokenStackTraces();

// cdktf-cli passes its output directory in CDKTF_OUTDIR; `npm run synth` uses cdktf's default.
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
// A module exporting ENVIRONMENTS replaces the built-in list (a customer fork, or a test's broken fixture).
const environments: readonly Environment[] = process.env.ARGO_ENVIRONMENTS
  ? loadEnvironments(process.env.ARGO_ENVIRONMENTS)
  : ENVIRONMENTS;

function loadEnvironments(file: string): Environment[] {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return environmentsOfModule(require(path.resolve(file)), file);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    console.error("Nothing was written. Fix ARGO_ENVIRONMENTS and run synth again.");
    process.exit(1);
  }
}
// Only some stacks: `npm run synth -- eks ecs`, or ARGO_STACKS=eks,ecs (for `cdktf deploy eks`, whose app command is fixed).
const selected = process.argv.length > 2 ? process.argv.slice(2) : (process.env.ARGO_STACKS ?? "").split(",");
const only = selected.map((name) => name.trim()).filter((name) => name !== "");
const options = only.length > 0 ? { only } : {};

// scripts/synth.js, which runs this file as its prebuilt bundle, can start the same bundle on worker threads.
const launcher = (globalThis as Record<symbol, unknown>)[Symbol.for("argo-infra.synth-launcher")] as
  { script: string; workerData: Record<string, unknown> } | undefined;
const share = (workerData as { argoSynthShare?: WorkerShare } | null)?.argoSynthShare;

async function main(): Promise<void> {
  try {
    // Threads synthesizing stacks at once (only from the bundle). A second thread pays for loading the bundle
    // again (80 MB, 0.3 CPU-s) and shortens the synth only on an idle core: by default it is started when the
    // last minute's load average leaves a core free.
    const cores = os.availableParallelism();
    const threads = Number(process.env.ARGO_SYNTH_THREADS ?? (cores > 1 && os.loadavg()[0] < cores - 1 ? 2 : 1));
    const stacks =
      launcher && threads > 1
        ? await synthesizeAllInParallel(environments, outdir, {
            ...options,
            threads,
            workerScript: launcher.script,
            workerData: launcher.workerData,
          })
        : synthesizeAll(environments, outdir, options);
    for (const message of staleStackMessages(outdir, removeStaleStacks(outdir, environments))) console.warn(message);
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
}

if (isMainThread || !share) {
  void main();
} else {
  // A worker thread of synthesizeAllInParallel: the environments were validated by the main thread.
  try {
    parentPort!.postMessage(synthesizeShare(environments, share));
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}
