/**
 * The AWS stacks' resources in model terms: ECS services and task definitions (image, desired count, health
 * check, deployment settings), Application Auto Scaling targets, ALB listener rules (routes; admin-only by
 * source-ip condition), security-group rules between services' groups (who may call whom), RDS, ElastiCache and
 * EFS (persistent data, deletion protection), load balancers' deletion protection, Secrets Manager secrets.
 * The one place that knows how constructs/ecs, constructs/eks and constructs/aws render the model.
 */
import {
  one,
  randomReadBack,
  secretNamed,
  serviceNamed,
  type Fact,
  type ReadBack,
  type ReadBackContext,
} from "./facts";

/** The service whose security group, target group or resource this name or ID belongs to. */
function serviceOf(reference: unknown, context: ReadBackContext): string | undefined {
  if (typeof reference !== "string") return undefined;
  const name = context.nameOfId?.(reference) ?? reference;
  // Target groups are named <stack>-<service>-<port name>: try the name without its last part too.
  return serviceNamed(name, context) ?? serviceNamed(name.replace(/-[^-]+$/, ""), context);
}

function taskDefinitionFacts(values: Record<string, any>, context: ReadBackContext): Fact[] {
  const service = serviceNamed(String(values.family), context);
  if (!service || typeof values.container_definitions !== "string") return [];
  const containers = JSON.parse(values.container_definitions) as any[];
  const main = containers.find((c) => c.name === service) ?? containers[0];
  const check = main?.healthCheck;
  return [
    { kind: "service", service, aspect: "image", value: String(main?.image) },
    {
      kind: "service",
      service,
      aspect: "health",
      value: check?.command?.length
        ? `${check.command.slice(1).join(" ")} every ${check.interval}s, timeout ${check.timeout}s`
        : "none",
    },
  ];
}

function ecsServiceFacts(values: Record<string, any>, context: ReadBackContext): Fact[] {
  const service = serviceNamed(String(values.name), context);
  if (!service) return [];
  const breaker = one(values.deployment_circuit_breaker);
  return [
    { kind: "service", service, aspect: "exists", value: "ECS service" },
    { kind: "service", service, aspect: "replicas", value: String(values.desired_count ?? 1) },
    {
      kind: "service",
      service,
      aspect: "update",
      value: `min healthy ${values.deployment_minimum_healthy_percent}%, max ${values.deployment_maximum_percent}%, ${breaker?.enable ? `circuit breaker${breaker.rollback ? " with rollback" : ""}` : "no circuit breaker"}`,
    },
  ];
}

function listenerRuleFacts(values: Record<string, any>, context: ReadBackContext): Fact[] {
  const conditions = (values.condition ?? []) as any[];
  const paths: string[] = conditions.flatMap((c) => one(c.path_pattern)?.values ?? []);
  const cidrs: string[] = conditions.flatMap((c) => one(c.source_ip)?.values ?? []);
  const target = (values.action ?? []).map((a: any) => a.target_group_arn).find(Boolean);
  const service = serviceOf(target, context) ?? String(target);
  return paths.map((pattern) => ({
    kind: "route",
    path: pattern.replace(/\*$/, ""),
    service,
    adminOnly: cidrs.length > 0,
    cidrs: [...cidrs].sort(),
  }));
}

function ingressRuleFacts(values: Record<string, any>, context: ReadBackContext): Fact[] {
  const to = serviceOf(values.security_group_id, context);
  if (!to) return [];
  const from =
    serviceOf(values.referenced_security_group_id, context) ??
    (values.cidr_ipv4 ? `addresses ${values.cidr_ipv4}` : undefined) ??
    (values.referenced_security_group_id ? `group ${values.referenced_security_group_id}` : undefined);
  return from ? [{ kind: "edge", from, to, via: `security group rule :${values.from_port}` }] : [];
}

export const awsReadBack: ReadBack = (resource, context) => {
  const { type, values } = resource;
  switch (type) {
    case "aws_ecs_task_definition":
      return taskDefinitionFacts(values, context);
    case "aws_ecs_service":
      return ecsServiceFacts(values, context);
    case "aws_appautoscaling_target": {
      const service = serviceNamed(
        String(values.resource_id ?? "")
          .split("/")
          .pop() ?? "",
        context,
      );
      return service
        ? [
            {
              kind: "service",
              service,
              aspect: "autoscaling",
              value: `${values.min_capacity}–${values.max_capacity} instances`,
            },
          ]
        : [];
    }
    case "aws_lb_listener_rule":
      return listenerRuleFacts(values, context);
    case "aws_vpc_security_group_ingress_rule":
      return ingressRuleFacts(values, context);
    case "aws_db_instance": {
      const name = String(values.identifier);
      return [
        {
          kind: "data",
          name,
          service: serviceNamed(name, context),
          where: `RDS instance ${name}`,
          survivesResource: false,
        },
        {
          kind: "protection",
          what: `deletion protection of RDS instance ${name}`,
          on: values.deletion_protection === true,
        },
      ];
    }
    case "aws_elasticache_cluster": {
      const name = String(values.cluster_id);
      return [
        {
          kind: "data",
          name,
          service: serviceNamed(name, context),
          where: `ElastiCache cluster ${name}`,
          survivesResource: false,
        },
      ];
    }
    case "aws_efs_file_system": {
      const name = String(one(values.tags)?.Name ?? resource.name);
      return [{ kind: "data", name, where: `EFS file system ${name}`, survivesResource: false }];
    }
    case "aws_lb":
      return [
        {
          kind: "protection",
          what: `deletion protection of load balancer ${values.name}`,
          on: values.enable_deletion_protection === true,
        },
      ];
    case "aws_secretsmanager_secret": {
      const secret = secretNamed(String(values.name ?? resource.name), context);
      return secret ? [{ kind: "secret", secret, held: "store" }] : undefined;
    }
    case "aws_secretsmanager_secret_version": {
      const secret = secretNamed(resource.name, context);
      const value = resource.unknown?.secret_string === true ? "(known after apply)" : String(values.version_id ?? "");
      return secret ? [{ kind: "secret", secret, held: "store", value }] : undefined;
    }
    default:
      return type.startsWith("aws_") ? undefined : randomReadBack(resource, context);
  }
};
