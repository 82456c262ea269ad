import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { judge, readSkips, type StackRun } from "../../tools/validate/checks/checkov";
import { tempDir } from "../temp";

function skipsFile(skips: unknown[]): string {
  const file = join(tempDir("argo-skips-"), "skips.json");
  writeFileSync(file, JSON.stringify({ skips }));
  return file;
}

const REASON = "a reason long enough to say why";
const run: StackRun = {
  stack: "ecs",
  coveredTypes: ["aws_lb"],
  uncoveredTypes: [],
  seconds: 1,
  results: [
    { id: "CKV_AWS_91", title: "access logs", address: "aws_lb.alb", outcome: "passed" },
    { id: "CKV2_AWS_28", title: "WAF", address: "aws_lb.alb", outcome: "failed" },
    { id: "CKV_K8S_159", title: "crashed", address: "aws_lb.alb", outcome: "crashed" },
  ],
};

describe("checkov skips", () => {
  it("the committed file is well-formed", () => {
    expect(readSkips().length).toBeGreaterThan(0);
  });

  it("refuses skips without a reason, without resources, or with a pattern for an address", () => {
    expect(() => readSkips(skipsFile([{ id: "CKV_AWS_1", resources: { ecs: ["aws_lb.alb"] }, reason: "" }]))).toThrow(
      /needs a written reason/,
    );
    expect(() => readSkips(skipsFile([{ id: "CKV_AWS_1", resources: {}, reason: REASON }]))).toThrow(
      /names no resources/,
    );
    expect(() => readSkips(skipsFile([{ id: "CKV_AWS_1", resources: { ecs: ["aws_lb.*"] }, reason: REASON }]))).toThrow(
      /not one resource address/,
    );
    expect(() => readSkips(skipsFile([{ id: "*", resources: { ecs: ["aws_lb.alb"] }, reason: REASON }]))).toThrow(
      /checkov check id/,
    );
  });

  it("fails on each failure or crash not skipped, and on each skip that matches nothing", () => {
    const findings = judge(run, [
      { id: "CKV2_AWS_28", resources: { ecs: ["aws_lb.alb"] }, reason: REASON },
      { id: "CKV_AWS_2", resources: { ecs: ["aws_lb_listener.http"] }, reason: REASON },
    ]);
    expect(findings.map((f) => [f.outcome, f.artifact])).toEqual([
      ["ok", "ecs cdk.tf.json"],
      ["failed", "ecs aws_lb.alb"],
      ["failed", "checkov-skips.json CKV_AWS_2 ecs aws_lb_listener.http"],
    ]);
  });

  it("fails a stack checkov judged nothing on, and says not run where it has no checks", () => {
    expect(judge({ ...run, results: [] }, [])[0].outcome).toBe("failed");
    expect(judge({ ...run, coveredTypes: [], uncoveredTypes: ["nomad_job"], results: [] }, [])[0]).toMatchObject({
      outcome: "not-run",
    });
  });
});
