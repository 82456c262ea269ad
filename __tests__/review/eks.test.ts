import { create, destroy, fixture, replace, reviewOf, summary, update } from "./plans";

// Hand-built from eks' synthesized configuration (fixtures/README.md): the aws provider cannot be obtained here.
const plan = () => fixture("eks.hand-built.plan.json");
const DEPLOYMENT = (name: string) => new RegExp(`^kubernetes_deployment_v1\\.argo_${name}_`);
const INGRESS = /^kubernetes_ingress_v1\./;

describe("review of eks (Kubernetes workloads, NetworkPolicies, the ALB Ingress, RDS)", () => {
  test("an unchanged plan says nothing", () => {
    expect(summary(reviewOf("eks", plan()))).toEqual({ lines: [], dangers: [], other: [] });
  });

  test("replicas and image of a Deployment, autoscaling of its HPA", () => {
    let p = update(plan(), DEPLOYMENT("ot-app"), (after) => {
      after.spec[0].replicas = 5;
      after.spec[0].template[0].spec[0].container[0].image = "cadeke/argo-ot-app:v9";
    });
    p = update(p, /^kubernetes_horizontal_pod_autoscaler_v2\./, (after) => (after.spec[0].max_replicas = 10));
    expect(summary(reviewOf("eks", p)).lines).toEqual([
      "ot-app: image: cadeke/argo-ot-app:v1.1 → cadeke/argo-ot-app:v9",
      "ot-app: replicas: 2 → 5",
      "query-api: autoscaling: 2–6 instances, target CPU 70% → 2–10 instances, target CPU 70%",
    ]);
  });

  test("an admin-only route without its source-ip condition becomes public: a danger", () => {
    const p = update(plan(), INGRESS, (after) => {
      delete after.metadata[0].annotations["alb.ingress.kubernetes.io/conditions.admin-admin-site"];
    });
    const { lines, dangers } = summary(reviewOf("eks", p));
    expect(lines).toEqual(["admin-site: route /admin/: admin-only (203.0.113.0/24) → public"]);
    expect(dangers).toEqual(["route /admin/ becomes public"]);
  });

  test("the ALB's deletion protection turned off: a danger", () => {
    const p = update(plan(), INGRESS, (after) => {
      const key = "alb.ingress.kubernetes.io/load-balancer-attributes";
      after.metadata[0].annotations[key] = after.metadata[0].annotations[key].replace(
        "deletion_protection.enabled=true",
        "deletion_protection.enabled=false",
      );
    });
    expect(summary(reviewOf("eks", p)).dangers).toEqual([
      "ALB deletion protection (Ingress load-balancer-attributes) turned off",
    ]);
  });

  test("a NetworkPolicy admitting a new caller is a new edge; into the dbs zone, a danger", () => {
    const p = update(plan(), /^kubernetes_network_policy_v1\.argo_network-policies_memcached_/, (after) => {
      after.spec[0].ingress[0].from.push({
        pod_selector: [{ match_labels: { "app.kubernetes.io/name": "admin-api" } }],
      });
    });
    const { lines, dangers } = summary(reviewOf("eks", p));
    expect(lines).toEqual(["who talks to whom: admin-api → memcached added (NetworkPolicy)"]);
    expect(dangers).toEqual(["new edge into data zone dbs: admin-api → memcached"]);
  });

  test("the RDS database replaced or destroyed: a danger; its deletion protection off: a danger", () => {
    const replaced = summary(reviewOf("eks", replace(plan(), /^aws_db_instance\./)));
    expect(replaced.dangers).toEqual(["persistent data argo-postgres replaced"]);
    const destroyed = summary(reviewOf("eks", destroy(plan(), /^aws_db_instance\./)));
    expect(destroyed.dangers).toEqual([
      "persistent data argo-postgres destroyed",
      "deletion protection of RDS instance argo-postgres turned off",
    ]);
  });

  test("a new Deployment is an added service; an unmapped resource is listed by address", () => {
    let p = create(plan(), DEPLOYMENT("ot-app"), "argo_debug_00000000", (after) => {
      after.metadata[0].name = "debug";
    });
    p = update(p, /^aws_iam_role\./, (after) => (after.description = "changed"));
    const { lines, other } = summary(reviewOf("eks", p));
    expect(lines).toEqual(["debug: service added (cadeke/argo-ot-app:v1.1, 2 instances)"]);
    expect(other).toEqual([expect.stringMatching(/^aws_iam_role\.\S+ \(update\)$/)]);
  });
});
