import { attributesOfType, labelOf } from "./resource-attributes";
import { single } from "./workloads";
import type { PolicyRule } from "./rule";

export const efsTransitEncryption: PolicyRule = {
  id: "ARGO-EFS-TRANSIT-ENCRYPTION",
  explanation: "EFS volumes of ECS tasks are mounted over TLS",
  level: "error",
  scannerIds: ["CKV_AWS_97"],
  check(node) {
    const task = attributesOfType(node, "aws_ecs_task_definition");
    if (!task) return [];
    const volumes: Record<string, any>[] = task.volume ?? [];
    return volumes
      .filter((v) => v.efs_volume_configuration && single(v.efs_volume_configuration)?.transit_encryption !== "ENABLED")
      .map(
        (v) =>
          `task definition ${labelOf(node, task, "family")} mounts EFS volume ${v.name} without transit encryption`,
      );
  },
};
