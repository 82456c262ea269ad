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

let configuration: Json = {};

function resolve(value: unknown): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(id|arn)\}$/.exec(value);
    if (whole) return idOf(whole[1], whole[2]);
    // `${type.name.name}` inside text: the referenced resource's literal name, as Terraform would render it.
    return value
      .replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.name\}/g, (ref, type, name) => {
        const literal = configuration.resource?.[type]?.[name]?.name;
        return typeof literal === "string" && !literal.includes("${") ? literal : ref;
      })
      .replace(/\$\$\{/g, "${");
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

/** One resource's values as a plan shows them: blocks (at any depth) as lists of one, its id and arn known. */
function values(type: string, name: string, config: Json): Json {
  return { ...(listed(resolve(config)) as Json), id: idOf(type, name), arn: idOf(type, name) };
}

function listed(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => listed(v));
  if (!value || typeof value !== "object") return value;
  if (MAPS.includes(key)) return value;
  const inner = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, listed(v, k)]));
  return key === "" ? inner : [inner];
}

/** Attributes that are maps (not blocks) in the providers' schemas the fixtures use. */
const MAPS = [
  "tags",
  "tags_all",
  "items",
  "data",
  "labels",
  "annotations",
  "match_labels",
  "env",
  "options",
  "limits",
  "requests",
  "driver_opts",
];

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
      configuration = before;
      const bv = b ? values(type, name, b) : null;
      configuration = after;
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
