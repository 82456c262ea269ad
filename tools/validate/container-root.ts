/**
 * Runs a static program in a root of its own holding exactly the files a container would see at their
 * absolute paths (a chroot in a user namespace): a configuration that names `/etc/prometheus/rules.yml` or
 * `/secrets/token` is checked with those files where it says, without touching the machine's own paths. The
 * program is bound into the root read-only, not copied (Nomad, Consul and promtool are 78-130 MB each).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RunResult } from "./programs";

export function runInRoot(
  program: string,
  args: readonly string[],
  files: Readonly<Record<string, string>>,
  workDir: string,
): RunResult {
  const root = mkdtempSync(join(workDir, "root-"));
  try {
    mkdirSync(join(root, "bin"));
    writeFileSync(join(root, "bin", "program"), "");
    // A cgo binary (Nomad) needs its shared libraries inside the root too.
    for (const library of sharedLibraries(program)) {
      mkdirSync(dirname(join(root, library)), { recursive: true });
      copyFileSync(library, join(root, library));
    }
    mkdirSync(join(root, "tmp"));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    // Only a minimal environment: nothing of the caller's (tokens, addresses) reaches the program.
    // The program and its own /proc (Nomad reads /proc/self/exe) mounted in new mount and PID namespaces,
    // gone when it exits.
    mkdirSync(join(root, "proc"));
    const script = [
      'root="$1"; program="$2"; shift 2',
      'mount --bind "$program" "$root/bin/program"',
      'mount -o remount,bind,ro "$root/bin/program"',
      'mount -t proc proc "$root/proc"',
      'exec chroot "$root" /bin/program "$@"',
    ].join(" && ");
    const child = spawnSync(
      "unshare",
      ["--map-root-user", "--mount", "--pid", "--fork", "sh", "-c", script, "sh", root, realpathSync(program), ...args],
      {
        encoding: "utf8",
        timeout: 120_000,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/tmp" },
      },
    );
    const stdout = child.stdout ?? "";
    const stderr = `${child.stderr ?? ""}${child.error ? child.error.message : ""}`;
    return { status: child.status, stdout, stderr, output: `${stdout}\n${stderr}`.trim() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The absolute paths of the shared libraries `program` loads (none for a static binary). */
function sharedLibraries(program: string): string[] {
  const ldd = spawnSync("ldd", [program], { encoding: "utf8" });
  if (ldd.status !== 0) return [];
  return [...ldd.stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}
