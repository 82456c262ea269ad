import { TerraformProvider, TerraformResource, Token, type IConstruct } from "../cdktf";
import type { PolicyRule } from "./rule";
import { workloadsOf } from "./workloads";

/** Attribute and variable names that hold credentials. */
const SECRET_NAME = /(password|passwd|secret|token|private_?key|api_?key|credential)/i;
/** Credentials embedded in a URL: scheme://user:password@host. */
export const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
/** URL_CREDENTIALS after its "://", tried only where a "://" is. */
const USER_PASSWORD_AT = /[^/\s:@]+:[^/\s@]+@/y;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;

/**
 * `URL_CREDENTIALS.test(value)` in time linear in the string. The regex alone is tried at every letter of every
 * value and backtracks over each run of scheme characters, quadratic in long runs (base64, scripts, configuration
 * files), most of which hold no "://" at all: it was 4 % of a synth. A match needs a "://" with the credentials
 * after it, and before it a run of scheme characters that holds a letter (where the scheme can start).
 */
export function embedsUrlCredentials(value: string): boolean {
  for (let at = value.indexOf("://"); at !== -1; at = value.indexOf("://", at + 1)) {
    USER_PASSWORD_AT.lastIndex = at + 3;
    if (!USER_PASSWORD_AT.test(value)) continue;
    for (let i = at - 1; i >= 0 && SCHEME_CHAR.test(value[i]); i--) if (LETTER.test(value[i])) return true;
  }
  return false;
}

/** Settings whose names only mention secrets (EC2's IMDSv2 switch, where a secret is kept, secret references). */
const SECRET_SETTING = /^(http_tokens|secret_key_ref|secret_name|[a-z_]*secret_(arn|kms_key_id))$/;

/** `X_FILE=/run/secrets/x`: the path of a secret file, the opposite of a literal secret. */
const FILE_REFERENCE = /_FILE$/i;

function isLiteral(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && !Token.isUnresolved(value);
}

function isLiteralSecret(name: string, value: unknown): boolean {
  return (
    SECRET_NAME.test(name) &&
    !SECRET_SETTING.test(name) &&
    isLiteral(value) &&
    !(FILE_REFERENCE.test(name) && value.startsWith("/"))
  );
}

function findInAttributes(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => findInAttributes(item, `${path}[${i}]`, out));
    return;
  }
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (isLiteralSecret(key, child)) out.push(`${childPath} is a literal value`);
      else findInAttributes(child, childPath, out);
    }
    return;
  }
  if (isLiteral(value) && embedsUrlCredentials(value)) out.push(`${path} embeds credentials in a URL`);
}

export const noLiteralSecret: PolicyRule = {
  id: "ARGO-NO-LITERAL-SECRET",
  explanation:
    "secrets are generated or supplied at deploy time and referenced, never written into code or synthesized configuration",
  level: "error",
  scannerIds: ["CKV_SECRET_6"],
  check(node: IConstruct) {
    const out: string[] = [];
    if (node instanceof TerraformResource || node instanceof TerraformProvider) {
      const attributes = (
        node as unknown as { synthesizeAttributes(): Record<string, unknown> }
      ).synthesizeAttributes();
      findInAttributes(attributes, "", out);
    }
    for (const workload of workloadsOf(node)) {
      for (const [name, value] of Object.entries(workload.env)) {
        if (isLiteralSecret(name, value) || embedsUrlCredentials(value)) {
          out.push(`${workload.name} sets ${name} to a literal value in its environment`);
        }
      }
    }
    return out;
  },
};
