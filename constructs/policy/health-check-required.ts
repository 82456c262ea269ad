import type { PolicyRule } from "./rule";
import { workloadsOf } from "./workloads";

export const healthCheckRequired: PolicyRule = {
  id: "ARGO-HEALTH-CHECK",
  explanation:
    "every long-running workload has a health check, so traffic, rolling updates and rollbacks follow real health",
  level: "error",
  scannerIds: ["CKV_K8S_8", "CKV_K8S_9"],
  check(node) {
    return workloadsOf(node)
      .filter((w) => !w.healthChecked && w.longRunning !== false)
      .map((w) => `${w.name} has no health check`);
  },
};
