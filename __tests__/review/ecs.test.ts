import { create, destroy, fixture, replace, resource, reviewOf, summary, update } from "./plans";

// Hand-built from ecs' synthesized configuration (fixtures/README.md): the aws provider cannot be obtained here.
const plan = () => fixture("ecs.hand-built.plan.json");

describe("review of ecs (ECS services, task definitions, listener rules, security-group rules, RDS, EFS)", () => {
  test("an unchanged plan says nothing", () => {
    expect(summary(reviewOf("ecs", plan()))).toEqual({ lines: [], dangers: [], other: [] });
  });

  test("desired count, image and autoscaling", () => {
    let p = update(plan(), /^aws_ecs_service\.argo_ot-app-service_/, (after) => (after.desired_count = 4));
    p = update(p, /^aws_ecs_task_definition\.argo_ot-app/, (after) => {
      const containers = JSON.parse(after.container_definitions);
      containers.find((c: any) => c.name === "ot-app").image = "cadeke/argo-ot-app:v9";
      after.container_definitions = JSON.stringify(containers);
    });
    p = update(p, /^aws_appautoscaling_target\./, (after) => (after.min_capacity = 3));
    expect(summary(reviewOf("ecs", p)).lines).toEqual([
      "ot-app: image: cadeke/argo-ot-app:v1.1 → cadeke/argo-ot-app:v9",
      "ot-app: replicas: 2 → 4",
      "query-api: autoscaling: 2–6 instances → 3–6 instances",
    ]);
  });

  test("a listener rule without its source-ip condition: the route becomes public, a danger", () => {
    const p = update(plan(), /^aws_lb_listener_rule\.argo_load-balancer_route-api-add_/, (after) => {
      after.condition = after.condition.filter((c: any) => !c.source_ip);
    });
    const { lines, dangers } = summary(reviewOf("ecs", p));
    expect(lines).toEqual(["admin-api: route /api/add: admin-only (203.0.113.0/24) → public"]);
    expect(dangers).toEqual(["route /api/add becomes public"]);
  });

  test("admin CIDRs widened on a listener rule: a danger", () => {
    const p = update(plan(), /^aws_lb_listener_rule\.argo_load-balancer_route-admin_/, (after) => {
      after.condition.find((c: any) => c.source_ip).source_ip[0].values = ["203.0.0.0/16"];
    });
    expect(summary(reviewOf("ecs", p)).dangers).toEqual(["admin CIDRs of /admin/ widened by 203.0.0.0/16"]);
  });

  test("a security-group rule between two services' groups is an edge; into the dbs zone, a danger", () => {
    const from = resource(plan(), /^aws_vpc_security_group_ingress_rule\.argo_postgres_from-admin-api_/);
    const memcachedGroup = resource(plan(), /^aws_security_group\.argo_security-groups_memcached_/).change.before.id;
    const p = create(plan(), from.address, "argo_memcached_from-admin-api_00000000", (after) => {
      after.security_group_id = memcachedGroup;
      after.from_port = after.to_port = 11211;
    });
    const { lines, dangers } = summary(reviewOf("ecs", p));
    expect(lines).toEqual(["who talks to whom: admin-api → memcached added (security group rule :11211)"]);
    expect(dangers).toEqual(["new edge into data zone dbs: admin-api → memcached"]);
    const removed = summary(reviewOf("ecs", destroy(plan(), from.address)));
    expect(removed.lines).toEqual(["who talks to whom: admin-api → postgres removed (security group rule :5432)"]);
  });

  test("the database's deletion protection switched off in place: a danger", () => {
    const p = update(plan(), /^aws_db_instance\./, (after) => (after.deletion_protection = false));
    const { lines, dangers } = summary(reviewOf("ecs", p));
    expect(lines).toEqual(["platform: deletion protection of RDS instance argo-ecs-postgres: on → off"]);
    expect(dangers).toEqual(["deletion protection of RDS instance argo-ecs-postgres turned off"]);
  });

  test("EFS replaced, the load balancer's deletion protection off, a secret destroyed: dangers", () => {
    let p = replace(plan(), /^aws_efs_file_system\./);
    p = update(p, /^aws_lb\./, (after) => (after.enable_deletion_protection = false));
    p = destroy(p, /^aws_secretsmanager_secret\.argo_secret-grafana-admin-password_/);
    expect(summary(reviewOf("ecs", p)).dangers.sort()).toEqual(
      [
        "persistent data argo-ecs-volumes replaced",
        "deletion protection of load balancer argo-ecs turned off",
        "secret grafana-admin-password destroyed",
      ].sort(),
    );
  });
});
