// @ts-check
/**
 * Stand-in for Traefik v3 with its Swarm provider, for the e2e test only (Traefik's image cannot be pulled
 * here). It takes the flags and labels the swarm-lab stack gives Traefik and honours the subset ARGO uses:
 *   flags:  --providers.swarm=true, --providers.swarm.exposedByDefault, --providers.swarm.network,
 *           --providers.swarm.endpoint (unix:///path only; default unix:///var/run/docker.sock, as Traefik),
 *           --providers.swarm.refreshSeconds (default 15, as Traefik), --entrypoints.<name>.address=:PORT,
 *           --ping=true (GET /ping on the `traefik` entrypoint, :8080, as Traefik)
 *   labels: traefik.enable, traefik.docker.network (what Traefik 3.1 reads on Swarm services), traefik.http.routers.<r>.{rule,entrypoints,service,middlewares},
 *           rule PathPrefix(`...`) only; traefik.http.services.<s>.loadbalancer.server.port;
 *           traefik.http.middlewares.<m>.ipallowlist.{sourcerange,ipstrategy.depth}
 * Like Traefik, it reads services and tasks from the Swarm API on the endpoint's socket, sends a request to the
 * router with the longest rule, balances round-robin over the running tasks' addresses on the service's
 * network (dnsrr) or its virtual IP (vip), answers 404 without a router and 403 when an allow-list refuses,
 * and appends the peer to X-Forwarded-For. Anything it cannot honour is logged and the router is left out.
 */
const http = require("http");

const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key.toLowerCase(), value.length ? value.join("=") : "true"];
  }),
);
if (flags.get("providers.swarm") !== "true") fail("only the Swarm provider is supported (--providers.swarm=true)");
const exposedByDefault = flags.get("providers.swarm.exposedbydefault") !== "false";
const defaultNetwork = flags.get("providers.swarm.network");
const refreshMs = Number(flags.get("providers.swarm.refreshseconds") ?? 15) * 1000;
const endpoint = flags.get("providers.swarm.endpoint") ?? "unix:///var/run/docker.sock";
if (!endpoint.startsWith("unix://")) fail(`only a unix:// endpoint is supported (got ${endpoint})`);
const socketPath = endpoint.slice("unix://".length);
const entrypoints = [...flags]
  .filter(([k]) => /^entrypoints\.[^.]+\.address$/.test(k))
  .map(([k, v]) => ({ name: k.split(".")[1], port: Number(v.replace(/^.*:/, "")) }));
if (entrypoints.length === 0) fail("no entrypoint (--entrypoints.<name>.address=:PORT)");

/** @type {{ name: string, entrypoints: string[], prefix: string, allow?: { cidrs: string[], depth: number }, backends: () => string[] }[]} */
let routers = [];
let ready = false;

function fail(message) {
  console.error(`traefik stand-in: ${message}`);
  process.exit(1);
}

function docker(path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: ${res.statusCode} ${body}`)),
      );
    });
    req.on("error", reject);
  });
}

const stripPrefixLength = (address) => address.replace(/\/\d+$/, "");

async function refresh() {
  const services = await docker("/services");
  const tasks = await docker(`/tasks?filters=${encodeURIComponent(JSON.stringify({ "desired-state": ["running"] }))}`);
  const next = [];
  for (const service of services) {
    const labels = service.Spec.Labels ?? {};
    if ((labels["traefik.enable"] ?? String(exposedByDefault)) !== "true") continue;
    const network = labels["traefik.docker.network"] ?? defaultNetwork;
    const running = tasks.filter((t) => t.ServiceID === service.ID && t.Status?.State === "running");
    const label = (suffix) => labels[suffix];
    const routerNames = [
      ...new Set(
        Object.keys(labels)
          .map((k) => /^traefik\.http\.routers\.([^.]+)\./.exec(k)?.[1])
          .filter(Boolean),
      ),
    ];
    for (const name of routerNames) {
      const rule = label(`traefik.http.routers.${name}.rule`) ?? "";
      const prefix = /^PathPrefix\(`([^`]+)`\)$/.exec(rule)?.[1];
      if (!prefix) {
        console.error(`router ${name}: unsupported rule ${rule}; left out`);
        continue;
      }
      const target = label(`traefik.http.routers.${name}.service`);
      const port = Number(label(`traefik.http.services.${target}.loadbalancer.server.port`));
      if (!port) {
        console.error(`router ${name}: service ${target} has no loadbalancer.server.port; left out`);
        continue;
      }
      let allow;
      const middlewares = (label(`traefik.http.routers.${name}.middlewares`) ?? "").split(",").filter(Boolean);
      let usable = true;
      for (const middleware of middlewares) {
        const id = middleware.replace(/@swarm$/, "");
        const range = label(`traefik.http.middlewares.${id}.ipallowlist.sourcerange`);
        if (range === undefined) {
          console.error(`router ${name}: middleware ${middleware} is not an ipallowlist of this service; left out`);
          usable = false;
          continue;
        }
        allow = {
          cidrs: range.split(",").map((c) => c.trim()),
          depth: Number(label(`traefik.http.middlewares.${id}.ipallowlist.ipstrategy.depth`) ?? 0),
        };
      }
      if (!usable) continue;
      const addresses =
        service.Spec.EndpointSpec?.Mode === "dnsrr"
          ? running.flatMap((t) =>
              (t.NetworksAttachments ?? [])
                .filter((a) => a.Network.Spec.Name === network)
                .flatMap((a) => a.Addresses.map(stripPrefixLength)),
            )
          : (service.Endpoint?.VirtualIPs ?? []).map((v) => stripPrefixLength(v.Addr));
      let next_ = 0;
      next.push({
        name,
        entrypoints: (
          label(`traefik.http.routers.${name}.entrypoints`) ?? entrypoints.map((e) => e.name).join(",")
        ).split(","),
        prefix,
        allow,
        backends: () => {
          const all = addresses.map((a) => `${a}:${port}`);
          return all.length ? [all[next_++ % all.length]] : [];
        },
      });
    }
  }
  // Traefik's default priority is the rule's length: the longest rule wins.
  routers = next.sort((a, b) => b.prefix.length - a.prefix.length);
  ready = true;
}

function ipToNumber(ip) {
  const parts = ip
    .replace(/^::ffff:/, "")
    .split(".")
    .map(Number);
  return parts.length === 4 && parts.every((p) => p >= 0 && p <= 255)
    ? ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
    : undefined;
}

function inCidr(ip, cidr) {
  const [base, bits] = cidr.split("/");
  const a = ipToNumber(ip);
  const b = ipToNumber(base);
  if (a === undefined || b === undefined) return false;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (a & mask) === (b & mask);
}

/** Traefik's ipStrategy: depth N takes the N-th address from the right of X-Forwarded-For; 0 the peer. */
function clientAddress(req, depth) {
  if (depth <= 0) return req.socket.remoteAddress ?? "";
  const forwarded = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return depth > forwarded.length ? "" : forwarded[forwarded.length - depth];
}

function handle(entrypoint, req, res) {
  const path = (req.url ?? "/").split("?")[0];
  const router = routers.find((r) => r.entrypoints.includes(entrypoint) && path.startsWith(r.prefix));
  if (!router) return end(res, 404, "404 page not found\n");
  if (router.allow) {
    const client = clientAddress(req, router.allow.depth);
    if (!router.allow.cidrs.some((c) => inCidr(client, c))) return end(res, 403, "Forbidden\n");
  }
  const [backend] = router.backends();
  if (!backend) return end(res, 503, "Service Unavailable\n");
  const [host, port] = backend.split(":");
  const forwarded = [req.headers["x-forwarded-for"], req.socket.remoteAddress].filter(Boolean).join(", ");
  const upstream = http.request(
    {
      host,
      port: Number(port),
      method: req.method,
      path: req.url,
      headers: { ...req.headers, "x-forwarded-for": forwarded },
      timeout: 10000,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("timeout", () => upstream.destroy(new Error("timeout")));
  upstream.on("error", (error) => end(res, 502, `Bad Gateway: ${error.message}\n`));
  req.pipe(upstream);
}

function end(res, status, text) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(text);
}

for (const entrypoint of entrypoints) {
  http
    .createServer((req, res) => handle(entrypoint.name, req, res))
    .listen(entrypoint.port, () => console.log(`entrypoint ${entrypoint.name} on :${entrypoint.port}`));
}
if (flags.get("ping") === "true") {
  http
    .createServer((req, res) =>
      req.url === "/ping" && ready ? end(res, 200, "OK") : end(res, 404, "404 page not found\n"),
    )
    .listen(8080);
}
const loop = () =>
  refresh()
    .catch((error) => console.error(`provider: ${error.message}`))
    .finally(() => setTimeout(loop, refreshMs));
loop();
process.on("SIGTERM", () => process.exit(0));
