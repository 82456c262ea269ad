import * as fs from "fs";
import * as path from "path";
import { App, Testing } from "../constructs/cdktf";
import { selectApplication } from "../constructs/model";
import { ARGO } from "../constructs/model";
import { NORTHWIND } from "../environments";
import { EksStack, stackNamesOf } from "../stacks";
import { runSynthCommand } from "./synth-command";
import { tempDir } from "./temp";

describe("the customer example (Northwind, its own application)", () => {
  const application = selectApplication(NORTHWIND.application, NORTHWIND.selection);
  const app = Testing.app() as App;
  const json = JSON.parse(
    Testing.synth(new EksStack(app, "eks-northwind", { environment: NORTHWIND, target: NORTHWIND.eks!, application })),
  );
  const of = (type: string): any[] => Object.values(json.resource[type] ?? {});

  it("is a different application described with the same model, with its optional service switched on", () => {
    expect(NORTHWIND.application.name).toBe("ledger");
    expect(NORTHWIND.application.services.map((s) => s.name)).toEqual(["ledger-api", "postgres", "ledger-admin"]);
    expect(application.services.map((s) => s.name)).toContain("ledger-admin");
    expect(
      NORTHWIND.application.services.some((s) => ARGO.services.some((a) => a.name === s.name && a.name !== "postgres")),
    ).toBe(false);
  });

  it("enables only its two targets, under stack names of its own", () => {
    expect(stackNamesOf(NORTHWIND)).toEqual(["eks-northwind", "ecs-northwind"]);
    expect([NORTHWIND.lab, NORTHWIND.nomad, NORTHWIND.swarm]).toEqual([undefined, undefined, undefined]);
  });

  it("synthesizes its own CIDRs, sizes and admin CIDRs through the unchanged constructs", () => {
    expect(
      of("aws_subnet")
        .map((s) => s.cidr_block)
        .sort(),
    ).toEqual(["10.60.0.0/22", "10.60.12.0/24", "10.60.13.0/24", "10.60.4.0/22"]);
    expect(of("aws_nat_gateway")).toHaveLength(1);
    expect(of("aws_eks_node_group")[0].scaling_config).toEqual({ min_size: 2, max_size: 4, desired_size: 2 });
    expect(of("aws_eks_cluster")[0].vpc_config.public_access_cidrs).toEqual(["198.51.100.32/28"]);
    const ingress = of("kubernetes_ingress_v1")[0];
    expect(ingress.metadata.annotations["alb.ingress.kubernetes.io/conditions.admin-ledger-admin"]).toContain(
      "198.51.100.32/28",
    );
    expect(of("kubernetes_horizontal_pod_autoscaler_v2")[0].spec).toMatchObject({ min_replicas: 3, max_replicas: 10 });
    expect(of("aws_db_instance")[0]).toMatchObject({ db_name: "ledger", username: "ledger" });
    expect(
      of("kubernetes_deployment_v1")
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(["ledger-admin", "ledger-api"]);
  });
});

describe("errors a person can act on", () => {
  it("names the field, the value and the fix for each mistake of a fork, and writes nothing", () => {
    const outdir = path.join(tempDir("argo-fork-"), "out");
    const run = runSynthCommand({
      CDKTF_OUTDIR: outdir,
      ARGO_ENVIRONMENTS: path.join(__dirname, "fixtures/customer-mistakes.ts"),
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.split("\n");
    expect(lines).toContain(
      '  - environments.northwind.selection.optionalServices[0]: unknown service "ledger-admn": did you mean "ledger-admin"? (optional services: ledger-admin)',
    );
    expect(lines).toContain(
      "  - environments.northwind.adminCidrs: is empty, but the application has admin-only routes (/admin/); list the CIDRs allowed to reach them",
    );
    expect(lines).toContain(
      "  - environments.northwind.eks.network.subnets.private[0]: 10.60.0.0/22 overlaps subnets.public[0] (10.60.0.0/24); give each subnet its own range",
    );
    expect(lines.find((l) => l.includes("ecs.taskSizes.ledger-api"))).toMatch(
      /512 CPU units with 512 MiB is not a Fargate size \(valid with 512: .*1024.*\)/,
    );
    expect(run.stderr).toContain("Nothing was written. Fix the fields above and run synth again.");
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
