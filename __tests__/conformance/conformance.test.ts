import type { CapabilityRecord } from "../../constructs/capabilities";
import { ENVIRONMENTS } from "../../environments";
import {
  flowProblems,
  healthProblems,
  intentGaps,
  KNOWN_FLOW_GAPS,
  KNOWN_INTENT_GAPS,
  routeProblems,
  secretProblems,
} from "./checks";
import {
  ENTRIES,
  REGISTERED_APP_PLATFORMS,
  synthesize,
  workloadsOf,
  type Synthesized,
  type Workloads,
} from "./platforms";

// A record with an intent outside INTENTS does not compile:
// @ts-expect-error "healthcheck" is not an intent ("health" is)
const misspelt: CapabilityRecord["intent"] = "healthcheck";
void misspelt;

const synthesized = new Map<string, { s: Synthesized; w: Workloads }>();
function get(field: string) {
  const entry = ENTRIES.find((e) => e.field === field)!;
  if (!synthesized.has(field)) {
    const s = synthesize(entry);
    synthesized.set(field, { s, w: workloadsOf(s.json, entry.stackName, ENVIRONMENTS) });
  }
  return synthesized.get(field)!;
}

test("the suite covers every platform of the registry that renders the application", () => {
  expect(ENTRIES.map((e) => e.field).sort()).toEqual([...REGISTERED_APP_PLATFORMS].sort());
});

test("every platform records the same intents per service, but for the known gaps", () => {
  const gaps = intentGaps(ENTRIES.map((e) => get(e.field).s));
  const byPlatformIntent = [...new Set(gaps.map((g) => g.replace(/ [^ ]+: /, " ")))].sort();
  expect(byPlatformIntent).toEqual(Object.keys(KNOWN_INTENT_GAPS).sort());
});

describe.each(ENTRIES.map((e) => e.field))("%s conforms to the model", (field) => {
  test("allowed flows are the talks-to pairs, no more, no fewer", () => {
    const { s, w } = get(field);
    expect(flowProblems(s, w)).toEqual(KNOWN_FLOW_GAPS[field] ?? []);
  });
  test("every secret generated or kept in a store, no literal secret in the output", () => {
    const { s, w } = get(field);
    expect(secretProblems(s, w)).toEqual([]);
  });
  test("every service has its health check (or its exemption) and its replicas", () => {
    const { s, w } = get(field);
    expect(healthProblems(s, w)).toEqual([]);
  });
  test("every route, admin-only ones restricted to the admin CIDRs", () => {
    const { s, w } = get(field);
    expect(routeProblems(s, w)).toEqual([]);
  });
});
