import * as fs from "fs";
import * as path from "path";
import { MEASURES } from "../../e2e/comparison";
import { RESULTS_FILE, parseResults, renderResults, type Results } from "../../e2e/results";

const committed = fs.readFileSync(path.join(__dirname, "..", "..", RESULTS_FILE), "utf8");

describe(RESULTS_FILE, () => {
  it("is in the e2e generator's format: it parses, and rendering what it holds gives the file byte for byte", () => {
    const results = parseResults(committed);
    expect(renderResults(results)).toBe(committed);
  });

  it("holds a figure for every measure in each of its three columns, and the run's times", () => {
    const results = parseResults(committed);
    expect(results.columns.map((c) => c.label)).toEqual([
      "thesis, 1 manager + 2 workers",
      "thesis, 1 manager + 4 workers",
      "ours, 1 manager + 4 workers",
    ]);
    for (const m of MEASURES) for (const c of results.columns) expect(c.figures[m]?.seconds).toBeGreaterThan(0);
    expect(results.timings.length).toBeGreaterThan(0);
  });

  it("is refused when edited by hand: a figure without its unit, a row removed", () => {
    const unitless = committed.replace(/^(\| killed container[^|]*\| )(\d+\.\d) s/m, "$1$2");
    expect(unitless).not.toBe(committed);
    expect(() => parseResults(unitless)).toThrow(/line \d+: .* expected seconds as "12.3 s" or "—"/);
    const rowless = committed.replace(/^\| deploy → .*\n/m, "");
    expect(rowless).not.toBe(committed);
    expect(() => parseResults(rowless)).toThrow(/expected the row "deploy → every service/);
  });
});

describe("renderResults", () => {
  const sample: Results = {
    date: "2026-01-01T00:00:00Z",
    machine: "2 CPUs",
    commit: "0123456789ab",
    command: "ARGO_E2E_WRITE_RESULTS=1 npm run test:e2e",
    oursWhy: "the same harness",
    columns: [
      { label: "thesis", figures: { killed: { seconds: 6.9, note: "query-api on e2e-w0" } } },
      { label: "ours", figures: { lostWorker: { note: "not on this harness | taken elsewhere" } } },
    ],
    thesisChanges: ["images: the stand-ins"],
    timings: [{ name: "deploy", seconds: 12.34, note: "" }],
    checks: { passed: 3, failed: 0 },
  };

  it("writes what parseResults reads back (a note's pipe becomes a slash, seconds one decimal)", () => {
    const parsed = parseResults(renderResults(sample));
    expect(parsed.columns[0].figures.killed).toEqual({ seconds: 6.9, note: "query-api on e2e-w0" });
    expect(parsed.columns[1].figures.lostWorker).toEqual({ note: "not on this harness / taken elsewhere" });
    expect(parsed.timings).toEqual([{ name: "deploy", seconds: 12.3, note: "" }]);
    expect(parsed.checks).toEqual({ passed: 3, failed: 0 });
  });
});
