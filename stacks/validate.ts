import {
  DNS_LABEL,
  knownList,
  parseCidr,
  reservedNameProblems,
  selectApplication,
  unknownName,
  validateApplication,
  type AddProblem,
  type BackendConfig,
  type Problem,
} from "../constructs/model";
import { alertReceiverProblems } from "../constructs/model/alert-receivers";
import type { Environment } from "../environments/types";
import { PLATFORMS } from "./platforms";

/**
 * Every problem of an environment and of the application as it selects it. Paths of environment fields start
 * with `environments.<name>.`; paths of the model start with `services.`, `zones.`, `routes.` or `secrets.`.
 */
export function validateEnvironment(env: Environment): Problem[] {
  const problems: Problem[] = [];
  const base = `environments.${env.name}`;
  const add = (path: string, message: string) => problems.push({ path: `${base}.${path}`, message });

  if (!DNS_LABEL.test(env.name)) {
    problems.push({
      path: `environments[${JSON.stringify(env.name)}].name`,
      message: `"${env.name}" is not a lowercase DNS label`,
    });
  }
  checkSelection(env, add);
  problems.push(
    ...alertReceiverProblems(env.application, env.selection.alertReceivers ?? [], `${base}.selection.alertReceivers`),
  );
  const modelProblems = [
    ...validateApplication(env.application),
    ...validateApplication(selectApplication(env.application, env.selection)),
  ];
  const seen = new Set<string>();
  for (const p of modelProblems) {
    const key = `${p.path}\u0000${p.message}`;
    if (!seen.has(key)) problems.push(p);
    seen.add(key);
  }

  const adminRoutes = env.application.routes.filter((r) => r.adminOnly).map((r) => r.pathPrefix);
  if (adminRoutes.length > 0 && env.adminCidrs.length === 0) {
    add(
      "adminCidrs",
      `is empty, but the application has admin-only routes (${knownList(adminRoutes, 4)}); list the CIDRs allowed to reach them`,
    );
  }
  env.adminCidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (/\/0+$/.test(cidr.trim()) && (cidr.includes(":") || typeof parsed !== "string"))
      add(
        `adminCidrs[${i}]`,
        `"${cidr}" admits every address to the admin-only routes (${knownList(adminRoutes, 4) || "none yet"}); list your administrators' ranges (expected e.g. "198.51.100.32/28")`,
      );
    else if (typeof parsed === "string") add(`adminCidrs[${i}]`, `"${cidr}" is not a valid CIDR: ${parsed}`);
  });
  checkReservedNames(env, problems);

  if (env.backend) checkBackend(env.backend, "backend", add);
  for (const platform of PLATFORMS) {
    const target = env[platform.field];
    if (!target) continue;
    const backend = "backend" in target ? target.backend : undefined;
    if (backend) checkBackend(backend, `${platform.field}.backend`, add);
    platform.validateTarget(target as never, env, add);
  }
  return problems;
}

type Add = AddProblem;

/** Names each enabled platform keeps for its own objects, declared next to that platform's rendering. */
function checkReservedNames(env: Environment, problems: Problem[]): void {
  const app = selectApplication(env.application, env.selection);
  for (const platform of PLATFORMS) {
    if (platform.reservedNames && env[platform.field])
      problems.push(...reservedNameProblems(app, platform.field, platform.reservedNames));
  }
}

function checkSelection(env: Environment, add: Add): void {
  const app = env.application;
  const optional = app.services.filter((s) => s.optional).map((s) => s.name);
  env.selection.optionalServices.forEach((name, i) => {
    const service = app.services.find((s) => s.name === name);
    if (!service) {
      add(`selection.optionalServices[${i}]`, unknownName("service", name, optional, "optional services"));
    } else if (!service.optional) {
      add(`selection.optionalServices[${i}]`, `"${name}" is not optional; it always runs`);
    }
  });
  for (const zone of Object.keys(env.selection.zoneSubnets ?? {})) {
    if (!app.zones.some((z) => z.name === zone)) {
      add(
        `selection.zoneSubnets.${zone}`,
        unknownName(
          "zone",
          zone,
          app.zones.map((z) => z.name),
        ),
      );
    }
  }
  for (const [service, digest] of Object.entries(env.selection.imageDigests ?? {})) {
    if (!app.services.some((s) => s.name === service)) {
      add(
        `selection.imageDigests.${service}`,
        unknownName(
          "service",
          service,
          app.services.map((s) => s.name),
        ),
      );
    } else if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
      add(
        `selection.imageDigests.${service}`,
        `"${digest}" is not a digest (expected sha256: followed by 64 hex digits, as \`docker buildx imagetools inspect\` prints it)`,
      );
    }
  }
  for (const [prefix, reason] of Object.entries(env.selection.publicRoutes ?? {})) {
    const route = app.routes.find((r) => r.pathPrefix === prefix);
    const adminRoutes = app.routes.filter((r) => r.adminOnly).map((r) => r.pathPrefix);
    if (!route) add(`selection.publicRoutes.${prefix}`, unknownName("route", prefix, adminRoutes, "admin-only routes"));
    else if (!route.adminOnly)
      add(`selection.publicRoutes.${prefix}`, `route "${prefix}" is not admin-only; it is public already`);
    else if (!reason.trim())
      add(
        `selection.publicRoutes.${prefix}`,
        `needs a reason: say why everyone may reach ${prefix} in this environment`,
      );
  }
  for (const [service, tag] of Object.entries(env.selection.imageTags ?? {})) {
    if (!app.services.some((s) => s.name === service)) {
      add(
        `selection.imageTags.${service}`,
        unknownName(
          "service",
          service,
          app.services.map((s) => s.name),
        ),
      );
    } else if (!tag || tag === "latest") {
      add(`selection.imageTags.${service}`, `"${tag}" is not a pinned tag (expected a fixed version)`);
    }
  }
}

function checkBackend(backend: BackendConfig, path: string, add: Add): void {
  if (backend.kind === "consul") {
    if (backend.address !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(backend.address)) {
      add(`${path}.address`, `"${backend.address}" is not host:port (e.g. 192.168.10.120:8501)`);
    }
    if (!backend.pathPrefix || backend.pathPrefix.startsWith("/")) {
      add(`${path}.pathPrefix`, `"${backend.pathPrefix}" must be a non-empty KV path without a leading /`);
    }
  }
  if (backend.kind === "s3") {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(backend.bucket)) {
      add(`${path}.bucket`, `"${backend.bucket}" is not a valid S3 bucket name`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(backend.region))
      add(`${path}.region`, `"${backend.region}" is not an AWS region such as eu-west-1`);
  }
}
