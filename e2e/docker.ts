import { execFile, spawnSync } from "child_process";
import * as http from "http";

/** Debian's docker.io client, the same release as its engines (a newer client elsewhere on PATH may differ). */
export const DOCKER_CLI = "/usr/bin/docker";

/** One Docker engine, reached on its own Unix socket. */
export class Engine {
  constructor(
    readonly name: string,
    readonly socket: string,
  ) {}

  /** The engine's HTTP API (Docker Engine API) as parsed JSON. */
  api<T = any>(path: string, method = "GET"): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socket, path, method, timeout: 20000 }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          if ((res.statusCode ?? 500) >= 300)
            return reject(new Error(`${this.name} ${method} ${path}: ${res.statusCode} ${body.trim()}`));
          resolve((body ? JSON.parse(body) : undefined) as T);
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${this.name} ${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  }

  /** Runs the docker CLI against this engine; rejects with its output when it exits non-zero. */
  /** `env`: added to this process' environment (a stack file's variables). */
  cli(
    args: readonly string[],
    options: { input?: string; cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {},
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        DOCKER_CLI,
        ["-H", `unix://${this.socket}`, ...args],
        {
          cwd: options.cwd,
          timeout: options.timeoutMs ?? 120000,
          maxBuffer: 64 * 1024 * 1024,
          env: options.env ? { ...process.env, ...options.env } : undefined,
        },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`docker ${args.join(" ")} (${this.name}): ${stderr.trim() || error.message}`))
            : resolve(stdout),
      );
      if (options.input !== undefined) child.stdin!.end(options.input);
    });
  }

  /**
   * `docker exec` in a container; resolves with exit code and output instead of rejecting. `input` goes to the
   * command's stdin (`exec -i`): a value passed so is in no command line and no inspect output.
   */
  exec(
    container: string,
    command: readonly string[],
    timeoutMs = 15000,
    input?: string,
  ): { code: number; output: string } {
    const interactive = input === undefined ? [] : ["-i"];
    const result = spawnSync(
      DOCKER_CLI,
      ["-H", `unix://${this.socket}`, "exec", ...interactive, container, ...command],
      { encoding: "utf8", timeout: timeoutMs, input },
    );
    return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
  }
}

export const query = (filters: Record<string, string[]>) => `filters=${encodeURIComponent(JSON.stringify(filters))}`;
