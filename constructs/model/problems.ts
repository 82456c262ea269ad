/** A validation problem: where it is (a dotted path a person can find) and what is wrong with the value. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

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
