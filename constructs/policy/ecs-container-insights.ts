import { attributesOfType, labelOf } from "./resource-attributes";
import type { PolicyRule } from "./rule";

export const ecsContainerInsights: PolicyRule = {
  id: "ARGO-ECS-CONTAINER-INSIGHTS",
  explanation: "ECS clusters collect Container Insights metrics: on Fargate they replace the per-node exporters",
  level: "error",
  scannerIds: ["CKV_AWS_65"],
  check(node) {
    const cluster = attributesOfType(node, "aws_ecs_cluster");
    if (!cluster) return [];
    const settings: { name?: string; value?: string }[] = cluster.setting ?? [];
    const on = settings.some(
      (s) => s.name === "containerInsights" && (s.value === "enabled" || s.value === "enhanced"),
    );
    return on ? [] : [`cluster ${labelOf(node, cluster)} has Container Insights off`];
  },
};
