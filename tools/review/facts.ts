/**
 * What a synthesized resource says in the model's words: one fact per intent it realizes. Each platform's
 * read-back (tools/review/<platform>.ts) turns a resource's values, as a plan shows them before or after, into
 * facts; the review compares the facts of both sides.
 */

export type ServiceAspect =
  | "exists"
  | "image"
  | "replicas"
  | "autoscaling"
  | "health"
  | "update"
  | "zones"
  /** A digest of the secret values the platform delivers to the service (never the values). */
  | "secret values";

export type Fact =
  | { readonly kind: "service"; readonly service: string; readonly aspect: ServiceAspect; readonly value: string }
  | {
      readonly kind: "route";
      readonly path: string;
      readonly service: string;
      readonly adminOnly: boolean;
      /** Source ranges an admin-only route admits (sorted); empty for a public route. */
      readonly cidrs: readonly string[];
    }
  /** `from` may reach `to`; `to` is a service or `zone <name>` (a network the caller joins). `via` names the mechanism. */
  | { readonly kind: "edge"; readonly from: string; readonly to: string; readonly via: string }
  /** A model secret: generated (its generator resource) or kept in a store. */
  | { readonly kind: "secret"; readonly secret: string; readonly held: "generator" | "store"; readonly value?: string }
  /** Persistent data this resource holds, or a service mounts. `survivesResource`: the data is outside Terraform. */
  | {
      readonly kind: "data";
      readonly name: string;
      readonly service?: string;
      readonly where: string;
      readonly survivesResource: boolean;
    }
  | { readonly kind: "protection"; readonly what: string; readonly on: boolean };

/** A resource's values as one side of a plan shows them. `unknown`: attributes known only after apply. */
export interface ResourceValues {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, any>;
  readonly unknown?: Record<string, any>;
}

export interface ReadBackContext {
  /** Names of the model's secrets, to recognize their generators and stores. */
  readonly secretNames: readonly string[];
  /** Names of the model's services, to recognize resources named after one (`argo-ecs-query-api`). */
  readonly serviceNames: readonly string[];
  /** The `name` of the resource whose `id` or `arn` this is, from every resource in the plan. */
  readonly nameOfId?: (id: string) => string | undefined;
}

/** Facts of one resource; `undefined` when the resource type has no mapping (it is then an "other resource"). */
export type ReadBack = (resource: ResourceValues, context: ReadBackContext) => Fact[] | undefined;

/** The identity of a fact: the same intent on both sides of a plan has the same key. */
export function factKey(fact: Fact): string {
  switch (fact.kind) {
    case "service":
      return `service ${fact.service} ${fact.aspect}`;
    case "route":
      return `route ${fact.path}`;
    case "edge":
      return `edge ${fact.from} -> ${fact.to} via ${fact.via}`;
    case "secret":
      return `secret ${fact.secret} ${fact.held}`;
    case "data":
      return `data ${fact.name} ${fact.where}`;
    case "protection":
      return `protection ${fact.what}`;
  }
}

/** What may change about a fact with the same key. */
export function factValue(fact: Fact): string {
  switch (fact.kind) {
    case "service":
      return fact.value;
    case "route":
      return `${fact.service} ${fact.adminOnly ? `admin-only ${fact.cidrs.join(",")}` : "public"}`;
    case "secret":
      return fact.value ?? "";
    case "data":
      return fact.service ?? "";
    case "protection":
      return String(fact.on);
    case "edge":
      return "";
  }
}

/** Blocks of at most one item are objects in configuration and lists of one in plans: read either. */
export function one<T = any>(value: unknown): T | undefined {
  return (Array.isArray(value) ? value[0] : value) as T | undefined;
}

/** The model secret a generator or store is named after (`..._<secret>_<hash>`), if any. */
export function secretNamed(resourceName: string, context: ReadBackContext): string | undefined {
  return [...context.secretNames]
    .sort((a, b) => b.length - a.length)
    .find((secret) => new RegExp(`[_/-]${escape(secret)}(?:_|$)`).test(resourceName));
}

/** The model service a resource is named after (the longest service name it ends with), if any. */
export function serviceNamed(name: string, context: ReadBackContext): string | undefined {
  return [...context.serviceNames]
    .sort((a, b) => b.length - a.length)
    .find((service) => name === service || new RegExp(`[_/-]${escape(service)}$`).test(name));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Seconds, as a model duration reads (`10s`, `2m`, `1h30m`). */
export function seconds(value: number): string {
  if (value % 3600 === 0 && value > 0) return `${value / 3600}h`;
  if (value % 60 === 0 && value > 0) return `${value / 60}m`;
  return `${value}s`;
}

/** A stable short digest of a value, to tell two values apart without showing either. */
export function digest(value: unknown): string {
  // FNV-1a over the JSON text: enough to compare; never shown as anything but "changed".
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(value ?? null)) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/** The common read-back: Terraform's random provider generates the model's secrets on every platform. */
export const randomReadBack: ReadBack = (resource, context) => {
  if (resource.type !== "random_password") return undefined;
  const secret = secretNamed(resource.name, context);
  return secret ? [{ kind: "secret", secret, held: "generator" }] : undefined;
};
