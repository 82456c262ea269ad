/**
 * The layering rule: imports point down only,
 *   core ← model ← generators ← platforms/* ← environments ← stacks ← main, tools, e2e, tests.
 * Environments are data: they import only model types (and ARGO, the application they compose) and the target
 * types a platform owns (`constructs/<platform>/target.ts`). A platform imports only its own files, the platforms it
 * stands on (its ground: ECS and EKS on the AWS network, the lab on the Proxmox bindings), the target types of the
 * platforms whose clusters it builds (type-only: the lab reads the Nomad and Swarm targets) and the layers below.
 * Imports that break this today are listed by the config (file → imported file) and allowed; a listed import
 * that is gone is reported, so the list only shrinks.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export const PLATFORMS = ["swarm", "nomad", "kubernetes", "ecs", "eks", "aws", "lab", "proxmox"];

/** The platforms a platform may build on. */
export const GROUND = { ecs: ["aws"], eks: ["aws"], lab: ["proxmox"] };

/**
 * The platforms whose clusters a platform builds: it configures their agents and edge from their targets, so it
 * may import their target types (`constructs/<platform>/target.ts`), type-only, and nothing else of them.
 */
export const HOSTED = { lab: ["nomad", "swarm"] };

const RANK = { core: 0, model: 1, generators: 2, platform: 3, environments: 4, stacks: 5, top: 6 };

/** The layer of a repository-relative path (forward slashes), or undefined when no layer claims it. */
export function layerOf(file) {
  const parts = file.split("/");
  if (parts[0] === "constructs") {
    if (["cdktf.ts", "shell-script.ts"].includes(parts[1]) || parts[1] === "builtin") return { layer: "core" };
    if (parts[1] === "model") return { layer: "model" };
    if (
      [
        "observability",
        "secrets",
        "policy",
        "capabilities.ts",
        "docker-healthcheck.ts",
        "docker-api-proxy.ts",
        "node-labels.ts",
      ].includes(parts[1])
    )
      return { layer: "generators" };
    if (PLATFORMS.includes(parts[1]) && parts.length > 2) return { layer: "platform", platform: parts[1] };
    return undefined;
  }
  if (parts[0] === "environments") return { layer: "environments" };
  if (parts[0] === "stacks") return { layer: "stacks" };
  if (["main.ts", "tools", "e2e", "__tests__", "scripts"].includes(parts[0])) return { layer: "top" };
  return undefined;
}

const describeLayer = (l) => (l.layer === "platform" ? `platform ${l.platform}` : l.layer);

/** Why `from` may not import `to` (repository-relative paths), or undefined when it may. */
export function layeringProblem(from, to, typeOnly) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b) return undefined; // reported separately for the importing file; outside files are not ours
  if (a.layer === "environments") {
    const allowed =
      b.layer === "environments" ||
      to === "constructs/model/types.ts" ||
      to === "constructs/model/argo.ts" ||
      (typeOnly && to === "constructs/model/index.ts") ||
      (b.layer === "platform" && to === `constructs/${b.platform}/target.ts`);
    return allowed
      ? undefined
      : "environments are data: they import only model types (constructs/model/types.ts, ARGO in constructs/model/argo.ts, types of constructs/model) and a platform's target types (constructs/<platform>/target.ts)";
  }
  if (a.layer === "platform" && b.layer === "platform") {
    const ground = GROUND[a.platform] ?? [];
    if (a.platform === b.platform || ground.includes(b.platform)) return undefined;
    const hosted = HOSTED[a.platform] ?? [];
    if (typeOnly && hosted.includes(b.platform) && to === `constructs/${b.platform}/target.ts`) return undefined;
    return `a platform imports only its own files${ground.length ? `, its ground (${ground.join(", ")})` : ""}${hosted.length ? `, the target types of the platforms it hosts (${hosted.join(", ")}; type-only)` : ""} and the layers below it`;
  }
  if (RANK[b.layer] > RANK[a.layer])
    return `imports point down only (core ← model ← generators ← platforms ← environments ← stacks ← main/tools/e2e): ${describeLayer(a)} may not import ${describeLayer(b)}`;
  return undefined;
}

/** The file a relative specifier names: `x.ts`, `x/index.ts`, or `x` itself (JSON, JavaScript). */
function resolveSpecifier(fromAbs, specifier) {
  const base = resolve(dirname(fromAbs), specifier);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base, `${base}.js`, `${base}.mjs`]) {
    if (existsSync(candidate) && !candidate.endsWith(sep)) {
      if (candidate === base && !/\.[a-z]+$/.test(base)) continue; // a directory without index.ts
      return candidate;
    }
  }
  return undefined;
}

/**
 * @param {string} root the repository root
 * @param {Record<string, readonly string[]>} known imports allowed for now: importing file → imported files
 */
export function layeringPlugin(root, known) {
  const makeRule = (mode) => ({
    meta: {
      type: "problem",
      docs: { description: "imports point down the layers; environments import only types" },
      schema: [],
    },
    create(context) {
      const from = relative(root, context.filename).split(sep).join("/");
      const own = layerOf(from);
      const listed = new Set(known[from] ?? []);
      const seen = new Set();
      const check = (node, specifier, typeOnly) => {
        if (typeof specifier !== "string" || !specifier.startsWith(".")) return;
        const resolved = resolveSpecifier(context.filename, specifier);
        if (!resolved) return; // TypeScript reports an import that resolves to nothing
        const to = relative(root, resolved).split(sep).join("/");
        const why = layeringProblem(from, to, typeOnly);
        if (!why) return;
        if (listed.has(to)) {
          seen.add(to);
          return;
        }
        if (mode === "imports") context.report({ node, message: `${from} imports ${to}: ${why}` });
      };
      const typeOnlyDeclaration = (node) =>
        node.importKind === "type" ||
        node.exportKind === "type" ||
        (node.specifiers?.length > 0 &&
          node.specifiers.every((s) => s.importKind === "type" || s.exportKind === "type"));
      return {
        Program(node) {
          if (mode === "imports" && !own)
            context.report({
              node,
              message: `${from} is in no layer: place it in tools/lint/layering.mjs (layerOf) before importing it anywhere`,
            });
        },
        ImportDeclaration: (node) => check(node, node.source.value, typeOnlyDeclaration(node)),
        ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, typeOnlyDeclaration(node)),
        ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === "type"),
        ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value, false),
        "Program:exit"(node) {
          if (mode !== "stale") return;
          for (const target of listed)
            if (!seen.has(target))
              context.report({
                node,
                message: `${from} no longer breaks the layering by importing ${target}: remove it from KNOWN_LAYER_VIOLATIONS in eslint.config.mjs`,
              });
        },
      };
    },
  });
  return {
    rules: {
      "imports-point-down": makeRule("imports"),
      // A listed import that is gone: its entry is to be removed, so the list only shrinks.
      "no-stale-exceptions": makeRule("stale"),
    },
  };
}
