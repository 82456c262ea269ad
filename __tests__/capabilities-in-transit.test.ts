/**
 * Encryption in transit, per platform, as the capability records state it: each kind of traffic the
 * application has (the edge in front of the router, the router to the services, service calls, scrapes, log
 * pushes) is either encrypted, saying how, or plaintext, saying so.
 */
import { CapabilityReport, IN_TRANSIT, type CapabilityRecord } from "../constructs/capabilities";
import { App, Testing } from "../constructs/cdktf";
import { selectApplication } from "../constructs/model";
import { LAB } from "../environments";
import { SwarmLabStack } from "../stacks";
import { synthAws } from "./aws/synth";
import { labCopy, synthNomad } from "./helpers";

/** `wanted → realization` of a stack's in-transit records. */
function inTransit(records: readonly CapabilityRecord[]): Record<string, string> {
  return Object.fromEntries(
    records
      .filter((r) => r.intent === IN_TRANSIT && r.service === "*")
      .map((r) => [r.wanted.replace(/: encrypted$/, ""), `${r.support} ${r.realization.split(":")[0]}`]),
  );
}

function swarmRecords(env = LAB) {
  const app = Testing.app() as App;
  const stack = new SwarmLabStack(app, "swarm-test", {
    environment: env,
    target: env.swarm!,
    application: selectApplication(env.application, env.selection),
  });
  Testing.synth(stack);
  return CapabilityReport.of(stack).records;
}

describe("what is encrypted in transit and what remains plaintext", () => {
  it("nomad: the mesh encrypts calls and log pushes; the edge, Fabio and scrapes are plaintext", () => {
    expect(inTransit(CapabilityReport.of(synthNomad().stack).records)).toEqual({
      "the TLS edge → the entrypoint": "partial plaintext",
      "the entrypoint → routed services": "partial plaintext",
      "service-to-service calls": "native encrypted",
      "metric scrapes": "partial plaintext",
      "log pushes to the log store": "native encrypted",
    });
  });

  it("swarm: the encrypted overlays carry every hop but the edge's; without them everything is plaintext", () => {
    expect(inTransit(swarmRecords())).toEqual({
      "the TLS edge → the entrypoint": "partial plaintext",
      "the entrypoint → routed services": "native encrypted",
      "service-to-service calls": "native encrypted",
      "metric scrapes": "native encrypted",
      "log pushes to the log store": "native encrypted",
    });
    const env = labCopy();
    env.swarm!.networking = { endpointMode: "dnsrr", publishMode: "host", encryptOverlays: false };
    const records = swarmRecords(env as never);
    expect(Object.values(inTransit(records))).toEqual(Array(5).fill("partial plaintext"));
    // The zones record no longer calls the overlays encrypted.
    expect(records.find((r) => r.service === "query-api" && r.intent === "zones")!.realization).toContain(
      "(not encrypted, not attachable)",
    );
  });

  it("eks: TLS ends at the ALB; targets, calls, scrapes and log pushes are plaintext", () => {
    expect(inTransit(CapabilityReport.of(synthAws("eks").stack).records)).toEqual({
      "the entrypoint → routed services": "partial plaintext",
      "service-to-service calls": "partial plaintext",
      "metric scrapes": "partial plaintext",
      "log pushes to the log store": "partial plaintext",
    });
  });

  it("ecs: TLS ends at the ALB; AWS APIs, EFS and the logs to CloudWatch are encrypted", () => {
    expect(inTransit(CapabilityReport.of(synthAws("ecs").stack).records)).toEqual({
      "AWS APIs and file storage": "native encrypted",
      "the entrypoint → routed services": "partial plaintext",
      "service-to-service calls": "partial plaintext",
      "metric scrapes": "partial plaintext",
      "log pushes to the log store": "native encrypted",
    });
  });
});
