/**
 * The e2e environment with one change each, for the review part (e2e/nomad/review.ts): synthesized into the
 * deployed stack (ARGO_ENVIRONMENTS=e2e/nomad/review-variants.ts, ARGO_REVIEW_VARIANTS=<names, comma-separated>)
 * and planned against the running cluster. Each is a change an operator makes in the model.
 */
import type { Application, EnvValue, ServiceSpec } from "../../constructs/model";
import type { Environment } from "../../environments";
import { NOMAD_E2E } from "./environment";

/** ot-app runs 3 instances instead of 2. */
const moreOtApps = (app: Application): Application => ({
  ...app,
  services: app.services.map((s) =>
    s.name === "ot-app" && s.placement.kind === "replicated" ? { ...s, placement: { ...s.placement, replicas: 3 } } : s,
  ),
});

/** The query site is served to the admin CIDRs only. */
const querySiteAdminOnly = (app: Application): Application => ({
  ...app,
  routes: app.routes.map((r) => (r.pathPrefix === "/query/" ? { ...r, adminOnly: true } : r)),
});

/** admin-api also calls memcached (both are in the dbs zone). */
const adminApiCallsMemcached = (app: Application): Application => ({
  ...app,
  services: app.services.map((s) =>
    s.name === "admin-api" ? { ...s, talksTo: [...(s.talksTo ?? []), { service: "memcached", port: "memcached" }] } : s,
  ),
});

/**
 * No postgres service. Its callers keep the address Nomad gives them for it (the local upstream 127.0.0.1:5432),
 * written as text, so that what they run is unchanged and only the removal itself shows in the plan.
 */
const withoutPostgres = (app: Application): Application => {
  const literal = (value: EnvValue): EnvValue => {
    if (Array.isArray(value)) return value.map((part) => literal(part) as string);
    if (typeof value === "object" && value !== null && "endpoint" in value && value.endpoint.service === "postgres")
      return value.part === "host" ? "127.0.0.1" : value.part === "port" ? "5432" : "127.0.0.1:5432";
    return value;
  };
  const env = (e: ServiceSpec["env"]) => e && Object.fromEntries(Object.entries(e).map(([k, v]) => [k, literal(v)]));
  return {
    ...app,
    services: app.services
      .filter((s) => s.name !== "postgres")
      .map((s) => ({
        ...s,
        env: env(s.env),
        secretEnv: env(s.secretEnv),
        talksTo: s.talksTo?.filter((t) => t.service !== "postgres"),
      })),
    routes: app.routes.filter((r) => r.service !== "postgres"),
  };
};

/** The environment without what names postgres: its image tag and its host volume's placement. */
const withoutPostgresPlacement = (env: Environment): Environment => {
  const { postgres: _tag, ...imageTags } = env.selection.imageTags ?? {};
  const { "postgres-data": _volume, ...hostVolumes } = env.nomad!.hostVolumes;
  return { ...env, selection: { ...env.selection, imageTags }, nomad: { ...env.nomad!, hostVolumes } };
};

const inModel =
  (change: (app: Application) => Application) =>
  (env: Environment): Environment => ({ ...env, application: change(env.application) });

export const VARIANTS: Readonly<Record<string, (env: Environment) => Environment>> = {
  replicas: inModel(moreOtApps),
  "route-admin-only": inModel(querySiteAdminOnly),
  "talks-to": inModel(adminApiCallsMemcached),
  "remove-postgres": (env) => withoutPostgresPlacement(inModel(withoutPostgres)(env)),
};

export function variantEnvironment(names: readonly string[]): Environment {
  const unknown = names.filter((n) => !VARIANTS[n]);
  if (unknown.length)
    throw new Error(
      `ARGO_REVIEW_VARIANTS names ${unknown.join(", ")}: expected some of ${Object.keys(VARIANTS).join(", ")}`,
    );
  return names.reduce((env, n) => VARIANTS[n](env), NOMAD_E2E);
}

const selected = (process.env.ARGO_REVIEW_VARIANTS ?? "")
  .split(",")
  .map((n) => n.trim())
  .filter(Boolean);
export const ENVIRONMENTS: readonly Environment[] = [variantEnvironment(selected)];
