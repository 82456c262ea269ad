/**
 * Issue 21 on the real cluster: `npm run review` of the deployed nomad-lab against changes made in the model
 * (e2e/nomad/review-variants.ts, synthesized into the deployed stack) and with `--replace`, each planned by the
 * real terraform with the real providers against the running Nomad and Consul. The review must show exactly the
 * change, flag the dangerous ones and exit 1 with --fail-on danger exactly then. A saved plan file is applied
 * as reviewed; a drift made with the `nomad` CLI shows in --refresh-only. Each round's plan JSON (sensitive values
 * replaced, checked against the cluster's secret values) is kept where ARGO_REVIEW_FIXTURES names.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { pinnedTool } from "../../tools/validate/programs";
import { waitFor } from "../shell";
import { assert, check, measured } from "../report";
import type { Answer } from "./api";
import { NOMAD_E2E } from "./environment";
import type { Host } from "./hosts";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = NOMAD_E2E.nomad!.stackName!;
const VARIANTS_MODULE = path.join(__dirname, "review-variants.ts");

export interface ReviewContext {
  readonly work: string;
  readonly outdir: string;
  readonly stackDir: string;
  /** The deployer's environment (NOMAD_*, CONSUL_*, the CLI configuration naming the provider mirrors). */
  readonly env: NodeJS.ProcessEnv;
  readonly terraform: string;
  readonly nomad: (host: Host, p: string) => Promise<Answer>;
  readonly server: Host;
}

interface Round {
  readonly name: string;
  readonly variants: readonly string[];
  readonly args?: readonly string[];
  /** Each matches exactly one line of the review (`<group>: <text>`), and no line is left unmatched. */
  readonly lines: readonly RegExp[];
  readonly dangers: readonly RegExp[];
}

const grafanaPassword = (stackDir: string): string => {
  const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const name = Object.keys(config.resource.random_password).find((n) => n.includes("_grafana-admin-password_"));
  if (!name) throw new Error("no random_password for grafana-admin-password in the stack");
  return `random_password.${name}`;
};

const REPLICAS = /^ot-app: replicas: 2 → 3$/;
const ROUTE = /^query-site: route \/query\/: public → admin-only \(\S+(, \S+)*\)$/;
const EDGE = /^who talks to whom: admin-api → memcached added \(Consul intention, mesh upstream\)$/;
const EDGE_DANGER = /^new edge into data zone dbs: admin-api → memcached$/;
const ROTATED = /^secrets: grafana-admin-password rotated \(random_password\.\S+ replaced\)$/;
// Grafana's Nomad Variable gets the new value (its job's template restarts the task on the change).
const NEW_VALUE = /^grafana: secret values it reads: new value$/;
const REMOVED = [
  /^postgres: service removed$/,
  /^postgres: persistent data postgres-data: no longer mounted by any service \(Nomad host volume postgres-data keeps its files\)$/,
  /^who talks to whom: admin-api → postgres removed \(Consul intention, mesh upstream\)$/,
  /^who talks to whom: postgres-exporter → postgres removed \(Consul intention, mesh upstream\)$/,
  /^who talks to whom: query-api → postgres removed \(Consul intention, mesh upstream\)$/,
];
const REMOVED_DANGER = /^postgres holding persistent data postgres-data is removed$/;

function rounds(stackDir: string): Round[] {
  const replace = ["--replace", grafanaPassword(stackDir)];
  return [
    { name: "replicas", variants: ["replicas"], lines: [REPLICAS], dangers: [] },
    { name: "route-admin-only", variants: ["route-admin-only"], lines: [ROUTE], dangers: [] },
    { name: "talks-to", variants: ["talks-to"], lines: [EDGE], dangers: [EDGE_DANGER] },
    { name: "rotate-secret", variants: [], args: replace, lines: [ROTATED, NEW_VALUE], dangers: [] },
    { name: "remove-postgres", variants: ["remove-postgres"], lines: REMOVED, dangers: [REMOVED_DANGER] },
    {
      name: "all",
      variants: ["replicas", "route-admin-only", "talks-to", "remove-postgres"],
      args: [...replace, "--format", "markdown"],
      lines: [REPLICAS, ROUTE, EDGE, ROTATED, NEW_VALUE, ...REMOVED],
      dangers: [EDGE_DANGER, REMOVED_DANGER],
    },
  ];
}

/** The model's variant synthesized into the deployed stack's directory (its .terraform stays). */
function synthVariant(ctx: ReviewContext, variants: readonly string[]): void {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "main.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      CDKTF_OUTDIR: ctx.outdir,
      ARGO_ENVIRONMENTS: VARIANTS_MODULE,
      ARGO_REVIEW_VARIANTS: variants.join(","),
      ARGO_STACKS: STACK,
    },
  });
  if (r.status !== 0) throw new Error(`synth of variants [${variants.join(", ")}] failed:\n${r.stderr}${r.stdout}`);
}

interface Reviewed {
  readonly code: number | null;
  readonly output: string;
  readonly lines: string[];
  readonly dangers: string[];
  readonly other: string[];
}

/** `npm run review` as a deployer runs it, in the deployer's environment. */
function runReview(ctx: ReviewContext, variants: readonly string[], args: readonly string[]): Reviewed {
  const r = spawnSync(
    path.join(ROOT, "node_modules/.bin/tsx"),
    [path.join(ROOT, "tools/review/run.ts"), STACK, "--outdir", ctx.outdir, "--fail-on", "danger", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...ctx.env,
        ARGO_TERRAFORM: ctx.terraform,
        ARGO_ENVIRONMENTS: VARIANTS_MODULE,
        ARGO_REVIEW_VARIANTS: variants.join(","),
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const output = `${r.stdout}${r.stderr}`;
  // Text: "<group>:" headings, two-space items; Markdown: "**<group>**" headings, "- " items.
  const lines: string[] = [];
  const dangers: string[] = [];
  const other: string[] = [];
  let group = "";
  for (const raw of r.stdout.split("\n")) {
    const heading = /^(?:\*\*(.+?)\*\*|(\S.*):)$/.exec(raw);
    if (heading) {
      group = (heading[1] ?? heading[2]).replace(/^service /, "");
      continue;
    }
    const item = /^(?:- | {2})(.+)$/.exec(raw)?.[1];
    if (!item) continue;
    if (/^(DANGER|Dangerous)/.test(group)) dangers.push(item.replace(/^(! |:warning: )/, ""));
    else if (/^other resources/.test(group)) other.push(item);
    else lines.push(`${group}: ${item}`);
  }
  return { code: r.status, output, lines, dangers, other };
}

/** Every expectation matches exactly one line and every line one expectation. */
function matchExactly(what: string, actual: readonly string[], expected: readonly RegExp[]): string[] {
  const problems: string[] = [];
  for (const re of expected) {
    const hits = actual.filter((l) => re.test(l));
    if (hits.length !== 1) problems.push(`${what}: ${re} matched ${hits.length} lines`);
  }
  for (const line of actual) if (!expected.some((re) => re.test(line))) problems.push(`${what}: unexpected "${line}"`);
  return problems;
}

/** Addresses of resources whose synthesized configuration differs between two cdk.tf.json files. */
function changedAddresses(before: any, after: any): Set<string> {
  const out = new Set<string>();
  for (const type of new Set([...Object.keys(before.resource ?? {}), ...Object.keys(after.resource ?? {})]))
    for (const name of new Set([
      ...Object.keys(before.resource?.[type] ?? {}),
      ...Object.keys(after.resource?.[type] ?? {}),
    ]))
      if (JSON.stringify(before.resource?.[type]?.[name]) !== JSON.stringify(after.resource?.[type]?.[name]))
        out.add(`${type}.${name}`);
  return out;
}

/** Every secret value the cluster holds for the stack: what a recorded plan must not contain. */
async function secretValues(ctx: ReviewContext): Promise<string[]> {
  const list = await ctx.nomad(ctx.server, "/v1/vars?prefix=nomad/jobs");
  if (list.status !== 200) throw new Error(`listing variables: ${list.status}`);
  const values: string[] = [];
  for (const v of list.json<{ Path: string }[]>()) {
    const got = await ctx.nomad(ctx.server, `/v1/var/${v.Path}`);
    if (got.status === 200) values.push(...Object.values(got.json<{ Items: Record<string, string> }>().Items));
  }
  for (const name of ["NOMAD_TOKEN", "CONSUL_HTTP_TOKEN"]) if (ctx.env[name]) values.push(ctx.env[name]!);
  return values.filter((v) => v.length >= 8);
}

export async function reviewChecks(ctx: ReviewContext): Promise<void> {
  const dir = path.join(ctx.work, "review");
  fs.mkdirSync(dir, { recursive: true });
  const base = JSON.parse(fs.readFileSync(path.join(ctx.stackDir, "cdk.tf.json"), "utf8"));
  const secrets = await secretValues(ctx);
  const fixtures = process.env.ARGO_REVIEW_FIXTURES;
  const record = (name: string, file: string) => {
    const text = fs.readFileSync(file, "utf8");
    const leaked = secrets.filter((s) => text.includes(s));
    assert(leaked.length === 0, `${file} contains ${leaked.length} of the cluster's secret values`);
    if (fixtures) fs.copyFileSync(file, path.join(fixtures, `nomad-${name}.plan.json`));
  };
  for (const round of rounds(ctx.stackDir)) {
    await check(
      `review: ${round.name} → exactly that change, ${round.dangers.length} danger(s), exit ${round.dangers.length ? 1 : 0}`,
      async () => {
        const t0 = Date.now();
        synthVariant(ctx, round.variants);
        const variant = JSON.parse(fs.readFileSync(path.join(ctx.stackDir, "cdk.tf.json"), "utf8"));
        const planFile = path.join(dir, `${round.name}.tfplan`);
        const r = runReview(ctx, round.variants, [...(round.args ?? []), "--out", planFile]);
        measured(`review of ${round.name} (synth, terraform plan, review)`, (Date.now() - t0) / 1000);
        const changed = changedAddresses(base, variant);
        const problems = [
          ...matchExactly("lines", r.lines, round.lines),
          ...matchExactly("dangers", r.dangers, round.dangers),
          // An "other resource" must be one whose synthesized configuration this change touched.
          ...r.other
            .map((o) => o.split(" ")[0].replace(/`/g, ""))
            .filter((address) => !changed.has(address))
            .map((address) => `other resource ${address} is not one the change touched`),
        ];
        if (r.code !== (round.dangers.length ? 1 : 0))
          problems.push(`exit ${r.code}, expected ${round.dangers.length ? 1 : 0}`);
        for (const suffix of [
          ".tfplan",
          ".plan.json",
          round.args?.includes("markdown") ? ".review.md" : ".review.txt",
        ]) {
          const file = planFile.replace(/\.tfplan$/, suffix);
          if (!fs.existsSync(file)) problems.push(`--out wrote no ${path.basename(file)}`);
        }
        assert(problems.length === 0, `${problems.join("\n")}\n--- review output ---\n${r.output}`);
        record(round.name, planFile.replace(/\.tfplan$/, ".plan.json"));
        return `${r.lines.length} line(s), ${r.dangers.length} danger(s), ${r.other.length} other resource(s) (${r.other.map((o) => o.split(" ")[0]).join(", ") || "none"}), exit ${r.code}`;
      },
    );
  }

  // What was reviewed is what is applied: the replicas round's plan file, then a drift made with the nomad CLI.
  const nomadCli = pinnedTool("nomad");
  const count = async (job: string) => {
    const a = await ctx.nomad(ctx.server, `/v1/job/${job}`);
    return a.json<any>().TaskGroups[0].Count as number;
  };
  const tf = (args: readonly string[]) =>
    spawnSync(ctx.terraform, args, { cwd: ctx.stackDir, env: ctx.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  await check("review: terraform apply <the reviewed plan file> applies it (ot-app runs 3)", async () => {
    // The plan file is for the configuration it was made from: the replicas variant, synthesized again.
    synthVariant(ctx, ["replicas"]);
    const r = runReview(ctx, ["replicas"], ["--out", path.join(dir, "apply.tfplan")]);
    assert(r.code === 0 && r.lines.length === 1, `review before apply: ${r.output}`);
    const t0 = Date.now();
    const applied = tf(["apply", "-input=false", "-no-color", path.join(dir, "apply.tfplan")]);
    assert(
      applied.status === 0,
      `terraform apply apply.tfplan exited ${applied.status}:\n${applied.stdout.slice(-2000)}${applied.stderr}`,
    );
    measured("terraform apply of the reviewed plan file", (Date.now() - t0) / 1000);
    const n = await count("ot-app");
    assert(n === 3, `ot-app's count is ${n}, expected 3`);
    return "ot-app count 3 in Nomad";
  });
  await check(
    "review --refresh-only: a drift made with the nomad CLI (nomad job scale ot-app 4) shows as replicas 3 → 4",
    async () => {
      assert(nomadCli.found, nomadCli.found ? "" : nomadCli.reason);
      const scaled = spawnSync(
        (nomadCli as { path: string }).path,
        ["job", "scale", "-detach", "ot-app", "ot-app", "4"],
        {
          env: ctx.env,
          encoding: "utf8",
        },
      );
      assert(scaled.status === 0, `nomad job scale exited ${scaled.status}: ${scaled.stderr}${scaled.stdout}`);
      await waitFor("ot-app count 4", 30, async () => {
        if ((await count("ot-app")) !== 4) throw new Error("ot-app's count is not 4 yet");
        return true;
      });
      const planFile = path.join(dir, "drift.tfplan");
      const r = runReview(ctx, ["replicas"], ["--refresh-only", "--out", planFile]);
      const problems = [
        ...matchExactly("lines", r.lines, [/^ot-app: replicas: 3 → 4$/]),
        ...matchExactly("dangers", r.dangers, []),
      ];
      if (r.code !== 0) problems.push(`exit ${r.code}, expected 0`);
      assert(problems.length === 0, `${problems.join("\n")}\n--- review output ---\n${r.output}`);
      record("drift", planFile.replace(/\.tfplan$/, ".plan.json"));
      return r.lines.join("; ");
    },
  );
  await check("review: the deployed model restored (terraform apply of the e2e environment)", async () => {
    synthVariant(ctx, []);
    const applied = tf(["apply", "-input=false", "-no-color", "-auto-approve"]);
    assert(
      applied.status === 0,
      `terraform apply exited ${applied.status}:\n${applied.stdout.slice(-2000)}${applied.stderr}`,
    );
    const n = await count("ot-app");
    assert(n === 2, `ot-app's count is ${n}, expected 2`);
  });
}
