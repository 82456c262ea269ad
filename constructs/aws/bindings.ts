import type { AwsBinding, AwsTargetBase, ElastiCacheBinding, RdsBinding } from "./target";
import { knownList, unknownName, type Application, type ProvidedDependency, type ServiceSpec } from "../model";

type Add = (path: string, message: string) => void;

/** A service whose provided dependency a target realizes as a managed AWS service. */
export interface Bound<B extends AwsBinding, K extends ProvidedDependency["kind"]> {
  readonly service: ServiceSpec;
  readonly provided: Extract<ProvidedDependency, { kind: K }>;
  readonly binding: B;
}
export type BoundDatabase = Bound<RdsBinding, "postgres-database">;
export type BoundCache = Bound<ElastiCacheBinding, "memcached-cache">;

/** What each managed binding realizes: the provided kind it needs, and the platforms that have it. */
const MANAGED: Record<
  Exclude<AwsBinding["kind"], "container">,
  { readonly provides: ProvidedDependency["kind"]; readonly what: string; readonly platforms: readonly string[] }
> = {
  rds: { provides: "postgres-database", what: "a PostgreSQL database", platforms: ["eks", "ecs"] },
  elasticache: { provides: "memcached-cache", what: "a memcached cache", platforms: ["ecs"] },
};

/** How the target realizes the service: its binding, or its own container. */
export function bindingOf(target: AwsTargetBase, service: ServiceSpec): AwsBinding {
  return target.bindings?.[service.name] ?? { kind: "container" };
}

function boundOf<B extends AwsBinding, K extends ProvidedDependency["kind"]>(
  app: Application,
  target: AwsTargetBase,
  binding: B["kind"],
  provides: K,
): Bound<B, K> | undefined {
  for (const service of app.services) {
    const bound = bindingOf(target, service);
    if (bound.kind === binding && service.provides?.kind === provides)
      return { service, provided: service.provides as Bound<B, K>["provided"], binding: bound as B };
  }
  return undefined;
}

/** The service of a validated application the target runs on Amazon RDS, with what it provides. */
export function rdsDatabaseOf(app: Application, target: AwsTargetBase): BoundDatabase | undefined {
  return boundOf<RdsBinding, "postgres-database">(app, target, "rds", "postgres-database");
}

/** The service of a validated application the target runs on Amazon ElastiCache, with what it provides. */
export function elastiCacheOf(app: Application, target: AwsTargetBase): BoundCache | undefined {
  return boundOf<ElastiCacheBinding, "memcached-cache">(app, target, "elasticache", "memcached-cache");
}

/**
 * The target's bindings against what the application (as the environment selects it) provides: each names a
 * service that provides what the binding realizes, on a platform that has it, at most one per managed kind
 * (a stack creates one database and one cache), with valid settings. Paths are relative to the environment.
 */
export function checkBindings(app: Application, target: AwsTargetBase, field: "eks" | "ecs", add: Add): void {
  const providers = app.services.filter((s) => s.provides).map((s) => s.name);
  const used = new Map<string, string>();
  for (const [name, binding] of Object.entries(target.bindings ?? {})) {
    const path = `${field}.bindings.${name}`;
    const service = app.services.find((s) => s.name === name);
    if (!service) {
      add(path, unknownName("service", name, providers, "services that provide a dependency"));
      continue;
    }
    if (binding.kind === "container") continue;
    const managed = MANAGED[binding.kind];
    if (!managed) {
      add(`${path}.kind`, `"${String(binding.kind)}" is not a binding (expected rds, elasticache or container)`);
      continue;
    }
    if (!managed.platforms.includes(field)) {
      const here = Object.entries(MANAGED)
        .filter(([, m]) => m.platforms.includes(field))
        .map(([kind]) => kind);
      add(`${path}.kind`, `${field} has no ${binding.kind} binding (expected ${knownList([...here, "container"])})`);
      continue;
    }
    if (service.provides?.kind !== managed.provides) {
      const candidates = app.services.filter((s) => s.provides?.kind === managed.provides).map((s) => s.name);
      add(
        path,
        `${binding.kind} realizes ${managed.what}, but "${name}" provides ${service.provides ? `a ${service.provides.kind}` : "nothing"} (services that provide a ${managed.provides}: ${knownList(candidates) || "none"})`,
      );
      continue;
    }
    const earlier = used.get(binding.kind);
    if (earlier !== undefined) {
      add(path, `"${earlier}" is bound to ${binding.kind} already; the stack creates one ${binding.kind} instance`);
      continue;
    }
    used.set(binding.kind, name);
    if (binding.kind === "rds") checkRds(binding, path, add);
    else checkElastiCache(binding, path, add);
  }
}

function checkRds(rds: RdsBinding, path: string, add: Add): void {
  if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(rds.instanceClass))
    add(`${path}.instanceClass`, `"${rds.instanceClass}" is not an RDS instance class such as db.t4g.medium`);
  if (!/^\d{2}\.\d+$/.test(rds.engineVersion))
    add(`${path}.engineVersion`, `"${rds.engineVersion}" is not a pinned PostgreSQL major.minor version such as 16.4`);
  if (!Number.isInteger(rds.allocatedStorageGiB) || rds.allocatedStorageGiB < 20)
    add(
      `${path}.allocatedStorageGiB`,
      `must be a whole number of GiB, at least 20 for gp3 (got ${rds.allocatedStorageGiB})`,
    );
  if (!(rds.maxAllocatedStorageGiB >= rds.allocatedStorageGiB))
    add(
      `${path}.maxAllocatedStorageGiB`,
      `${rds.maxAllocatedStorageGiB} is below allocatedStorageGiB (${rds.allocatedStorageGiB})`,
    );
  if (!Number.isInteger(rds.backupRetentionDays) || rds.backupRetentionDays < 1 || rds.backupRetentionDays > 35)
    add(
      `${path}.backupRetentionDays`,
      `must be 1 to 35 days (got ${rds.backupRetentionDays}); 0 would switch automated backups off`,
    );
}

function checkElastiCache(cache: ElastiCacheBinding, path: string, add: Add): void {
  if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cache.nodeType))
    add(`${path}.nodeType`, `"${cache.nodeType}" is not an ElastiCache node type such as cache.t4g.small`);
  if (!/^1\.6\.\d+$/.test(cache.engineVersion))
    add(`${path}.engineVersion`, `"${cache.engineVersion}" is not a pinned Memcached 1.6 version such as 1.6.22`);
}
