import type { PolicyRule } from "./rule";
import { ecsContainersOf } from "./workloads";

export const ecsReadOnlyRoot: PolicyRule = {
  id: "ARGO-ECS-READ-ONLY-ROOT",
  explanation:
    "ECS containers run with a read-only root filesystem, so a compromised process cannot change the image it runs; writable paths are volumes",
  level: "error",
  scannerIds: ["CKV_AWS_336"],
  check(node) {
    return ecsContainersOf(node)
      .filter((c) => c.readonlyRootFilesystem !== true)
      .map((c) => `container ${c.name} has a writable root filesystem`);
  },
};
