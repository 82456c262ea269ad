import type { PolicyRule } from "./rule";
import { workloadsOf } from "./workloads";

export const resourcesRequired: PolicyRule = {
  id: "ARGO-RESOURCES",
  explanation:
    "every workload declares CPU and memory, so the scheduler can place it and one service cannot starve the others",
  level: "error",
  scannerIds: ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
  check(node) {
    return workloadsOf(node).flatMap((w) => {
      const missing = [!(w.cpu && w.cpu > 0) && "CPU", !(w.memory && w.memory > 0) && "memory"].filter(Boolean);
      return missing.length ? [`${w.name} declares no ${missing.join(" or ")}`] : [];
    });
  },
};
