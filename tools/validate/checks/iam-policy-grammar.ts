/**
 * The IAM JSON policy grammar (AWS's "IAM JSON policy element reference" and "grammar of the IAM JSON policy
 * language"), which botocore's shapes do not carry: they type a policy document as a string of at most
 * 131072 characters. Every problem of a document is reported, each with its path in the document.
 */

/** Where a document is used decides which elements it must and must not have. */
export type PolicyKind =
  /** Attached to an identity (PutRolePolicy, CreatePolicy): no Principal; Resource required. */
  | "identity"
  /** A role's trust policy (CreateRole's AssumeRolePolicyDocument): Principal required, no Resource. */
  | "trust"
  /** Attached to a resource (a key, bucket, file system, endpoint...): Principal and Resource required. */
  | "resource";

export interface PolicyLimits {
  /** The service's size quota, in characters, and whether IAM counts them without whitespace. */
  readonly maxCharacters: number;
  readonly ignoresWhitespace: boolean;
  readonly quota: string;
}

const VERSIONS = ["2012-10-17", "2008-10-17"];
const TOP_LEVEL = ["Version", "Id", "Statement"];
const STATEMENT = [
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
];
const PRINCIPAL_TYPES = ["AWS", "Service", "Federated", "CanonicalUser"];

/** Condition operators (IAM's condition operator reference); each may end in IfExists except Null. */
export const CONDITION_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
];

const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
// arn:partition:service:region:account:resource (region and account may be empty; wildcards allowed).
const ARN = /^arn:(aws|aws-cn|aws-us-gov|\*):[a-z0-9*-]+:[a-z0-9*-]*:(\d{12}|\*|aws)?:.+$/;
const ACCOUNT_ID = /^\d{12}$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;
const CONDITION_KEY = /^[A-Za-z0-9-]+:[A-Za-z0-9:/_.*${}-]+$/;
const IP = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;

const show = (v: unknown) => JSON.stringify(v);

function strings(value: unknown, path: string, problems: string[]): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) return value;
  problems.push(`${path}: ${show(value)} is not a string or a non-empty list of strings`);
  return [];
}

/** Every grammar problem of `text` as a policy of `kind`; none means IAM's grammar accepts it. */
export function policyProblems(text: string, kind: PolicyKind, limits?: PolicyLimits): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (limits) {
    const size = limits.ignoresWhitespace ? text.replace(/\s/g, "").length : text.length;
    if (size > limits.maxCharacters)
      problems.push(`${size} characters, above the ${limits.maxCharacters} of ${limits.quota}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return [`${show(doc)} is not a JSON object`];
  const policy = doc as Record<string, unknown>;
  for (const key of Object.keys(policy))
    if (!TOP_LEVEL.includes(key)) problems.push(`${key}: not a policy element (expected ${TOP_LEVEL.join(", ")})`);
  // IAM defaults a missing Version to 2008-10-17, which has no policy variables: we require it stated.
  if (!VERSIONS.includes(policy.Version as string))
    problems.push(`Version: ${show(policy.Version)} (expected "2012-10-17")`);
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  if (policy.Statement === undefined || statements.length === 0) problems.push("Statement: missing or empty");
  const sids = new Set<string>();
  statements.forEach((statement, i) => {
    if (policy.Statement === undefined) return;
    const at = Array.isArray(policy.Statement) ? `Statement[${i}]` : "Statement";
    if (!statement || typeof statement !== "object" || Array.isArray(statement)) {
      problems.push(`${at}: ${show(statement)} is not an object`);
      return;
    }
    statementProblems(statement as Record<string, unknown>, at, kind, sids, problems);
  });
  return problems;
}

function statementProblems(
  s: Record<string, unknown>,
  at: string,
  kind: PolicyKind,
  sids: Set<string>,
  problems: string[],
): void {
  for (const key of Object.keys(s))
    if (!STATEMENT.includes(key))
      problems.push(`${at}.${key}: not a statement element (expected ${STATEMENT.join(", ")})`);
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== "string" || !/^[A-Za-z0-9]*$/.test(s.Sid))
      problems.push(`${at}.Sid: ${show(s.Sid)} (expected letters and digits only)`);
    else if (sids.has(s.Sid)) problems.push(`${at}.Sid: "${s.Sid}" is used by an earlier statement`);
    else sids.add(s.Sid);
  }
  if (s.Effect !== "Allow" && s.Effect !== "Deny")
    problems.push(`${at}.Effect: ${show(s.Effect)} (expected "Allow" or "Deny")`);
  exactlyOne(s, at, ["Action", "NotAction"], problems);
  for (const key of ["Action", "NotAction"] as const)
    if (s[key] !== undefined)
      strings(s[key], `${at}.${key}`, problems)
        .filter((a) => !ACTION.test(a))
        .forEach((a) => problems.push(`${at}.${key}: "${a}" (expected "*" or service:Action)`));
  const principal = ["Principal", "NotPrincipal"].filter((k) => s[k] !== undefined);
  if (kind === "identity" && principal.length > 0)
    problems.push(`${at}.${principal[0]}: a policy attached to an identity must not name a principal`);
  if (kind !== "identity") exactlyOne(s, at, ["Principal", "NotPrincipal"], problems);
  for (const key of principal) principalProblems(s[key], `${at}.${key}`, problems);
  const resource = ["Resource", "NotResource"].filter((k) => s[k] !== undefined);
  if (kind === "trust" && resource.length > 0)
    problems.push(`${at}.${resource[0]}: a trust policy must not name a resource`);
  if (kind !== "trust") exactlyOne(s, at, ["Resource", "NotResource"], problems);
  for (const key of resource)
    strings(s[key], `${at}.${key}`, problems)
      .filter((r) => r !== "*" && !ARN.test(r))
      .forEach((r) => problems.push(`${at}.${key}: "${r}" (expected "*" or an ARN)`));
  if (s.Condition !== undefined) conditionProblems(s.Condition, `${at}.Condition`, problems);
}

function exactlyOne(s: Record<string, unknown>, at: string, keys: readonly string[], problems: string[]): void {
  const present = keys.filter((k) => s[k] !== undefined);
  if (present.length !== 1)
    problems.push(`${at}: ${present.length === 0 ? "no" : "both"} ${keys.join(" and ")} (expected exactly one)`);
}

function principalProblems(value: unknown, at: string, problems: string[]): void {
  if (value === "*") return;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${at}: ${show(value)} (expected "*" or an object of ${PRINCIPAL_TYPES.join(", ")})`);
    return;
  }
  for (const [type, names] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.includes(type)) {
      problems.push(`${at}.${type}: not a principal type (expected ${PRINCIPAL_TYPES.join(", ")})`);
      continue;
    }
    for (const name of strings(names, `${at}.${type}`, problems)) {
      const ok =
        type === "Service"
          ? SERVICE_PRINCIPAL.test(name)
          : type === "AWS"
            ? name === "*" || ACCOUNT_ID.test(name) || ARN.test(name)
            : name.length > 0;
      if (!ok)
        problems.push(
          `${at}.${type}: "${name}" (expected ${type === "Service" ? "a service principal like ecs-tasks.amazonaws.com" : type === "AWS" ? '"*", an account id or an ARN' : "a name"})`,
        );
    }
  }
}

function conditionProblems(value: unknown, at: string, problems: string[]): void {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${at}: ${show(value)} is not an object of condition operators`);
    return;
  }
  for (const [operator, block] of Object.entries(value)) {
    const base = operator.replace(/^(ForAllValues|ForAnyValue):/, "").replace(/IfExists$/, "");
    if (!CONDITION_OPERATORS.includes(base) || (base === "Null" && operator.endsWith("IfExists"))) {
      problems.push(
        `${at}.${operator}: not a condition operator (expected one of ${CONDITION_OPERATORS.join(", ")}, optionally with IfExists or a ForAllValues:/ForAnyValue: prefix)`,
      );
      continue;
    }
    if (!block || typeof block !== "object" || Array.isArray(block)) {
      problems.push(`${at}.${operator}: ${show(block)} is not an object of condition keys`);
      continue;
    }
    for (const [key, raw] of Object.entries(block)) {
      const where = `${at}.${operator}.${key}`;
      if (!CONDITION_KEY.test(key)) problems.push(`${where}: "${key}" is not a condition key (expected prefix:name)`);
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0 || values.some((v) => !["string", "number", "boolean"].includes(typeof v))) {
        problems.push(`${where}: ${show(raw)} (expected a string, number or boolean, or a non-empty list of them)`);
        continue;
      }
      for (const v of values.map(String)) {
        if ((base === "Bool" || base === "Null") && v !== "true" && v !== "false")
          problems.push(`${where}: "${v}" (expected "true" or "false" for ${base})`);
        if (base.startsWith("Numeric") && !/^-?\d+(\.\d+)?$/.test(v))
          problems.push(`${where}: "${v}" (expected a number for ${base})`);
        if (base.endsWith("IpAddress") && !IP.test(v))
          problems.push(`${where}: "${v}" (expected an IP address or CIDR for ${base})`);
        if (base.startsWith("Arn") && !ARN.test(v) && v !== "*")
          problems.push(`${where}: "${v}" (expected an ARN for ${base})`);
      }
    }
  }
}
