/**
 * Hand-built plan JSON, for stacks whose providers are not on this machine (aws) or whose engine is another
 * engineer's (Swarm): `terraform show -json`'s format, built from two synthesized cdk.tf.json files of the same
 * stack (before, after). What Terraform would resolve is filled in as a plan shows it: `${type.name.id}` and
 * `.arn` references become `hand-built-id:<type>.<name>` (and the referenced resource carries that id), every
 * other reference stays as its text, `$${` becomes `${`. Fixtures made this way say "hand-built" in their name.
 *
 *   npx tsx __tests__/review/hand-built.ts <before cdk.tf.json> <after cdk.tf.json> <out.json>
 */
import * as fs from "fs";

type Json = Record<string, any>;

const idOf = (type: string, name: string) => `hand-built-id:${type}.${name}`;

function resolve(value: unknown): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(id|arn)\}$/.exec(value);
    if (whole) return idOf(whole[1], whole[2]);
    return value.replace(/\$\$\{/g, "${");
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "//" && k !== "depends_on" && k !== "lifecycle" && k !== "provider")
        .map(([k, v]) => [k, resolve(v)]),
    );
  return value;
}

/** One resource's values as a plan shows them: blocks as lists of one, its id and arn known. */
function values(type: string, name: string, config: Json): Json {
  const resolved = resolve(config) as Json;
  const listed = Object.fromEntries(
    Object.entries(resolved).map(([k, v]) => [
      k,
      v && typeof v === "object" && !Array.isArray(v) && !isMap(k) ? [v] : v,
    ]),
  );
  return { ...listed, id: idOf(type, name), arn: idOf(type, name) };
}

/** Attributes that are maps (not blocks) in the providers' schemas the fixtures use. */
const isMap = (key: string) => ["tags", "items", "data", "labels", "annotations", "match_labels"].includes(key);

export function handBuiltPlan(before: Json, after: Json): Json {
  const changes: Json[] = [];
  const types = new Set([...Object.keys(before.resource ?? {}), ...Object.keys(after.resource ?? {})]);
  for (const type of [...types].sort()) {
    const names = new Set([
      ...Object.keys(before.resource?.[type] ?? {}),
      ...Object.keys(after.resource?.[type] ?? {}),
    ]);
    for (const name of [...names].sort()) {
      const b = before.resource?.[type]?.[name];
      const a = after.resource?.[type]?.[name];
      const bv = b ? values(type, name, b) : null;
      const av = a ? values(type, name, a) : null;
      const actions = !b
        ? ["create"]
        : !a
          ? ["delete"]
          : JSON.stringify(bv) === JSON.stringify(av)
            ? ["no-op"]
            : ["update"];
      changes.push({
        address: `${type}.${name}`,
        mode: "managed",
        type,
        name,
        change: { actions, before: bv, after: av, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
      });
    }
  }
  return { format_version: "1.2", terraform_version: "hand-built", resource_changes: changes };
}

if (require.main === module) {
  const [beforeFile, afterFile, out] = process.argv.slice(2);
  const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));
  fs.writeFileSync(out, JSON.stringify(handBuiltPlan(read(beforeFile), read(afterFile)), null, 1) + "\n");
}
