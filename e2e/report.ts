/** What the e2e runners report: each check passed or failed with its detail, and each measured time. */

export class AssertionFailed extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export const results: { name: string; ok: boolean; detail: string }[] = [];
export const timings: { name: string; seconds: number; note: string }[] = [];

/** Runs one check, prints ✓ or ✗ with its detail and duration; never throws. */
export async function check(name: string, body: () => Promise<string | void>): Promise<boolean> {
  const start = Date.now();
  try {
    const detail = (await body()) ?? "";
    results.push({ name, ok: true, detail });
    console.log(`  ✓ ${name}${detail ? ` — ${detail}` : ""} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
    return true;
  } catch (error) {
    const detail = (error as Error).message;
    results.push({ name, ok: false, detail });
    console.log(`  ✗ ${name}\n      ${detail.split("\n").join("\n      ")}`);
    return false;
  }
}

/** Records a measured time, with what the sources measured (or why nothing compares). */
export function measured(name: string, seconds: number, note = ""): void {
  timings.push({ name, seconds, note });
  console.log(`    ⏱  ${name}: ${seconds.toFixed(1)} s`);
}

/** The table of measured times and the closing `N passed, N failed` line; sets the exit code. */
export function summarize(heading: string, nameWidth: number, total: string): void {
  console.log(`\n${heading}`);
  for (const t of timings)
    console.log(`  ${t.name.padEnd(nameWidth)} ${t.seconds.toFixed(1).padStart(6)} s${t.note ? `   (${t.note})` : ""}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\n${total}`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
}
