/** HTTPS (and deliberately plain or certificate-less) requests to the agents' APIs, from this machine's bridge. */
import * as http from "http";
import * as https from "https";
import * as net from "net";

export interface Tls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  json<T = any>(): T;
}

export interface RequestOptions {
  readonly method?: string;
  readonly token?: string;
  readonly body?: unknown;
  /** Present a client certificate (default: yes). */
  readonly clientCert?: boolean;
  /** Nomad reads X-Nomad-Token, Consul X-Consul-Token. */
  readonly tokenHeader?: string;
  readonly timeoutMs?: number;
}

export function request(
  tls: Tls,
  host: string,
  port: number,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        path,
        method: options.method ?? "GET",
        ca: tls.ca,
        ...(options.clientCert === false ? {} : { cert: tls.cert, key: tls.key }),
        // The certificates name the node (IP SAN) and localhost; Node checks the IP SAN against `host`.
        headers: {
          ...(options.token ? { [options.tokenHeader ?? "X-Consul-Token"]: options.token } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        timeout: options.timeoutMs ?? 10000,
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${host}:${port}${path}: timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A plain-HTTP request (must be refused by a TLS-only listener). */
export function plainRequest(
  host: string,
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path, headers, timeout: 5000, agent: false }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text.trim() }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

/** Whether a TCP connection to host:port is accepted. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.on("connect", () => (socket.destroy(), resolve(true)));
    socket.on("timeout", () => (socket.destroy(), resolve(false)));
    socket.on("error", () => resolve(false));
  });
}
