/**
 * Alerts reach someone when the environment says whom (selection.alertReceivers): Alertmanager's receiver on
 * every platform that runs it, accepted by the pinned amtool, and the ECS alarm topic's e-mail subscribers.
 * Without receivers, nobody is notified, and the records say so.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { CapabilityReport } from "../../constructs/capabilities";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import type { AlertReceiver } from "../../constructs/model/alert-receivers";
import { alertmanagerConfig } from "../../constructs/observability";
import type { Environment } from "../../environments";
import { SwarmLabStack } from "../../stacks";
import { OBSERVABILITY_CONFIGS } from "../../tools/validate/checks/observability";
import { pinnedTool, runProgram } from "../../tools/validate/programs";
import type { SynthesizedStack } from "../../tools/validate/stacks";
import { awsCopy, synthAws } from "../aws/synth";
import { envProblemsOf, labCopy, synthNomad } from "../helpers";

const RECEIVERS: AlertReceiver[] = [
  { kind: "email", to: "oncall@example.com", from: "alertmanager@example.com", smarthost: "smtp.example.com:587" },
  { kind: "webhook", url: "https://hooks.example.com/alertmanager" },
];

const EXPECTED_RECEIVER = {
  name: "default",
  email_configs: [
    {
      to: "oncall@example.com",
      from: "alertmanager@example.com",
      smarthost: "smtp.example.com:587",
      require_tls: true,
      send_resolved: true,
    },
  ],
  webhook_configs: [{ url: "https://hooks.example.com/alertmanager", send_resolved: true }],
};

function withReceivers(env: any, receivers: AlertReceiver[] = RECEIVERS): Environment {
  env.selection.alertReceivers = receivers;
  return env;
}

function synthSwarm(env: Environment) {
  const app = Testing.app() as App;
  const stack = new SwarmLabStack(app, "swarm-test", {
    environment: env,
    target: env.swarm!,
    application: selectApplication(env.application, env.selection),
  });
  return { json: JSON.parse(Testing.synth(stack)), stack };
}

describe("Alertmanager's receiver", () => {
  it("has no integration when the environment supplies no receiver (the explicit default)", () => {
    expect(parseYaml(alertmanagerConfig()).receivers).toEqual([{ name: "default" }]);
  });

  it("notifies every supplied receiver, resolved alerts too; a relay without STARTTLS only with a reason", () => {
    expect(parseYaml(alertmanagerConfig(RECEIVERS)).receivers).toEqual([EXPECTED_RECEIVER]);
    const plain = alertmanagerConfig([
      { ...(RECEIVERS[0] as any), plaintextReason: "the relay runs on the same host" },
    ]);
    expect(parseYaml(plain).receivers[0].email_configs[0].require_tls).toBe(false);
  });

  it("is rendered on every platform that runs Alertmanager, and amtool check-config accepts each", async () => {
    const stacks: SynthesizedStack[] = [
      { name: "nomad", dir: "/nonexistent", config: synthNomad(withReceivers(labCopy())).json },
      { name: "swarm", dir: "/nonexistent", config: synthSwarm(withReceivers(labCopy())).json },
      { name: "eks", dir: "/nonexistent", config: synthAws("eks", withReceivers(awsCopy())).json },
      { name: "ecs", dir: "/nonexistent", config: synthAws("ecs", withReceivers(awsCopy())).json },
    ];
    const workDir = mkdtempSync(join(tmpdir(), "argo-alert-receivers-"));
    try {
      const findings = await OBSERVABILITY_CONFIGS.run(stacks, workDir);
      const alertmanager = findings.filter((f) => f.artifact.endsWith("/etc/alertmanager/alertmanager.yml"));
      expect(alertmanager.map((f) => [f.artifact.split(" ")[0], f.outcome])).toEqual([
        ["nomad", "ok"],
        ["swarm", "ok"],
        ["eks", "ok"],
        ["ecs", "ok"],
      ]);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    // The delivered file holds the receivers (Swarm's config, as one example of the delivered text).
    const configs = Object.values<any>(stacks[1].config.resource!.docker_config).map((c) =>
      Buffer.from(c.data, "base64").toString(),
    );
    const delivered = configs.find((c) => c.includes("email_configs"));
    expect(parseYaml(delivered!).receivers).toEqual([EXPECTED_RECEIVER]);
  });

  it("would be refused by amtool if a relay's port were missing (what validation refuses first)", () => {
    const amtool = pinnedTool("amtool");
    if (!amtool.found) throw new Error(amtool.reason);
    const dir = mkdtempSync(join(tmpdir(), "argo-alert-receivers-"));
    try {
      const file = join(dir, "alertmanager.yml");
      writeFileSync(file, alertmanagerConfig([{ ...(RECEIVERS[0] as any), smarthost: "smtp.example.com" }]));
      const run = runProgram(amtool.path, ["check-config", file]);
      expect(run.status).not.toBe(0);
      expect(run.output).toContain("missing port in address");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is stated in the alerts records: nobody by default, the receivers when supplied", () => {
    const alerts = (env: Environment) =>
      CapabilityReport.of(synthNomad(env).stack).records.find((r) => r.intent === "alerts" && r.service === "*")!;
    expect(alerts(labCopy() as Environment).realization).toContain(
      "which notifies nobody (selection.alertReceivers is empty)",
    );
    expect(alerts(withReceivers(labCopy())).realization).toContain(
      "which notifies 1 email and 1 webhook receiver(s) of selection.alertReceivers",
    );
  });
});

describe("ECS: the alarm topic's subscribers", () => {
  it("subscribes each e-mail receiver once, next to ecs.alarmSubscriptions; webhooks stay Alertmanager's", () => {
    const env: any = withReceivers(awsCopy(), [
      ...RECEIVERS,
      { kind: "email", to: "lead@example.com", from: "am@example.com", smarthost: "smtp.example.com:587" },
    ]);
    env.ecs.alarmSubscriptions = [{ protocol: "email", endpoint: "lead@example.com" }];
    const ecs = synthAws("ecs", env);
    expect(ecs.list("aws_sns_topic_subscription").map((s) => [s.protocol, s.endpoint])).toEqual([
      ["email", "lead@example.com"],
      ["email", "oncall@example.com"],
    ]);
    const record = CapabilityReport.of(ecs.stack).records.find((r) => r.intent === "notifications")!;
    expect(record.realization).toContain(
      "it delivers to 1 email subscriber(s) of ecs.alarmSubscriptions and 1 e-mail receiver(s) of selection.alertReceivers",
    );
  });
});

describe("validation of the receivers", () => {
  it("reports every problem in one run, naming the field, the value and what was expected, and no secret", () => {
    const env = withReceivers(labCopy(), [
      { kind: "email", to: "oncall", from: "am@example.com", smarthost: "smtp.example.com" },
      { kind: "email", to: "a@example.com", from: "b@example.com", smarthost: "smtp:25", plaintextReason: "" },
      { kind: "webhook", url: "http://hooks.example.com/x" },
      { kind: "webhook", url: "https://bot:hunter2@hooks.example.com/x?token=abc" },
      { kind: "pager" } as never,
    ]);
    const problems = envProblemsOf(env).filter((p) => p.includes("alertReceivers"));
    const at = "environments.lab.selection.alertReceivers";
    expect(problems).toEqual([
      `${at}[0].to: "oncall" is not an e-mail address`,
      `${at}[0].smarthost: "smtp.example.com" is not host:port (expected e.g. smtp.example.com:587)`,
      `${at}[1].plaintextReason: needs a written reason for sending without STARTTLS`,
      `${at}[2].url: "http://hooks.example.com/x" is not an https:// URL (alerts leave the platform encrypted)`,
      `${at}[3].url: "https://hooks.example.com/x..." carries credentials or a query string: a receiver's settings must hold no secret (use an endpoint that needs none, e.g. a relay inside the network)`,
      `${at}[4].kind: "pager" is not a receiver kind (expected "email" or "webhook")`,
    ]);
    expect(problems.join("\n")).not.toMatch(/hunter2|token=abc/);
  });

  it("refuses receivers for an application without Alertmanager", () => {
    const env: any = withReceivers(labCopy());
    env.application = {
      ...env.application,
      services: env.application.services.map((s: any) => {
        const { receivesAlerts: _r, ...rest } = s;
        return rest;
      }),
    };
    expect(envProblemsOf(env)).toContain(
      "environments.lab.selection.alertReceivers: the application has no service that receives alerts (receivesAlerts), so no receiver would be used",
    );
  });
});
