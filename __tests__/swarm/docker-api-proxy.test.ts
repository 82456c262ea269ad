import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { selectApplication, validateApplication, type Application } from "../../constructs/model";
import { ARGO } from "../../constructs/model/argo";
import { dockerApiConsumers, planSwarmDeployment } from "../../constructs/swarm/deployment";
import {
  DOCKER_API_DIR,
  DOCKER_API_PROXY_HEALTH_PORT,
  DOCKER_API_PROXY_SERVICE,
  DOCKER_API_SOCKET,
  ENGINE_SOCKET,
  dockerApiProxyConfig,
} from "../../constructs/docker-api-proxy";
import { LAB } from "../../environments";
import { tempDir } from "../temp";

const app = selectApplication(LAB.application, LAB.selection);
const plan = (application: Application = app) =>
  planSwarmDeployment({
    app: application,
    target: LAB.swarm!,
    adminCidrs: LAB.adminCidrs,
    secretValue: (n) => `\${${n}}`,
  });
const deployment = plan();
const serviceOf = (key: string) => deployment.services.find((s) => s.key === key)!;

describe("swarm-lab: the Docker API through a filtering proxy", () => {
  it("leaves the engine's socket to the proxy alone (and the CI runner, which the model grants the whole API)", () => {
    const mounting = deployment.services.filter((s) => s.mounts.some((m) => m.source === ENGINE_SOCKET));
    expect(mounting.map((s) => s.key)).toEqual([DOCKER_API_PROXY_SERVICE]);
    const withRunner = plan(
      selectApplication(ARGO, { ...LAB.selection, optionalServices: ["gitlab", "gitlab-runner"] }),
    );
    expect(
      withRunner.services.filter((s) => s.mounts.some((m) => m.source === ENGINE_SOCKET)).map((s) => s.key),
    ).toEqual(["gitlab-runner", DOCKER_API_PROXY_SERVICE]);
  });

  it("gives each consumer its own socket volume, read-only, and tells it where the socket is", () => {
    for (const key of ["ingress", "cadvisor", "alloy"]) {
      expect(serviceOf(key).mounts).toContainEqual({
        type: "volume",
        source: `argo_docker-api-${key}`,
        target: DOCKER_API_DIR,
        readOnly: true,
      });
      expect(serviceOf(DOCKER_API_PROXY_SERVICE).mounts).toContainEqual({
        type: "volume",
        source: `argo_docker-api-${key}`,
        target: `${DOCKER_API_DIR}/${key}`,
        readOnly: false,
      });
      expect(deployment.volumes).toContain(`docker-api-${key}`);
    }
    expect(serviceOf("ingress").args).toContain(`--providers.swarm.endpoint=unix://${DOCKER_API_SOCKET}`);
    expect(serviceOf("cadvisor").args).toContain(`--docker=unix://${DOCKER_API_SOCKET}`);
    const alloyConfig = deployment.configs.find((c) => c.key === "alloy-config")!.content;
    expect(alloyConfig).toContain(`host = "unix://${DOCKER_API_SOCKET}"`);
    expect(alloyConfig).not.toContain(ENGINE_SOCKET);
    const proxy = serviceOf(DOCKER_API_PROXY_SERVICE);
    expect(proxy).toMatchObject({ mode: "global", constraints: [], networks: [], ports: [], user: "root" });
  });

  it("refuses a read consumer the platform cannot point at its socket, naming the field", () => {
    const cadvisor = app.services.find((s) => s.name === "cadvisor")!;
    const broken: Application = {
      ...app,
      services: app.services.map((s) =>
        s === cadvisor
          ? {
              ...s,
              volumes: s.volumes!.map((v) =>
                v.kind === "host" && v.dockerApi ? { ...v, dockerApi: { access: "read", resources: ["system"] } } : v,
              ),
            }
          : s,
      ),
    };
    expect(() => plan(broken)).toThrow(
      "services.cadvisor.volumes.docker-socket.dockerApi: Swarm serves the Docker API at /run/docker-api/docker.sock, but the service states no endpointFlag",
    );
  });

  it("validates the model's Docker API access", () => {
    const withAccess = (dockerApi: unknown): Application => ({
      ...ARGO,
      services: ARGO.services.map((s) =>
        s.name === "alloy"
          ? { ...s, volumes: s.volumes!.map((v) => (v.kind === "host" ? { ...v, dockerApi: dockerApi as never } : v)) }
          : s,
      ),
    });
    const messages = (a: Application) => validateApplication(a).map((p) => `${p.path}: ${p.message}`);
    expect(messages(withAccess({ access: "read", resources: ["containers", "secrets"] }))).toContain(
      'services.alloy.volumes[0].dockerApi.resources[1]: "secrets" is not one of system, containers, container-logs, images, networks, services, tasks, nodes',
    );
    expect(messages(withAccess({ access: "read", resources: [] }))).toContain(
      "services.alloy.volumes[0].dockerApi.resources: read access names no resource (list what the service reads)",
    );
    expect(messages(withAccess({ access: "full", reason: " " }))).toContain(
      "services.alloy.volumes[0].dockerApi.reason: full access to the Docker API (root on the node) needs a reason",
    );
    expect(messages(ARGO)).toEqual([]);
  });
});

/**
 * The rendered configuration run by the real HAProxy (Debian's), in front of a stand-in engine on a Unix socket
 * that answers every request with 200: what HAProxy lets through reaches it, the rest is HAProxy's 403.
 */
describe("swarm-lab: the Docker API proxy's configuration, run by haproxy", () => {
  const found = spawnSync("sh", ["-c", "command -v haproxy"]).status === 0;
  if (!found && process.env.CI) throw new Error("haproxy is missing; .ci/run installs it");
  const dir = found ? tempDir("dap-") : "";
  const sock = (name: string) => path.join(dir, `${name}.sock`);
  let engine: http.Server;
  let haproxy: ChildProcess;
  const seen: string[] = [];
  let healthPort = 0;

  beforeAll(async () => {
    if (!found) return;
    engine = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end("OK");
    });
    await new Promise<void>((resolve) => engine.listen(sock("engine"), resolve));
    healthPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const config = dockerApiProxyConfig(dockerApiConsumers(app))
      .replace(/unix@\/run\/docker-api\/([a-z-]+)\/docker\.sock/g, (_m, key: string) => `unix@${sock(key)}`)
      .replace(`server engine ${ENGINE_SOCKET}`, `server engine ${sock("engine")}`)
      .replace(`127.0.0.1:${DOCKER_API_PROXY_HEALTH_PORT}`, `127.0.0.1:${healthPort}`);
    expect(config).not.toContain("/run/docker-api/");
    fs.writeFileSync(path.join(dir, "haproxy.cfg"), config);
    haproxy = spawn("haproxy", ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: "ignore" });
    const deadline = Date.now() + 10000;
    while (!["ingress", "cadvisor", "alloy"].every((k) => fs.existsSync(sock(k)))) {
      if (Date.now() > deadline) throw new Error("haproxy did not create its sockets within 10 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    haproxy?.kill();
    if (haproxy) await new Promise((r) => haproxy.once("exit", r));
    await new Promise((r) => (engine ? engine.close(r) : r(undefined)));
  });

  const call = (consumer: string, method: string, urlPath: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ socketPath: sock(consumer), method, path: urlPath }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });

  it("lets each consumer read what it needs, with or without the API version prefix", async () => {
    if (!found) return;
    const reads: [string, string, string][] = [
      ["ingress", "GET", "/v1.45/version"],
      ["ingress", "HEAD", "/_ping"],
      ["ingress", "GET", "/v1.45/services"],
      ["ingress", "GET", '/v1.45/tasks?filters={"desired-state":["running"]}'],
      ["ingress", "GET", "/v1.45/networks?filters=scope"],
      ["ingress", "GET", "/v1.45/nodes/abc123"],
      ["cadvisor", "GET", "/v1.41/info"],
      ["cadvisor", "GET", "/v1.41/containers/0123abcd/json"],
      ["cadvisor", "GET", "/v1.41/images/json"],
      ["alloy", "GET", "/v1.41/containers/json?all=0"],
      ["alloy", "GET", "/v1.41/containers/0123abcd/logs?follow=1&stdout=1"],
      ["alloy", "GET", "/networks"],
    ];
    for (const [consumer, method, urlPath] of reads)
      expect({ consumer, method, urlPath, status: await call(consumer, method, urlPath) }).toEqual({
        consumer,
        method,
        urlPath,
        status: 200,
      });
    expect(seen).toContain('GET /v1.45/tasks?filters={"desired-state":["running"]}');
  });

  it("refuses writes, secrets, configs, exec, exports and another consumer's resources with 403, never reaching the engine", async () => {
    if (!found) return;
    const before = seen.length;
    const refused: [string, string, string][] = [
      ["ingress", "POST", "/v1.45/containers/create"],
      ["ingress", "POST", "/v1.45/services/create"],
      ["ingress", "DELETE", "/v1.45/services/argo_postgres"],
      ["ingress", "GET", "/v1.45/secrets"],
      ["ingress", "GET", "/v1.45/configs"],
      ["ingress", "GET", "/v1.45/containers/json"],
      ["cadvisor", "POST", "/v1.41/containers/0123abcd/exec"],
      ["cadvisor", "GET", "/v1.41/containers/0123abcd/export"],
      ["cadvisor", "GET", "/v1.41/containers/0123abcd/archive?path=/etc"],
      ["cadvisor", "GET", "/v1.41/services"],
      ["cadvisor", "GET", "/v1.41/containers/../secrets"],
      ["alloy", "GET", "/v1.41/containers/%2e%2e/json"],
      ["alloy", "PUT", "/v1.41/containers/0123abcd/archive"],
      ["alloy", "GET", "/v1.41/swarm"],
    ];
    for (const [consumer, method, urlPath] of refused)
      expect({ consumer, method, urlPath, status: await call(consumer, method, urlPath) }).toEqual({
        consumer,
        method,
        urlPath,
        status: 403,
      });
    expect(seen.slice(before)).toEqual([]);
  });

  it("answers the health check's GET /_ping on loopback, and nothing else there", async () => {
    if (!found) return;
    const get = (urlPath: string) =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: "127.0.0.1", port: healthPort, path: urlPath }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          })
          .on("error", reject),
      );
    expect(await get("/_ping")).toBe(200);
    expect(await get("/v1.45/containers/json")).toBe(403);
  });
});
