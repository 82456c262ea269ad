/**
 * The Nomad, Consul, promtool and amtool checks of `npm run validate`, run with the real programs on what the
 * stacks synthesize: they pass on today's output and fail on the bugs they exist to catch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { LAB } from "../../environments";
import { LabStack, NomadLabStack } from "../../stacks";
import { LAB_AGENT_CONFIGS, NOMAD_JOBSPECS } from "../../tools/validate/checks/nomad";
import { OBSERVABILITY_CONFIGS } from "../../tools/validate/checks/observability";
import type { SynthesizedStack } from "../../tools/validate/stacks";
import type { Check, Finding } from "../../tools/validate/types";

const application = selectApplication(LAB.application, LAB.selection);
const nomadStack = (): SynthesizedStack => ({
  name: "nomad-lab",
  dir: "",
  config: JSON.parse(
    Testing.synth(
      new NomadLabStack(Testing.app() as App, "nomad-test", { environment: LAB, target: LAB.nomad!, application }),
    ),
  ),
});
const labStack = (): SynthesizedStack => ({
  name: "lab",
  dir: "",
  config: JSON.parse(Testing.synth(new LabStack(Testing.app() as App, "lab-test", { environment: LAB, application }))),
});

/** A check's findings; a program that is not installed fails the test (`npm run toolchain` installs it). */
async function run(check: Check, stacks: SynthesizedStack[]): Promise<Finding[]> {
  const workDir = mkdtempSync(join(tmpdir(), "argo-validate-test-"));
  try {
    const findings = await check.run(stacks, workDir);
    const notRun = findings.filter((f) => f.outcome === "not-run" && !/Loki|Alloy|Grafana/.test(f.detail ?? ""));
    if (notRun.length) throw new Error(`not run: ${notRun.map((f) => `${f.artifact}: ${f.detail}`).join("; ")}`);
    return findings;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
const failures = (findings: Finding[]) =>
  findings.filter((f) => f.outcome === "failed").map((f) => `${f.artifact}: ${f.detail}`);

/** The stack with one job's jobspec edited as JSON. */
function withJob(stack: SynthesizedStack, match: RegExp, edit: (job: any) => void): SynthesizedStack {
  const config = structuredClone(stack.config) as any;
  const [name, job] = Object.entries(config.resource.nomad_job).find(([n]) => match.test(n)) as [string, any];
  const spec = JSON.parse(job.jobspec);
  edit(spec.Job);
  config.resource.nomad_job[name] = { ...job, jobspec: JSON.stringify(spec) };
  return { ...stack, config };
}

describe("validate: Nomad jobspecs, by Nomad's API types and nomad job validate", () => {
  const stack = nomadStack();

  it("accepts every job the stack submits", async () => {
    const findings = await run(NOMAD_JOBSPECS, [stack]);
    expect(failures(findings)).toEqual([]);
    expect(findings.filter((f) => f.outcome === "ok").length).toBeGreaterThan(30);
  });

  it("refuses a field Nomad would drop silently (the template key Envvar instead of Envvars)", async () => {
    const broken = withJob(stack, /postgres_/, (job) => {
      const template = job.TaskGroups[0].Tasks[0].Templates[0];
      template.Envvar = template.Envvars;
      delete template.Envvars;
    });
    expect(failures(await run(NOMAD_JOBSPECS, [broken]))).toEqual([
      expect.stringMatching(/argo_postgres_.*\(API types\): .*unknown field "Envvar"/),
    ]);
  });

  it("refuses what nomad job validate refuses (a TCP check on a Connect service)", async () => {
    const broken = withJob(stack, /memcached/, (job) => {
      const service = job.TaskGroups[0].Services[0];
      service.Checks = [
        { Name: "tcp", Type: "tcp", PortLabel: "11211", AddressMode: "alloc", Interval: 1e10, Timeout: 2e9 },
      ];
    });
    expect(failures(await run(NOMAD_JOBSPECS, [broken]))).toEqual([
      expect.stringContaining("tcp checks are not valid for Connect enabled services"),
    ]);
  });

  it("refuses a template that reads a key its Nomad Variable does not hold", async () => {
    const broken = withJob(stack, /postgres_/, (job) => {
      const template = job.TaskGroups[0].Tasks[0].Templates[0];
      template.EmbeddedTmpl = template.EmbeddedTmpl.replace("{{ .POSTGRES_PASSWORD }}", "{{ .POSTGRES_PASSWD }}");
    });
    expect(failures(await run(NOMAD_JOBSPECS, [broken]))).toEqual([expect.stringContaining("POSTGRES_PASSWD")]);
  });

  it("refuses a task that reads its Consul token without a Consul block (Nomad would get it no token)", async () => {
    const broken = withJob(stack, /fabio/, (job) => delete job.TaskGroups[0].Tasks[0].Consul);
    expect(failures(await run(NOMAD_JOBSPECS, [broken]))).toEqual([
      expect.stringMatching(/argo_fabio_.*env "CONSUL_TOKEN" is not set in the task/),
    ]);
  });
});

describe("validate: lab agent configurations, by nomad config validate and consul validate", () => {
  const stack = labStack();

  it("accepts the servers' and clients' configurations with their TLS files", async () => {
    const findings = await run(LAB_AGENT_CONFIGS, [stack]);
    expect(failures(findings)).toEqual([]);
    // Three servers and three clients, each with a Nomad and a Consul agent.
    expect(findings.filter((f) => f.outcome === "ok")).toHaveLength(12);
  });

  it("refuses a configuration the agent would refuse", async () => {
    const config = structuredClone(stack.config) as any;
    const [name, file] = Object.entries(config.resource.proxmox_virtual_environment_file).find(([n]) =>
      /vb0-user-data/.test(n),
    ) as [string, any];
    // bootstrap_expect on a client is a Consul configuration error.
    const data: string = file.source_raw[0].data;
    config.resource.proxmox_virtual_environment_file[name] = {
      ...file,
      source_raw: [
        { ...file.source_raw[0], data: data.replace('"bootstrap_expect": 3', '"bootstrap_expect": "three"') },
      ],
    };
    const found = failures(await run(LAB_AGENT_CONFIGS, [{ ...stack, config }]));
    expect(found).toEqual([expect.stringMatching(/vb0-user-data.*consul\.d.*bootstrap_expect/s)]);
  });
});

describe("validate: observability configurations, by promtool and amtool", () => {
  const stack = nomadStack();

  it("accepts Prometheus', its rules' and Alertmanager's files", async () => {
    const findings = await run(OBSERVABILITY_CONFIGS, [stack]);
    expect(failures(findings)).toEqual([]);
    expect(findings.filter((f) => f.outcome === "ok")).toHaveLength(3);
  });

  it("refuses an alert rule promtool cannot parse", async () => {
    const broken = withJob(stack, /prometheus/, (job) => {
      const rules = job.TaskGroups[0].Tasks[0].Templates.find((t: any) => t.DestPath.endsWith("alert-rules.yml"));
      rules.EmbeddedTmpl = rules.EmbeddedTmpl.replace(/expr: .*/, "expr: sum(rate(up[5m])");
    });
    // Both `check rules` and `check config` (which loads the rule files it names) refuse it.
    const found = failures(await run(OBSERVABILITY_CONFIGS, [broken]));
    expect(found).toHaveLength(2);
    for (const failure of found) expect(failure).toMatch(/alert-rules\.yml.*unclosed left parenthesis/s);
  });
});
