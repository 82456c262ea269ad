import * as fs from "fs";
import * as path from "path";
import { ARGO } from "../constructs/model";
import { matrixOf } from "../tools/capability-matrix";
import { DOCS_DIR, generateDocs } from "../tools/docs";
import { collectRecords } from "../tools/capability-matrix";
import { LAB, AWS } from "../environments";

const docs = generateDocs();

describe("generated documentation", () => {
  it.each(Object.keys(docs.files))(
    "docs/%s is current (run `npm run docs` after changing a model, an environment or a platform)",
    (name) => {
      expect(fs.readFileSync(path.join(DOCS_DIR, name), "utf8")).toBe(docs.files[name]);
    },
  );

  it("builds the capability matrix from the records the stacks wrote", () => {
    const stacks = collectRecords([LAB, AWS]);
    const autoscaling = matrixOf(stacks).find((r) => r.service === "query-api" && r.intent === "autoscaling")!;
    expect(autoscaling.wanted).toBe("2-6 replicas @ 70 % CPU");
    expect(autoscaling.cells["swarm-lab"]!.support).toBe("unsupported");
    expect(autoscaling.cells["eks"]!.realization).toContain("HorizontalPodAutoscaler");
    expect(autoscaling.cells["nomad-lab"]!.support).toBe("partial");
    // Every record of every stack appears in exactly one cell.
    const cells = matrixOf(stacks).flatMap((r) => Object.values(r.cells));
    expect(cells.length).toBe(stacks.reduce((n, s) => n + s.records.length, 0));
    expect(docs.table).toContain("query-api / autoscaling");
  });

  it("draws every running service, every route and every talks-to pair of each platform", () => {
    const diagrams = docs.files["diagrams.md"];
    for (const stack of ["nomad-lab", "swarm-lab", "eks"]) expect(diagrams).toContain(`## ${stack}`);
    const nomad = diagrams.split("## nomad-lab")[1].split("## ")[0];
    for (const service of ARGO.services.filter((s) => !s.optional)) expect(nomad).toContain(`["${service.name}<br/>`);
    for (const route of ARGO.routes.filter((r) => r.service !== "gitlab")) expect(nomad).toContain(route.pathPrefix);
    expect(nomad).toContain('query_api -->|":5432"| postgres');
    expect(nomad).toContain('prometheus -.->|"scrape :9100"| node_exporter');
    expect(nomad).toContain('entry ==>|"/api/get /api/list /api/add /api/delete /api/update (admin CIDRs)"| admin_api');
  });
});
