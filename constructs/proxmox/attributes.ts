/**
 * Conversion of a hand-written binding's camelCase config to Terraform's snake_case, the way generated
 * bindings do it field by field. Arrays of objects are nested blocks; undefined fields are left out.
 */
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && (value as object).constructor === Object;

export function toTerraformAttributes(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      out[snake(key)] = value.map((item) => (isPlainObject(item) ? toTerraformAttributes(item) : item));
    } else if (isPlainObject(value)) {
      out[snake(key)] = value; // maps keep their keys
    } else {
      out[snake(key)] = value;
    }
  }
  return out;
}

/** The same, in the shape cdktf's HCL output (`cdktf synth --hcl`) expects from generated bindings. */
export function toHclAttributes(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.some(isPlainObject)) {
      out[snake(key)] = {
        value: value.map((item) => toHclAttributes(item as Record<string, unknown>)),
        isBlock: true,
        type: "list",
        storageClassType: `${key}List`,
      };
    } else if (Array.isArray(value)) {
      out[snake(key)] = {
        value,
        isBlock: false,
        type: "list",
        storageClassType: typeof value[0] === "number" ? "numberList" : "stringList",
      };
    } else if (isPlainObject(value)) {
      out[snake(key)] = { value, isBlock: false, type: "map", storageClassType: "stringMap" };
    } else {
      out[snake(key)] = { value, isBlock: false, type: "simple", storageClassType: typeof value };
    }
  }
  return out;
}
