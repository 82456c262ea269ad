/**
 * Every string of a Terraform configuration is a template: Terraform turns `$${` and `%%{` into literal `${`
 * and `%{`, and replaces each `${expression}` by its value at apply time. A program that judges a generated
 * string must see it rendered the same way, with a value of the right kind where Terraform would put one
 * (a PEM certificate, a UUID, base64 of the value...): stripping a reference would hide quoting mistakes
 * around it. An expression this renderer does not know fails loudly instead of being guessed.
 */
import { createHash } from "node:crypto";

export interface RenderOptions {
  /** Declared variables of the stack (`variable` block), so that `var.x` gets a value of its type. */
  readonly variables?: Readonly<Record<string, { readonly type?: string }>>;
  /** How an inserted value is written, e.g. escaped for a JSON string (container definitions). */
  readonly quote?: (value: string) => string;
}

type Value = string | readonly Value[];

/** `text` as Terraform renders it, with representative values for references. */
export function renderTerraformTemplate(text: string, options: RenderOptions = {}): string {
  const quote = options.quote ?? ((v: string) => v);
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      out += `${c}{`;
      i += 3;
    } else if (c === "$" && text[i + 1] === "{") {
      const end = closingBrace(text, i + 2);
      out += quote(
        asString(
          evaluate(
            text
              .slice(i + 2, end)
              .replace(/^~|~$/g, "")
              .trim(),
            options,
          ),
          text.slice(i, end + 1),
        ),
      );
      i = end + 1;
    } else if (c === "%" && text[i + 1] === "{") {
      throw new Error(
        `template directive "${text.slice(i, closingBrace(text, i + 2) + 1)}" is not rendered by this check`,
      );
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The JSON-string quoting of a value inserted into a JSON document held in a Terraform string. */
export const jsonStringQuote = (value: string) => JSON.stringify(value).slice(1, -1);

/** Index of the `}` closing a template sequence whose expression starts at `from` (quotes and nesting aware). */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = closingQuote(text, i);
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new Error(`unterminated template sequence near "${text.slice(from - 2, from + 40)}"`);
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string near "${text.slice(open, open + 40)}"`);
}

function asString(value: Value, where: string): string {
  if (typeof value !== "string") throw new Error(`${where} is a list, not a string`);
  return value;
}

function evaluate(expression: string, options: RenderOptions): Value {
  const call = /^([a-z][a-z0-9_]*)\(/.exec(expression);
  if (call && matchingClose(expression, call[0].length - 1) === expression.length - 1) {
    const args = splitTopLevel(expression.slice(call[0].length, -1)).map((a) => evaluate(a, options));
    return callFunction(call[1], args, expression);
  }
  if (expression.startsWith('"')) {
    if (closingQuote(expression, 0) !== expression.length - 1)
      throw new Error(`cannot render Terraform expression "${expression}"`);
    return renderTerraformTemplate(JSON.parse(expression), options);
  }
  if (expression.startsWith("[") && expression.endsWith("]"))
    return splitTopLevel(expression.slice(1, -1)).map((a) => evaluate(a, options));
  const reference = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_-]+|\[\d+\])*)$/.exec(expression);
  if (reference) return referenceValue(reference[1], reference[2], reference[3], expression, options);
  throw new Error(`cannot render Terraform expression "${expression}"`);
}

function callFunction(name: string, args: Value[], expression: string): Value {
  const str = (v: Value) => asString(v, expression);
  switch (name) {
    case "base64encode":
      return Buffer.from(str(args[0])).toString("base64");
    case "sha256":
      return createHash("sha256").update(str(args[0])).digest("hex");
    case "join": {
      const list = args[1];
      if (typeof list === "string") throw new Error(`${expression}: join of a string`);
      return list.map(str).join(str(args[0]));
    }
    default:
      throw new Error(`cannot render Terraform function ${name}() in "${expression}"`);
  }
}

/** Index of the bracket closing the one at `open`. */
function matchingClose(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = closingQuote(text, i);
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c) && --depth === 0) return i;
  }
  return -1;
}

/** Splits `a, [b, c], f(d, e)` at its top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = closingQuote(text, i);
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

/** A deterministic stand-in of the kind Terraform would insert: distinct per expression, shell-word safe. */
function referenceValue(head: string, name: string, rest: string, expression: string, options: RenderOptions): Value {
  const digest = createHash("sha256").update(expression).digest("hex");
  if (head === "var") {
    const type = options.variables?.[name]?.type ?? "string";
    const value = /ssh_public_key/.test(name)
      ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${digest.slice(0, 43)} admin@example`
      : `var-${name}`;
    return /^(list|set|tuple)\(/.test(type) ? [value] : value;
  }
  const attribute = (/\.([A-Za-z0-9_-]+)(?:\[\d+\])*$/.exec(rest)?.[1] ?? name).toLowerCase();
  const type = head === "data" || head === "local" ? name : head;
  if (attribute.endsWith("private_key_pem")) return pem("PRIVATE KEY", digest);
  if (attribute.endsWith("_pem")) return pem("CERTIFICATE", digest);
  if (type === "random_uuid")
    return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  if (type === "random_id" && attribute.startsWith("b64"))
    return Buffer.from(digest.slice(0, 32), "hex").toString("base64");
  if (type === "random_id") return digest.slice(0, 32);
  if (type === "random_password") return `Pw${digest.slice(0, 30)}`;
  if (attribute === "arn" || attribute.endsWith("_arn"))
    return `arn:aws:example:eu-west-1:123456789012:${type}/${digest.slice(0, 12)}`;
  if (/address|endpoint|dns_name|fqdn|hostname/.test(attribute)) return `h${digest.slice(0, 8)}.example.internal`;
  return `${attribute.replace(/_/g, "-")}-${digest.slice(0, 8)}`;
}

function pem(label: string, digest: string): string {
  const body = Buffer.from(digest.repeat(4), "hex").toString("base64");
  return `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}
