import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const ecsSeparateTaskRole: PolicyRule = {
  id: "ARGO-ECS-TASK-ROLE",
  explanation:
    "a task's own role differs from its execution role, so the application never holds the rights ECS needs to start it (reading secrets, pulling images)",
  level: "error",
  scannerIds: ["CKV_AWS_249"],
  check(node) {
    const task = attributesOfType(node, "aws_ecs_task_definition");
    if (!task?.execution_role_arn) return [];
    const family = labelOf(node, task, "family");
    if (!task.task_role_arn) return [`task definition ${family} has no task role of its own`];
    return task.task_role_arn === task.execution_role_arn
      ? [`task definition ${family} uses its execution role as its task role`]
      : [];
  },
};
