import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../../environments";
import { checkPlan, REDACTED, withoutSecrets, type PlanJson } from "../../tools/review/plan";
import { render } from "../../tools/review/render";
import { main, modelContextFor, parseArguments } from "../../tools/review/run";
import { create, fixture, resource, reviewOf } from "./plans";

describe("npm run review: arguments, plan files, output", () => {
  test("every problem with the arguments at once, each named", () => {
    expect(
      parseArguments([
        "a",
        "b",
        "--format",
        "html",
        "--fail-on",
        "warning",
        "--bogus",
        "--plan",
        "p.json",
        "--out",
        "x.tfplan",
      ]),
    ).toEqual({
      problems: [
        "unknown option --bogus (known: --plan, --out, --format, --fail-on, --outdir, --replace, --refresh-only)",
        "expected one stack name, got a b",
        '--format is "html", expected text or markdown',
        '--fail-on is "warning", expected danger',
        "--out writes the plan file terraform makes: it cannot be combined with --plan (a saved plan's JSON)",
      ],
    });
    expect(parseArguments(["nomad-lab", "--replace"])).toEqual({ problems: ["--replace needs a value"] });
    expect(
      parseArguments(["nomad-lab", "--replace", "random_password.a", "--replace", "random_password.b"]),
    ).toMatchObject({
      stack: "nomad-lab",
      replace: ["random_password.a", "random_password.b"],
      format: "text",
      failOnDanger: false,
    });
  });

  test("a plan that is not terraform show -json's: every problem, with the field", () => {
    expect(() =>
      checkPlan({ format_version: "0.1", resource_changes: [{ type: "x", change: {} }] }, "--plan p.json"),
    ).toThrow(
      '--plan p.json:\n  format_version is "0.1", expected "1.x" (the output of terraform show -json <plan file>)\n  resource_changes[0].address is missing\n  resource_changes[0].change.actions is missing',
    );
  });

  test("an unknown stack names the known ones", () => {
    expect(() => modelContextFor("nomad-typo", ENVIRONMENTS)).toThrow(
      /^stack "nomad-typo" is in no environment \(known stacks: .*nomad-lab/,
    );
  });

  test("what --out keeps has every sensitive value replaced, at any depth", () => {
    const plan: PlanJson = {
      format_version: "1.2",
      resource_changes: [
        {
          address: "nomad_variable.v",
          type: "nomad_variable",
          name: "v",
          change: {
            actions: ["update"],
            before: { path: "nomad/jobs/grafana", items: { A: "old-value-1", B: "plain" } },
            after: { path: "nomad/jobs/grafana", items: { A: "new-value-1", B: "plain" } },
            before_sensitive: { items: { A: true } },
            after_sensitive: { items: true },
          },
        },
      ],
    };
    const text = JSON.stringify(withoutSecrets({ ...plan, prior_state: { secret: "state-value-1" } } as PlanJson));
    expect(text).not.toMatch(/old-value-1|new-value-1|state-value-1/);
    const kept = withoutSecrets(plan).resource_changes![0].change;
    expect(kept.before).toEqual({ path: "nomad/jobs/grafana", items: { A: REDACTED, B: "plain" } });
    expect(kept.after).toEqual({ path: "nomad/jobs/grafana", items: REDACTED });
  });

  test("Markdown for a pull request: dangers first, services, other resources by address", () => {
    let plan = fixture("ecs.hand-built.plan.json");
    const rule = resource(plan, /^aws_lb_listener_rule\.argo_load-balancer_route-admin_/);
    rule.change = {
      ...rule.change,
      actions: ["update"],
      after: { ...rule.change.before, condition: rule.change.before.condition.slice(0, 1) },
    };
    plan = create(plan, /^aws_iam_role\./, "extra", () => undefined);
    const text = render(reviewOf("ecs", plan), "ecs", "markdown");
    expect(text).toBe(
      [
        "### ecs: what this plan changes, in the model's words",
        "",
        "**Dangerous (1)**",
        "- :warning: route /admin/ becomes public",
        "",
        "**service admin-site**",
        "- route /admin/: admin-only (203.0.113.0/24) → public",
        "",
        "**other resources (1)**",
        "- `aws_iam_role.extra` (create): not mapped to the model",
        "",
        "2 resource change(s) read; 1 dangerous.",
        "",
      ].join("\n"),
    );
  });

  test("exit codes: 1 only for a danger with --fail-on danger, 2 for a plan file that cannot be read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-cli-"));
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const plan = fixture("ecs.hand-built.plan.json");
      const rule = resource(plan, /^aws_lb_listener_rule\.argo_load-balancer_route-admin_/);
      rule.change = {
        ...rule.change,
        actions: ["update"],
        after: { ...rule.change.before, condition: rule.change.before.condition.slice(0, 1) },
      };
      const file = path.join(dir, "plan.json");
      fs.writeFileSync(file, JSON.stringify(plan));
      expect(main(["ecs", "--plan", file], ENVIRONMENTS)).toBe(0);
      expect(main(["ecs", "--plan", file, "--fail-on", "danger"], ENVIRONMENTS)).toBe(1);
      expect(main(["ecs", "--plan", path.join(dir, "missing.json")], ENVIRONMENTS)).toBe(2);
      expect(errors.mock.calls.flat().join("\n")).toMatch(/--plan .*missing\.json: not a readable JSON file/);
    } finally {
      errors.mockRestore();
      out.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
