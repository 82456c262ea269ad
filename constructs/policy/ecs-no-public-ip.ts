import { attributesOfType, labelOf } from "./resource-attributes";
import { single } from "./workloads";
import type { PolicyRule } from "./rule";

export const ecsNoPublicIp: PolicyRule = {
  id: "ARGO-ECS-NO-PUBLIC-IP",
  explanation: "ECS tasks get no public IP address: they sit in private subnets and only the load balancer is public",
  level: "error",
  scannerIds: ["CKV_AWS_333"],
  check(node) {
    const service = attributesOfType(node, "aws_ecs_service");
    if (!service) return [];
    const network = single(service.network_configuration);
    return network?.assign_public_ip === true
      ? [`service ${labelOf(node, service)} assigns public IP addresses to its tasks`]
      : [];
  },
};
