import { ARGO, selectApplication } from "../../constructs/model";
import { AWS, LAB } from "../../environments";
import { envProblemsOf, labCopy } from "../helpers";
import { ingressAnnotationsOf, synthAws } from "./synth";

/** Grafana behind its own login only, on an internet-facing entrypoint, was the issue: the model marks it admin-only. */
const GRAFANA = "/grafana/";

describe("Grafana's route is admin-only unless an environment opens it", () => {
  it("is admin-only in the model", () => {
    expect(ARGO.routes.find((r) => r.pathPrefix === GRAFANA)?.adminOnly).toBe(true);
  });

  it("reaches Grafana on the ECS load balancer only from the admin CIDRs", () => {
    const rules = synthAws("ecs").list("aws_lb_listener_rule");
    const grafana = rules.find((r) => r.condition.some((c: any) => c.path_pattern?.values[0] === `${GRAFANA}*`));
    expect(grafana.condition).toContainEqual({ source_ip: { values: AWS.adminCidrs } });
  });

  it("reaches Grafana on the EKS load balancer only through the admin action with the admin CIDRs", () => {
    const eks = synthAws("eks");
    const path = eks.list("kubernetes_ingress_v1")[0].spec.rule[0].http.path.find((p: any) => p.path === GRAFANA);
    expect(path.backend.service).toEqual({ name: "admin-grafana", port: { name: "use-annotation" } });
    expect(JSON.parse(ingressAnnotationsOf(eks)["alb.ingress.kubernetes.io/conditions.admin-grafana"])).toEqual([
      { field: "source-ip", sourceIpConfig: { values: AWS.adminCidrs } },
    ]);
  });

  it("is opened by the lab, whose entrypoint only the lab LAN reaches, with the reason in the environment", () => {
    expect(LAB.selection.publicRoutes?.[GRAFANA]).toMatch(/lab LAN/);
    const lab = selectApplication(LAB.application, LAB.selection).routes.find((r) => r.pathPrefix === GRAFANA)!;
    expect("adminOnly" in lab).toBe(false);
    expect(AWS.selection.publicRoutes).toBeUndefined();
    expect(
      selectApplication(AWS.application, AWS.selection).routes.find((r) => r.pathPrefix === GRAFANA)?.adminOnly,
    ).toBe(true);
  });

  it("refuses an opened route that is unknown, already public or given no reason", () => {
    const env = labCopy();
    env.selection.publicRoutes = { "/grafna/": "typo", "/query/": "already public", "/admin/": " " };
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.lab.selection.publicRoutes./grafna/: unknown route "/grafna/": did you mean "/grafana/"? (admin-only routes: /admin/, /api/get, /api/list, /api/add, /api/delete, /api/update, /grafana/, /gitlab/)',
    );
    expect(problems).toContain(
      'environments.lab.selection.publicRoutes./query/: route "/query/" is not admin-only; it is public already',
    );
    expect(problems).toContain(
      "environments.lab.selection.publicRoutes./admin/: needs a reason: say why everyone may reach /admin/ in this environment",
    );
  });
});
