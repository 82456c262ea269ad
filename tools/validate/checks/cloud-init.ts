/**
 * `cloud-init schema` on every user-data the stacks render (Terraform references replaced by representative
 * values first). This is Debian's cloud-init; the lab VMs boot Ubuntu 22.04, whose cloud-init is newer: a key
 * only the newer one knows would fail here, and is to be reported, not hidden.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgramCached } from "../program-cache";
import { runProgram, systemTool } from "../programs";
import type { SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";
import { cloudConfigsOf, type CloudConfigFile } from "./shell-scripts";

/** cloud-init's verdict on each document. */
export function cloudInitSchema(cloudInit: string, files: readonly CloudConfigFile[], workDir: string): Finding[] {
  const dir = mkdtempSync(join(workDir, "cloud-init-"));
  return files.map((file, i) => {
    const path = join(dir, `${i}.yaml`);
    writeFileSync(path, file.text);
    // Kept by the document's bytes and the program file (a package upgrade replaces it) where
    // ARGO_PROGRAM_CACHE is set: a Python start and schema load of about 0.3 s per VM.
    const result = runProgramCached(cloudInit, ["schema", "--config-file", path], [path]);
    // A deprecated key is reported ("DEPRECATED: ...") in a valid document: it fails too.
    const valid =
      result.status === 0 && /^Valid cloud-config/m.test(result.stdout) && !/DEPRECATED/.test(result.output);
    return valid
      ? { artifact: file.artifact, outcome: "ok" }
      : { artifact: file.artifact, outcome: "failed", detail: result.output };
  });
}

let located: ReturnType<typeof systemTool> | undefined;
let name: string | undefined;
const cloudInitTool = () => (located ??= systemTool("cloud-init", "cloud-init"));

export const CLOUD_INIT: Check = {
  // Found when the check is listed, not when this module is imported.
  get name() {
    const tool = cloudInitTool();
    const version = tool.found
      ? /(\d+\.\d+(?:\.\d+)?)/.exec(runProgram(tool.path, ["--version"]).output)?.[1]
      : undefined;
    return (name ??= `cloud-init ${version ?? ""} schema`.replace("  ", " "));
  },
  run(stacks: readonly SynthesizedStack[], workDir: string): Finding[] {
    const tool = cloudInitTool();
    const files = stacks.flatMap(cloudConfigsOf);
    if (!tool.found)
      return [{ artifact: `${files.length} user-data documents`, outcome: "not-run", detail: tool.reason }];
    return cloudInitSchema(tool.path, files, workDir);
  },
};
