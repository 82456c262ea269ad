/**
 * Runs a command the way a busybox-based container runs it: busybox's own sh in a root of its own (a chroot in
 * a user namespace), with exactly the environment the platform passes and the mounts it declares as empty
 * directories. The real interpreter of the images we generate commands for, without a container engine.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const BUSYBOX = "/bin/busybox";

export interface BusyboxRun {
  readonly status: number | null;
  readonly output: string;
  /** The root the command ran in: read what it wrote under it, before `dispose`. */
  readonly root: string;
  dispose(): void;
}

export interface RootContents {
  /** Empty directories, as the platform's mounts. */
  readonly directories?: readonly string[];
  /** Files by absolute path; `executable` ones get mode 0755 (a stand-in for the image's command). */
  readonly files?: Readonly<Record<string, { readonly content: string; readonly executable?: boolean }>>;
}

export function runInBusyboxRoot(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  contents: RootContents = {},
): BusyboxRun {
  if (!existsSync(BUSYBOX))
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (npm run toolchain)`);
  const root = mkdtempSync(join(tmpdir(), "argo-busybox-"));
  mkdirSync(join(root, "bin"));
  copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
  // Relative links, so every applet (sh, env, printf, ...) resolves inside the new root.
  const applets = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((a) => a && a !== "busybox");
  for (const applet of applets) symlinkSync("busybox", join(root, "bin", applet));
  for (const dir of contents.directories ?? []) mkdirSync(join(root, dir), { recursive: true });
  for (const [file, { content, executable }] of Object.entries(contents.files ?? {})) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content, { mode: executable ? 0o755 : 0o644 });
  }
  // env -i: the platform's environment only, not the test runner's.
  const child = spawnSync(
    "unshare",
    ["--map-root-user", "chroot", root, "/bin/env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return {
    status: child.status,
    output: `${child.stdout ?? ""}${child.stderr ?? ""}${child.error ? child.error.message : ""}`,
    root,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
