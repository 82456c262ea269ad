import { CapabilityReport } from "../../constructs/capabilities";
import { ARGO } from "../../constructs/model";
import { ARGO_DATABASE_PLAINTEXT_REASON } from "../../constructs/model/argo";
import { LEDGER, NORTHWIND } from "../../environments";
import { synthAws } from "./synth";

const forceSsl = (group: any) => group.parameter.find((p: any) => p.name === "rds.force_ssl")?.value;
const databaseTls = (synth: ReturnType<typeof synthAws>) =>
  CapabilityReport.of(synth.stack).records.find(
    (r) => r.intent === "encryption in transit" && r.wanted === "TLS to the database",
  );

describe("a database requires TLS exactly where the model says its clients can use it", () => {
  it("says in the model why ARGO's clients cannot, and that Northwind's can", () => {
    expect(ARGO.services.find((s) => s.name === "postgres")?.provides?.clientTls).toEqual({
      supported: false,
      reason: ARGO_DATABASE_PLAINTEXT_REASON,
    });
    expect(LEDGER.services.find((s) => s.name === "postgres")?.provides?.clientTls).toEqual({ supported: true });
  });

  it.each(["ecs", "eks"] as const)("keeps rds.force_ssl = 0 for ARGO on %s, with the model's reason", (kind) => {
    const synth = synthAws(kind);
    const [group] = synth.list("aws_db_parameter_group");
    expect(forceSsl(group)).toBe("0");
    if (kind === "ecs")
      expect(databaseTls(synth)).toMatchObject({
        support: "partial",
        realization: expect.stringContaining(`rds.force_ssl = 0): ${ARGO_DATABASE_PLAINTEXT_REASON}`),
      });
  });

  it.each(["ecs", "eks"] as const)("requires TLS for Northwind on %s (rds.force_ssl = 1)", (kind) => {
    const synth = synthAws(kind, NORTHWIND);
    const [group] = synth.list("aws_db_parameter_group");
    expect(forceSsl(group)).toBe("1");
    expect(group.description).not.toMatch(/ARGO/);
    expect(group.description).toMatch(/TLS only/);
    if (kind === "ecs")
      expect(databaseTls(synth)).toMatchObject({
        support: "native",
        realization: expect.stringMatching(/force_ssl = 1/),
      });
  });
});
