/**
 * A Kubernetes control plane without nodes, on this machine's loopback: etcd and the pinned kube-apiserver
 * (`npm run toolchain` builds it from its Go module), TLS everywhere with a throwaway CA made for the run, a
 * client certificate in system:masters for the test, and the admission plugins EKS enables. Everything it writes
 * is under the directory it is given; `stop()` ends both processes (the caller removes the directory).
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { sleep, waitFor } from "../shell";

/**
 * The admission plugins every EKS 1.31 platform version enables (Amazon EKS user guide, "platform versions").
 * kube-apiserver adds its own default plugins to these (ValidatingAdmissionPolicy and ClusterTrustBundleAttest in
 * 1.31), as EKS' does.
 */
export const EKS_ADMISSION_PLUGINS = [
  "NodeRestriction",
  "ExtendedResourceToleration",
  "NamespaceLifecycle",
  "LimitRanger",
  "ServiceAccount",
  "TaintNodesByCondition",
  "PodSecurity",
  "Priority",
  "DefaultTolerationSeconds",
  "DefaultStorageClass",
  "StorageObjectInUseProtection",
  "PersistentVolumeClaimResize",
  "RuntimeClass",
  "CertificateApproval",
  "CertificateSigning",
  "CertificateSubjectRestriction",
  "DefaultIngressClass",
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionWebhook",
  "ResourceQuota",
] as const;

/** EKS' default service range when the VPC is in 10.0.0.0/8 (the eks stack sets none of its own). */
const SERVICE_CIDR = "172.20.0.0/16";

export interface Answer {
  readonly status: number;
  readonly body: any;
  /** The API server's `Warning` headers (PodSecurity's warn level speaks through them). */
  readonly warnings: string[];
}

export interface ControlPlaneOptions {
  readonly dir: string;
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly log: (line: string) => void;
}

export class ControlPlane {
  private readonly processes: { name: "etcd" | "kube-apiserver"; child: ChildProcess }[] = [];
  private tls: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
  private apiPort = 0;
  /** The kubeconfig of the test's client certificate (system:masters). */
  readonly kubeconfig: string;

  constructor(private readonly options: ControlPlaneOptions) {
    this.kubeconfig = path.join(options.dir, "kubeconfig");
  }

  get server(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  logOf(name: "etcd" | "kube-apiserver"): string {
    return fs.readFileSync(path.join(this.options.dir, `${name}.log`), "utf8");
  }

  async start(): Promise<{ etcdSeconds: number; apiSeconds: number }> {
    const { dir } = this.options;
    const pki = path.join(dir, "pki");
    fs.mkdirSync(pki, { recursive: true });
    makePki(pki);
    const [etcdClient, etcdPeer, api] = await freePorts(3);
    this.apiPort = api;
    const file = (name: string) => path.join(pki, name);

    const etcdStart = Date.now();
    this.launch("etcd", this.options.etcd, [
      "--name=e2e",
      `--data-dir=${path.join(dir, "etcd-data")}`,
      `--listen-client-urls=https://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=https://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
      `--cert-file=${file("etcd.pem")}`,
      `--key-file=${file("etcd.key")}`,
      `--trusted-ca-file=${file("ca.pem")}`,
      "--client-cert-auth",
      "--logger=zap",
    ]);
    await waitFor("etcd to listen", 60, async () => ((await listening(etcdClient)) ? true : undefined), 250);
    const etcdSeconds = (Date.now() - etcdStart) / 1000;

    const apiStart = Date.now();
    this.launch("kube-apiserver", this.options.kubeApiserver, [
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${api}`,
      `--etcd-servers=https://127.0.0.1:${etcdClient}`,
      `--etcd-cafile=${file("ca.pem")}`,
      `--etcd-certfile=${file("apiserver-etcd-client.pem")}`,
      `--etcd-keyfile=${file("apiserver-etcd-client.key")}`,
      `--tls-cert-file=${file("apiserver.pem")}`,
      `--tls-private-key-file=${file("apiserver.key")}`,
      `--client-ca-file=${file("ca.pem")}`,
      `--cert-dir=${path.join(dir, "apiserver-certs")}`,
      "--authorization-mode=Node,RBAC",
      `--enable-admission-plugins=${EKS_ADMISSION_PLUGINS.join(",")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${file("service-accounts.pub")}`,
      `--service-account-signing-key-file=${file("service-accounts.key")}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--allow-privileged=true",
      "--anonymous-auth=false",
      "--profiling=false",
    ]);
    this.tls = {
      ca: fs.readFileSync(file("ca.pem")),
      cert: fs.readFileSync(file("admin.pem")),
      key: fs.readFileSync(file("admin.key")),
    };
    await waitFor(
      "kube-apiserver to be ready (/readyz)",
      240,
      async () => {
        // An exited process ends the wait at once (waitFor retries on errors).
        if (this.exited()) return "exited";
        return (await this.request("GET", "/readyz")).status === 200 ? "ready" : undefined;
      },
      500,
    ).then(({ value }) => {
      const exited = this.exited();
      if (value === "exited" && exited) throw new Error(exited);
    });
    const apiSeconds = (Date.now() - apiStart) / 1000;
    fs.writeFileSync(this.kubeconfig, kubeconfigYaml(this.server, pki), { mode: 0o600 });
    return { etcdSeconds, apiSeconds };
  }

  /** One API request with the test's client certificate; JSON in and out. */
  request(method: string, apiPath: string, body?: unknown): Promise<Answer> {
    const tls = this.tls;
    if (!tls) throw new Error("the control plane is not started");
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: this.apiPort,
          method,
          path: apiPath,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          headers: {
            accept: "application/json",
            ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
          },
          timeout: 30000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            let parsed: any = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // /readyz and /version errors are plain text
            }
            // `299 - "text"`, the text's quotes escaped; one header per warning.
            const warnings = (res.headersDistinct.warning ?? []).map((w) =>
              w.replace(/^299 - "?|"$/g, "").replace(/\\"/g, '"'),
            );
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: no answer in 30 s`)));
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Ends kube-apiserver, then etcd: SIGTERM, SIGKILL after 10 s. */
  async stop(): Promise<void> {
    for (const { child } of [...this.processes].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill("SIGTERM");
      for (let i = 0; i < 100 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    this.processes.length = 0;
  }

  /** Synchronous last resort (process exit handlers cannot wait). */
  killNow(): void {
    for (const { child } of this.processes)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  private launch(name: "etcd" | "kube-apiserver", binary: string, args: string[]): void {
    const log = fs.openSync(path.join(this.options.dir, `${name}.log`), "a");
    const child = spawn(binary, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    child.on("exit", (code, signal) => this.options.log(`    ${name} exited (${signal ?? code})`));
    this.processes.push({ name, child });
  }

  /** Which process exited, with the end of its log; undefined while both run. */
  private exited(): string | undefined {
    for (const { name, child } of this.processes)
      if (child.exitCode !== null || child.signalCode !== null)
        return `${name} exited (${child.signalCode ?? child.exitCode}):\n${tailOf(this.logOf(name), 15)}`;
    return undefined;
  }
}

const tailOf = (text: string, lines: number) => text.trim().split("\n").slice(-lines).join("\n");

/** `count` TCP ports free on loopback right now (the kernel picks them, so parallel runs do not collide). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.on("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
  });
}

/**
 * The run's CA and certificates (openssl, P-256, valid one day): etcd's serving certificate, kube-apiserver's
 * serving certificate and its etcd client certificate, the test's admin client certificate (O=system:masters),
 * and the key pair that signs service account tokens.
 */
function makePki(dir: string): void {
  const openssl = (...args: string[]) => {
    const child = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${child.stderr}`);
  };
  const newKey = (name: string) =>
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`);
  newKey("ca");
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=argo e2e kubernetes CA",
  );
  const issue = (name: string, subject: string, usage: "serverAuth" | "clientAuth", sans: readonly string[] = []) => {
    newKey(name);
    openssl("req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    const ext = [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${usage}`,
      ...(sans.length ? [`subjectAltName=${sans.join(",")}`] : []),
    ];
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext.join("\n")}\n`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  };
  issue("etcd", "/CN=etcd", "serverAuth", ["IP:127.0.0.1", "DNS:localhost"]);
  issue("apiserver", "/CN=kube-apiserver", "serverAuth", [
    "IP:127.0.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
  ]);
  issue("apiserver-etcd-client", "/CN=kube-apiserver-etcd-client", "clientAuth");
  issue("admin", "/O=system:masters/CN=argo-e2e-admin", "clientAuth");
  newKey("service-accounts");
  openssl("ec", "-in", "service-accounts.key", "-pubout", "-out", "service-accounts.pub");
}

function kubeconfigYaml(server: string, pki: string): string {
  const b64 = (name: string) => fs.readFileSync(path.join(pki, name)).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: ${server}
      certificate-authority-data: ${b64("ca.pem")}
users:
  - name: argo-e2e-admin
    user:
      client-certificate-data: ${b64("admin.pem")}
      client-key-data: ${b64("admin.key")}
contexts:
  - name: e2e
    context:
      cluster: e2e
      user: argo-e2e-admin
current-context: e2e
`;
}
