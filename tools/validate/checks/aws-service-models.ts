/**
 * The AWS stacks' requests judged by AWS's own service models: each resource of aws-api-requests.ts as the API
 * request the provider sends, validated by botocore's ParamValidator (with the shapes' enums and maximums),
 * every policy document against IAM's policy grammar (iam-policy-grammar.ts), and each ALB rule against the
 * load balancer's per-rule quotas. botocore is pinned in tools/toolchain/versions.json and runs from the
 * toolchain's Python environment (the one checkov's pin installs, which depends on botocore).
 */
import { join } from "node:path";
import { VERSIONS } from "../../toolchain/paths";
import { runProgram, venvTool } from "../programs";
import { allResources, type ResourceOf, type SynthesizedStack } from "../stacks";
import type { Check, Finding } from "../types";
import { mapResource, MAPPERS, type ApiRequest } from "./aws-api-requests";
import { policyProblems } from "./iam-policy-grammar";

export const BOTOCORE_VERSION = VERSIONS.python.botocore;
const SCRIPT = join(__dirname, "aws_service_models.py");

/** ALB quotas per rule ("Quotas for your Application Load Balancers"), which the API checks, not the model. */
const RULE_CONDITION_VALUES = 5;
const RULE_WILDCARDS = 5;

export function ruleQuotaProblems(request: ApiRequest): string[] {
  if (request.operation !== "CreateRule") return [];
  const values = ((request.params.Conditions as any[]) ?? []).flatMap((c) =>
    Object.entries(c)
      .filter(([k]) => k.endsWith("Config"))
      .flatMap(([, config]: [string, any]) => config?.Values ?? []),
  );
  const problems: string[] = [];
  if (values.length > RULE_CONDITION_VALUES)
    problems.push(`Conditions: ${values.length} condition values, at most ${RULE_CONDITION_VALUES} per rule`);
  const wildcards = values
    .filter((v: unknown) => typeof v === "string")
    .reduce((n: number, v: string) => n + (v.match(/[*?]/g)?.length ?? 0), 0);
  if (wildcards > RULE_WILDCARDS)
    problems.push(`Conditions: ${wildcards} wildcards, at most ${RULE_WILDCARDS} per rule`);
  return problems;
}

export interface Judged {
  readonly artifact: string;
  readonly request?: ApiRequest;
  readonly problems: string[];
  readonly notChecked: string[];
}

/** Everything this check can say without botocore: mappings, policy grammar, rule quotas. */
export function judgeWithoutBotocore(resources: readonly ResourceOf[]): Judged[] {
  const judged: Judged[] = [];
  for (const r of resources) {
    const artifact = `${r.stack.name} ${r.address}`;
    let mapped;
    try {
      mapped = mapResource(r);
    } catch (error) {
      judged.push({ artifact, problems: [`cannot render: ${(error as Error).message}`], notChecked: [] });
      continue;
    }
    if (!mapped) continue;
    const resourceProblems = [
      ...mapped.unmapped.map((u) => `${u}: no mapping to the API request (tools/validate/checks/aws-api-requests.ts)`),
      ...mapped.policies.flatMap((p) => policyProblems(p.text, p.kind, p.limits).map((x) => `${p.field}: ${x}`)),
    ];
    mapped.requests.forEach((request, i) =>
      judged.push({
        artifact: `${artifact} ${request.service} ${request.operation}`,
        request,
        problems: [...(i === 0 ? resourceProblems : []), ...ruleQuotaProblems(request)],
        notChecked: [],
      }),
    );
    if (mapped.notChecked.length > 0) judged.push({ artifact, problems: [], notChecked: mapped.notChecked });
  }
  return judged;
}

export interface BotocoreRun {
  readonly version: string;
  readonly problems: readonly string[][];
}

/** botocore's verdict on each request, in order. */
export function runBotocore(python: string, requests: readonly ApiRequest[]): BotocoreRun {
  const run = runProgram(python, [SCRIPT], {
    input: JSON.stringify({ requests: requests.map((r, id) => ({ id, ...r })) }),
  });
  if (run.status !== 0) throw new Error(`${SCRIPT} exited ${run.status}:\n${run.output.slice(-4000)}`);
  const out = JSON.parse(run.stdout) as { botocore: string; results: { id: number; problems: string[] }[] };
  return { version: out.botocore, problems: out.results.map((r) => r.problems) };
}

export const AWS_SERVICE_MODELS: Check = {
  name: `botocore ${BOTOCORE_VERSION} service models and IAM policy grammar: AWS API requests of the AWS stacks`,
  run(stacks: readonly SynthesizedStack[]) {
    const resources = Object.keys(MAPPERS).flatMap((type) => allResources(stacks, type));
    if (resources.length === 0)
      return [{ artifact: "AWS stacks", outcome: "failed", detail: "no resource of a mapped AWS type in any stack" }];
    const judged = judgeWithoutBotocore(resources);
    const python = venvTool("python");
    let botocore: BotocoreRun | undefined;
    let notRun: string | undefined;
    if (!python.found) notRun = python.reason;
    else {
      const withRequests = judged.filter((j) => j.request);
      botocore = runBotocore(
        python.path,
        withRequests.map((j) => j.request!),
      );
      if (botocore.version !== BOTOCORE_VERSION) {
        notRun = `botocore ${botocore.version} is installed, ${BOTOCORE_VERSION} is pinned (run \`npm run toolchain\`)`;
        botocore = undefined;
      }
    }
    let next = 0;
    const findings: Finding[] = judged.map((j) => {
      const fromBotocore = j.request && botocore ? botocore.problems[next++] : [];
      const problems = [...j.problems, ...fromBotocore];
      const unchecked = [...j.notChecked, ...(j.request && notRun ? [`botocore not run: ${notRun}`] : [])];
      if (problems.length > 0)
        return { artifact: j.artifact, outcome: "failed", detail: [...problems, ...unchecked].join("\n") };
      if (unchecked.length > 0) return { artifact: j.artifact, outcome: "not-run", detail: unchecked.join("\n") };
      return { artifact: j.artifact, outcome: "ok" };
    });
    return findings;
  },
};
