/**
 * Pieces of the POSIX sh wrappers the platforms put in front of an image's command. `export X="$(...)"` is
 * never used: `export` succeeds whatever the substitution did, so a missing secret would start the service
 * with an empty value. An assignment's status is the substitution's, and `need` stops the wrapper on an empty
 * value. No `${`: these strings pass through Terraform, which would read it as an interpolation.
 */

/** Defines `need VALUE WHAT`: exits 1 with a message when VALUE is empty. Put it first in the wrapper. */
export const NEED_FUNCTION = `need() { test -n "$1" || { echo "secret-env: $2 is missing or empty" >&2; exit 1; }; }`;

/** `X="<value>" && need "$X" "<what>" && export X`: fails when the value cannot be computed or is empty. */
export function exportNonEmpty(variable: string, value: string, what: string): string {
  return `${variable}="${value}" && ${requireNonEmpty(variable, what)} && export ${variable}`;
}

/** Stops the wrapper when `variable` is unset or empty (needs NEED_FUNCTION). */
export function requireNonEmpty(variable: string, what: string): string {
  return `need "$${variable}" "${what}"`;
}
