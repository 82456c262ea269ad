/** A validation problem: where it is (a dotted path a person can find) and what is wrong with the value. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Records a problem at a path (relative to what is being validated). */
export type AddProblem = (path: string, message: string) => void;

/** A lowercase DNS label (RFC 1123): what most names must be. */
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}

/** Thrown when a model or environment has problems; carries all of them, not just the first. */
export class ValidationError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `${subject} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ValidationError";
  }
}

/** Lists known names for "unknown X" messages, shortened so a long list stays readable. */
export function knownList(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown}, ...` : shown;
}

/** `unknown service "memcache": did you mean "memcached"? (known: ...)`: what was given, the likely fix, the choices. */
export function unknownName(
  kind: string,
  name: string,
  known: readonly string[],
  knownLabel = "known",
  where = "",
): string {
  const guess = closestName(name, known);
  return `unknown ${kind} "${name}"${where}${guess ? `: did you mean "${guess}"?` : ""} (${knownLabel}: ${knownList(known) || "none"})`;
}

/** The known name within a couple of typos of `name`, if exactly one is closest. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const scored = known
    .map((k) => ({ k, d: editDistance(name.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (!best || best.d === 0 || best.d > Math.max(1, Math.floor(name.length / 3))) return undefined;
  return scored.filter((s) => s.d === best.d).length === 1 ? best.k : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
