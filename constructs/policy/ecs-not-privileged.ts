import type { PolicyRule } from "./rule";
import { ecsContainersOf } from "./workloads";

export const ecsNotPrivileged: PolicyRule = {
  id: "ARGO-ECS-NOT-PRIVILEGED",
  explanation: "ECS containers never run privileged, which would give them the host's devices and every capability",
  level: "error",
  scannerIds: ["CKV_AWS_334"],
  check(node) {
    return ecsContainersOf(node)
      .filter((c) => c.privileged === true)
      .map((c) => `container ${c.name} is privileged`);
  },
};
