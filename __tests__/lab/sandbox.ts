/**
 * Runs generated shell steps for real, in a world that is thrown away: each step runs in its own mount and PID
 * namespace (unshare) in which OVERLAID directories are overlays whose writes land in a temporary directory,
 * with a PATH that holds only stubs (which log their argv and emulate what the steps need) and a few real
 * file tools. A command the test did not provide is "not found", so nothing reaches the machine.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Directories the steps may write; /var/tmp holds the sandbox, so it must not be among them. */
export const OVERLAID = ["/etc", "/opt", "/srv", "/tmp", "/usr/local"] as const;
const SANDBOX_PARENT = "/var/tmp";

/** Real programs available as they are: they print, or touch files inside the overlays. */
const PLAIN_TOOLS = [
  "sh",
  "bash",
  "cat",
  "chmod",
  "cut",
  "dirname",
  "env",
  "grep",
  "gzip",
  "head",
  "ls",
  "mkdir",
  "mktemp",
  "mv",
  "od",
  "printf",
  "sed",
  "tr",
  "true",
  "false",
  "wc",
];
/** Real programs whose calls are logged like the stubs': the tests assert on them. */
const LOGGED_TOOLS = ["install", "rm", "sha256sum", "tar"];

const UNPRIVILEGED = process.getuid?.() !== 0;
/** As root a new mount namespace needs no user namespace; otherwise root is mapped to the caller. */
const UNSHARE = ["--mount", "--pid", "--fork", "--kill-child", ...(UNPRIVILEGED ? ["--map-root-user"] : [])];

/** Fails (never skips) when this machine cannot isolate the steps. */
export function assertSandboxAvailable(): void {
  const probe = spawnSync("unshare", [...UNSHARE, "--", "/bin/sh", "-c", "mount -t tmpfs tmpfs /mnt"], {
    encoding: "utf8",
  });
  if (probe.status !== 0)
    throw new Error(
      `the bootstrap steps run inside \`unshare ${UNSHARE.join(" ")}\`, which failed here: ${probe.error?.message ?? probe.stderr}`,
    );
}

export interface StepResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One program call a step made: its name and arguments. */
export type Call = readonly string[];

export class Sandbox {
  readonly root = fs.mkdtempSync(path.join(SANDBOX_PARENT, "argo-steps-"));
  /** Files stubs may serve (e.g. curl's downloads), by name. */
  readonly served = path.join(this.root, "served");
  /** Scratch space of the stubs, shared by every step of this sandbox. */
  readonly state = path.join(this.root, "state");
  private readonly bin = path.join(this.root, "bin");

  /** `stubs`: program name to the sh body that runs after its call is logged (default: succeed). */
  constructor(stubs: Readonly<Record<string, string>>) {
    try {
      for (const dir of [this.bin, this.served, this.state]) fs.mkdirSync(dir);
      for (const dir of OVERLAID)
        for (const layer of ["upper", "work"]) fs.mkdirSync(path.join(this.root, layer, dir), { recursive: true });
      fs.writeFileSync(path.join(this.root, "calls"), "");
      for (const tool of PLAIN_TOOLS) fs.symlinkSync(realPath(tool), path.join(this.bin, tool));
      for (const tool of LOGGED_TOOLS)
        this.stub(
          tool,
          tool === "install" && UNPRIVILEGED ? installWithoutOwners(realPath(tool)) : `exec ${realPath(tool)} "$@"`,
        );
      for (const [name, body] of Object.entries(stubs)) this.stub(name, body);
    } catch (error) {
      this.remove();
      throw error;
    }
  }

  private stub(name: string, body: string): void {
    // Records separated by \x1e, arguments by \x1f: arguments may hold newlines (ACL rules, scripts).
    const log =
      '{ printf %s "${0##*/}"; for arg do printf \'\\037%s\' "$arg"; done; printf \'\\036\'; } >>"$ARGO_SANDBOX/calls"';
    fs.writeFileSync(path.join(this.bin, name), `#!/bin/sh\n${log}\n${body}\n`, { mode: 0o755 });
  }

  /** Runs `argv` (as cloud-init or Terraform would exec it) with `env`, in a fresh namespace over this sandbox's layers. */
  run(argv: readonly string[], env: Readonly<Record<string, string>> = {}): StepResult {
    const mounts = OVERLAID.map(
      (d) =>
        `mount -t overlay overlay -o "lowerdir=${d},upperdir=$ARGO_SANDBOX/upper${d},workdir=$ARGO_SANDBOX/work${d}" ${d}`,
    );
    const setup = ["set -eu", ...mounts, "cd /", 'exec /usr/bin/env -i "$@"'].join("\n");
    const variables = Object.entries({ HOME: "/root", ...env, PATH: this.bin, ARGO_SANDBOX: this.root }).map(
      ([k, v]) => `${k}=${v}`,
    );
    const result = spawnSync("unshare", [...UNSHARE, "--", "/bin/sh", "-c", setup, "sandbox", ...variables, ...argv], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ARGO_SANDBOX: this.root },
      timeout: 60_000,
      // unshare --fork ignores SIGTERM while it waits; its death SIGKILLs the namespace's first process (--kill-child).
      killSignal: "SIGKILL",
    });
    return {
      status: result.status,
      stdout: result.stdout ?? "",
      stderr: result.stderr ?? (result.error?.message || ""),
    };
  }

  /** Every call logged since the sandbox was made (or since `clearCalls`). */
  calls(): Call[] {
    const log = fs.readFileSync(path.join(this.root, "calls"), "utf8");
    return log
      .split("\x1e")
      .filter(Boolean)
      .map((record) => record.split("\x1f"));
  }

  clearCalls(): void {
    fs.writeFileSync(path.join(this.root, "calls"), "");
  }

  /** Puts a file where the steps will find it (in the overlay's upper layer), as cloud-init or a provisioner would. */
  writeFile(file: string, content: string | Buffer, mode = 0o644): void {
    const target = this.layerPath(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    fs.chmodSync(target, mode);
  }

  /** What the steps left at `file`, or undefined (a deleted file leaves a whiteout device in the layer). */
  stat(file: string): fs.Stats | undefined {
    const stats = fs.statSync(this.layerPath(file), { throwIfNoEntry: false });
    return stats && !stats.isCharacterDevice() ? stats : undefined;
  }

  /** The names the steps left in `dir` (whiteouts of deleted files excluded). */
  list(dir: string): string[] {
    const layer = path.join(this.root, "upper", dir);
    return fs.existsSync(layer) ? fs.readdirSync(layer).filter((name) => this.stat(path.join(dir, name))) : [];
  }

  readFile(file: string): string {
    return fs.readFileSync(this.layerPath(file), "utf8");
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private layerPath(file: string): string {
    const dir = OVERLAID.find((d) => file === d || file.startsWith(`${d}/`));
    if (!dir) throw new Error(`${file} is outside the sandbox's directories (${OVERLAID.join(", ")})`);
    return path.join(this.root, "upper", file);
  }
}

/** The program file (not a shell builtin of that name, as `command -v` would say). */
function realPath(tool: string): string {
  const dirs = (process.env.PATH ?? "/usr/bin:/bin").split(":");
  const found = dirs.map((d) => path.join(d, tool)).find((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile());
  if (!found) throw new Error(`${tool} is needed to run the bootstrap steps`);
  return found;
}

/** Without real root, only root's ID is mapped: owners other than root cannot be set, so they are dropped. */
function installWithoutOwners(install: string): string {
  return `for arg do shift; case $skip$arg in 1*) skip= ;; -o|-g) skip=1 ;; *) set -- "$@" "$arg" ;; esac; done\nexec ${install} "$@"`;
}
