/** Helpers for the review tests: a fixture plan, one resource changed in it, the review of it. */
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS, type Environment } from "../../environments";
import type { PlanJson, ResourceChange } from "../../tools/review/plan";
import { review, type Review } from "../../tools/review/review";
import { modelContextFor, namesById } from "../../tools/review/run";

export const FIXTURES = path.join(__dirname, "fixtures");

export function fixture(name: string): PlanJson {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
}

type Mutable = { -readonly [K in keyof ResourceChange]: any };

/** The resource change whose address matches (exactly one). */
export function resource(plan: PlanJson, match: RegExp | string): Mutable {
  const hits = (plan.resource_changes ?? []).filter((rc) =>
    typeof match === "string" ? rc.address === match : match.test(rc.address),
  );
  if (hits.length !== 1) throw new Error(`${match} matches ${hits.length} resources`);
  return hits[0] as Mutable;
}

/** The resource updated: `edit` changes a copy of its values before. */
export function update(plan: PlanJson, match: RegExp | string, edit: (after: any) => void): PlanJson {
  const rc = resource(plan, match);
  const after = structuredClone(rc.change.before);
  edit(after);
  rc.change = { ...rc.change, actions: ["update"], after };
  return plan;
}

export function destroy(plan: PlanJson, match: RegExp | string): PlanJson {
  const rc = resource(plan, match);
  rc.change = { ...rc.change, actions: ["delete"], after: null };
  return plan;
}

export function replace(plan: PlanJson, match: RegExp | string): PlanJson {
  const rc = resource(plan, match);
  rc.change = { ...rc.change, actions: ["delete", "create"] };
  return plan;
}

/** A new resource: a copy of an existing one under a new name, edited. */
export function create(plan: PlanJson, like: RegExp | string, name: string, edit: (after: any) => void): PlanJson {
  const rc = resource(plan, like);
  const after = structuredClone(rc.change.before);
  edit(after);
  (plan.resource_changes as ResourceChange[]).push({
    ...rc,
    address: `${rc.type}.${name}`,
    name,
    change: { ...rc.change, actions: ["create"], before: null, after },
  });
  return plan;
}

export function reviewOf(
  stack: string,
  plan: PlanJson,
  mode: "plan" | "drift" = "plan",
  environments: readonly Environment[] = ENVIRONMENTS,
): Review {
  const names = namesById(plan);
  return review(plan, { ...modelContextFor(stack, environments), nameOfId: (id) => names.get(id) }, { mode });
}

/** `<group>: <text>` of every line, and the dangers. */
export function summary(r: Review): { lines: string[]; dangers: string[]; other: string[] } {
  return {
    lines: r.lines.map((l) => `${l.group}: ${l.text}`),
    dangers: r.lines.flatMap((l) => (l.danger ? [l.danger] : [])),
    other: r.other.map((o) => `${o.address} (${o.actions})`),
  };
}
