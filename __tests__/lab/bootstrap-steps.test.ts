/**
 * The lab's generated steps, run: cloud-init's runcmd and the ACL bootstrap scripts of the rendered user-data,
 * the Pis' remote-exec scripts and the Swarm's local-exec steps, each in a sandbox (sandbox.ts) whose system
 * commands are stubs. A fresh machine and an already configured one must each get exactly the calls they need.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { App, Testing } from "../../constructs/cdktf";
import {
  BOOTSTRAP_PATHS,
  DEPLOY_POLICY,
  NOMAD_DEPLOY_TOKEN_KEY,
  consulPolicies,
  nomadDeployRules,
} from "../../constructs/lab/acl-bootstrap";
import { LAB_VERSIONS } from "../../constructs/lab/versions";
import { AUTH_METHOD, JWKS_RELAY_PORT, TASKS_POLICY, authMethodConfig } from "../../constructs/lab/workload-identity";
import { selectApplication } from "../../constructs/model";
import { consulReadersOf } from "../../constructs/nomad/consul-task-policies";
import { nodeVolumesOf } from "../../constructs/nomad/node-volumes";
import { LAB } from "../../environments";
import { LabStack } from "../../stacks";
import { cloudConfigsOf, renderOptionsOf } from "../../tools/validate/checks/shell-scripts";
import type { SynthesizedStack } from "../../tools/validate/stacks";
import { renderTerraformTemplate } from "../../tools/validate/terraform-render";
import { assertSandboxAvailable, Sandbox, type Call } from "./sandbox";

function synthLab(): SynthesizedStack {
  const app = Testing.app() as App;
  const stack = new LabStack(app, "lab-test", {
    environment: LAB,
    application: selectApplication(LAB.application, LAB.selection),
  });
  return { name: "lab", dir: "", config: JSON.parse(Testing.synth(stack)) };
}

const lab = synthLab();
const render = (text: string) => renderTerraformTemplate(text, renderOptionsOf(lab));
const resources = (type: string): [string, any][] => Object.entries(lab.config.resource?.[type] ?? {});

interface WrittenFile {
  path: string;
  content: string;
  encoding?: string;
  permissions: string;
}
/** The VM's cloud-config as cloud-init receives it (Terraform references rendered). */
function cloudConfigOf(vm: string): { runcmd: string[][]; write_files: WrittenFile[] } {
  const file = cloudConfigsOf(lab).find((f) => f.artifact.includes(`(argo-${vm}-user-data.yaml)`));
  if (!file) throw new Error(`no user-data for ${vm}`);
  return parseYaml(file.text);
}
const contentOf = (file: WrittenFile) =>
  file.encoding === "b64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content;

/** Lays down write_files as cloud-init does before runcmd (deferred files included: packages are stubbed). */
function writeFiles(sandbox: Sandbox, files: readonly WrittenFile[]): void {
  for (const file of files) sandbox.writeFile(file.path, contentOf(file), parseInt(file.permissions, 8));
}

const named = (calls: Call[], ...names: string[]) => calls.filter((c) => names.includes(c[0]));
const commandLines = (calls: Call[], ...names: string[]) => named(calls, ...names).map((c) => c.join(" "));

const sandboxes: Sandbox[] = [];
function sandbox(stubs: Record<string, string>): Sandbox {
  const made = new Sandbox(stubs);
  sandboxes.push(made);
  return made;
}

/** Paths the steps write on a real VM: they must not appear on this machine. */
const HOST_PATHS = [
  "/opt/cni/bin/bridge",
  "/srv/argo/postgres",
  "/etc/dnsmasq.d/argo-lab.conf",
  "/etc/haproxy/certs/argo.pem",
  "/tmp/argo-infra",
];
const hostBefore = HOST_PATHS.map((p) => fs.existsSync(p));

beforeAll(() => assertSandboxAvailable());
afterAll(() => {
  for (const s of sandboxes) s.remove();
  expect(sandboxes.filter((s) => fs.existsSync(s.root))).toEqual([]);
  expect(HOST_PATHS.map((p) => fs.existsSync(p))).toEqual(hostBefore);
});

const SYSTEM_STUBS = Object.fromEntries(
  ["systemctl", "apt-mark", "ufw", "modprobe", "sysctl", "usermod", "sleep"].map((c) => [c, "exit 0"]),
);

describe("lab bootstrap steps: the CNI plugins on a Nomad client", () => {
  const version = LAB_VERSIONS.cniPlugins;
  const archive = `cni-plugins-linux-amd64-${version}.tgz`;
  const url = `https://github.com/containernetworking/plugins/releases/download/${version}/${archive}`;
  // curl -fsSLO URL: saves the served file of that name in the working directory, or fails like a 404.
  const curl = [
    "for arg do url=$arg; done",
    'name=$(printf %s "$url" | sed "s|.*/||")',
    '[ -f "$ARGO_SANDBOX/served/$name" ] || exit 22',
    'cat "$ARGO_SANDBOX/served/$name" > "$name"',
  ].join("\n");

  /** A real archive with the plugins' layout, and the checksum file published beside it. */
  function serveRelease(box: Sandbox, checksum?: string): void {
    const build = fs.mkdtempSync(path.join(os.tmpdir(), "cni-release-"));
    try {
      for (const plugin of ["bridge", "host-local", "loopback"])
        fs.writeFileSync(path.join(build, plugin), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const tarball = path.join(box.served, archive);
      const tar = spawnSync("tar", ["-czf", tarball, "-C", build, "./bridge", "./host-local", "./loopback"]);
      if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
      const sum = checksum ?? createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
      fs.writeFileSync(path.join(box.served, `${archive}.sha256`), `${sum}  ${archive}\n`);
    } finally {
      fs.rmSync(build, { recursive: true, force: true });
    }
  }
  const cniStep = () =>
    cloudConfigOf("vs0").runcmd.find((step) => step[0] === "sh" && step[2].includes("/opt/cni/bin"))!;

  it("runs every runcmd step of a fresh client: downloads, verifies and unpacks the plugins", () => {
    const box = sandbox({ ...SYSTEM_STUBS, curl });
    serveRelease(box);
    const config = cloudConfigOf("vs0");
    writeFiles(box, config.write_files);
    // The packages' sample configuration, which the steps remove.
    box.writeFile("/etc/nomad.d/nomad.hcl", "server { enabled = true }\n");
    for (const step of config.runcmd) {
      const result = box.run(step);
      expect({ step, status: result.status, stderr: result.stderr }).toEqual({ step, status: 0, stderr: "" });
    }
    const calls = box.calls();
    expect(commandLines(calls, "curl")).toEqual([`curl -fsSLO ${url}`, `curl -fsSLO ${url}.sha256`]);
    expect(commandLines(calls, "sha256sum")).toEqual([`sha256sum -c ${archive}.sha256`]);
    expect(commandLines(calls, "tar")).toEqual([`tar -xzf ${archive} -C /opt/cni/bin`]);
    expect(box.stat("/opt/cni/bin/bridge")!.mode & 0o111).toBeTruthy();
    expect(box.list("/tmp")).toEqual([]);
    expect(box.stat("/etc/nomad.d/nomad.hcl")).toBeUndefined();
    // Then the agents start and the packages are held; the firewall is enabled last.
    expect(commandLines(calls, "systemctl")).toEqual(
      expect.arrayContaining([
        "systemctl enable --now docker",
        "systemctl enable --now consul",
        "systemctl enable --now nomad",
      ]),
    );
    expect(commandLines(calls, "modprobe")).toEqual(["modprobe br_netfilter"]);
    expect(commandLines(calls, "apt-mark")).toEqual([
      "apt-mark hold docker-ce docker-ce-cli containerd.io consul nomad",
    ]);
    expect(calls[calls.length - 1]).toEqual(["ufw", "--force", "enable"]);
    const volume = box.stat("/srv/argo/postgres")!;
    expect(volume.isDirectory() && (volume.mode & 0o777).toString(8)).toBe("750");
  });

  it("does not download anything on a client that has the plugins", () => {
    const box = sandbox({ ...SYSTEM_STUBS, curl });
    serveRelease(box);
    box.writeFile("/opt/cni/bin/bridge", "#!/bin/sh\n", 0o755);
    const result = box.run(cniStep());
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(named(box.calls(), "curl", "sha256sum", "tar")).toEqual([]);
  });

  it("installs nothing when the archive does not match its published checksum", () => {
    const box = sandbox({ ...SYSTEM_STUBS, curl });
    serveRelease(box, "0".repeat(64));
    const result = box.run(cniStep());
    expect(result.status).not.toBe(0);
    expect(commandLines(box.calls(), "sha256sum")).toHaveLength(1);
    expect(named(box.calls(), "tar")).toEqual([]);
    expect(box.stat("/opt/cni/bin/bridge")).toBeUndefined();
  });
});

describe("lab bootstrap steps: ACLs on the first Nomad server", () => {
  // consul: the leader is elected after two polls; policies and tokens exist once the cluster was bootstrapped.
  const consul = [
    'printf "%s\\n" "$CONSUL_HTTP_ADDR" "$CONSUL_HTTP_TOKEN" > "$ARGO_SANDBOX/state/consul-env"',
    'case "$1 $2 $3" in',
    '  "acl policy list") polls=$(cat "$ARGO_SANDBOX/state/polls" 2>/dev/null || echo 0); echo $((polls + 1)) > "$ARGO_SANDBOX/state/polls"; [ "$polls" -ge 2 ] ;;',
    '  "acl policy read"|"acl token read") [ -f "$ARGO_SANDBOX/state/bootstrapped" ] ;;',
    // Nomad's bootstrap marks "bootstrapped" too: the workload identity steps keep their own marks.
    '  "acl auth-method read") [ -f "$ARGO_SANDBOX/state/auth-method" ] ;;',
    '  "acl auth-method create") : > "$ARGO_SANDBOX/state/auth-method" ;;',
    // Each rule as Consul lists it (its BindType and BindName lines, the shape the script greps).
    '  "acl binding-rule list") cat "$ARGO_SANDBOX/state/binding-rules" 2>/dev/null ;;',
    '  "acl binding-rule create") [ "$6" = -bind-type ] && [ "$8" = -bind-name ] && printf \'  "BindType": "%s",\\n  "BindName": "%s",\\n\' "$7" "$9" >> "$ARGO_SANDBOX/state/binding-rules" ;;',
    // The deploy token's secret in KV: what `put -` read from stdin, as `get` prints it.
    '  "kv get ' + NOMAD_DEPLOY_TOKEN_KEY + '") [ -f "$ARGO_SANDBOX/state/kv" ] && cat "$ARGO_SANDBOX/state/kv" ;;',
    '  "kv put ' + NOMAD_DEPLOY_TOKEN_KEY + '") [ "$4" = - ] && cat > "$ARGO_SANDBOX/state/kv" ;;',
    "esac",
  ].join("\n");
  // nomad: no leader for two calls, then ACLs deny anonymous requests; the preset token works once bootstrapped.
  const nomad = [
    'case "$*" in',
    '  status) polls=$(cat "$ARGO_SANDBOX/state/polls" 2>/dev/null || echo 0); echo $((polls + 1)) > "$ARGO_SANDBOX/state/polls"',
    '    if [ "$polls" -ge 2 ]; then echo "Error querying jobs: Unexpected response code: 403 (Permission denied)" >&2; else echo "No cluster leader" >&2; fi; exit 1 ;;',
    '  "acl token self") [ -f "$ARGO_SANDBOX/state/bootstrapped" ] && { [ "$NOMAD_TOKEN" = "$(cat /etc/nomad.d/bootstrap.token)" ] || grep -qx "$NOMAD_TOKEN" "$ARGO_SANDBOX/state/nomad-tokens"; } ;;',
    '  "acl bootstrap "*) : > "$ARGO_SANDBOX/state/bootstrapped" ;;',
    // Only the management token may write policies and tokens.
    '  "acl policy apply "*) [ "$NOMAD_TOKEN" = "$(cat /etc/nomad.d/bootstrap.token)" ] && cat > "$ARGO_SANDBOX/state/nomad-policy" ;;',
    '  "acl token create "*) [ "$NOMAD_TOKEN" = "$(cat /etc/nomad.d/bootstrap.token)" ] && secret=issued-$(od -An -N4 -tx4 /dev/urandom | tr -d " ") && echo "$secret" >> "$ARGO_SANDBOX/state/nomad-tokens" && printf %s "$secret" ;;',
    "esac",
  ].join("\n");

  const config = cloudConfigOf("vb0");
  const file = (p: string) => contentOf(config.write_files.find((f) => f.path === p)!);
  const env = Object.fromEntries(
    file(BOOTSTRAP_PATHS.consulEnv)
      .trim()
      .split("\n")
      .map((line) => line.split("=")),
  );
  const execStart = (unit: string) => /^ExecStart=(.+)$/m.exec(file(unit))![1];
  const scope = {
    stateKey: "terraform/argo/nomad-lab",
    hostVolumes: Object.keys(LAB.nomad!.hostVolumes),
    nodeVolumes: Object.keys(nodeVolumesOf(selectApplication(LAB.application, LAB.selection), LAB.nomad!)),
    consulReaders: consulReadersOf(selectApplication(LAB.application, LAB.selection)),
  };
  const policies = consulPolicies(scope);
  const state = (box: Sandbox, name: string) => {
    const p = path.join(box.state, name);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
  };

  // curl: the JWKS relay answers from the second try (Nomad's server starts after the relay).
  const curl = [
    'polls=$(cat "$ARGO_SANDBOX/state/curl-polls" 2>/dev/null || echo 0); echo $((polls + 1)) > "$ARGO_SANDBOX/state/curl-polls"',
    '[ "$polls" -ge 1 ]',
  ].join("\n");

  const TASK_SELECTOR = '"nomad_service" not in value and value.nomad_namespace == "default"';
  /** One argument each: the binding rule's Consul interpolation and selector reach Consul intact. */
  const bindingRuleCreate = (type: string, name: string, selector: string) => [
    ...["consul", "acl", "binding-rule", "create", "-method", AUTH_METHOD],
    ...["-bind-type", type, "-bind-name", name, "-selector", selector],
  ];

  function serverSandbox(bootstrapped: boolean): Sandbox {
    const box = sandbox({ ...SYSTEM_STUBS, consul, nomad, curl });
    writeFiles(box, config.write_files);
    if (bootstrapped) {
      for (const mark of ["bootstrapped", "auth-method"]) fs.writeFileSync(path.join(box.state, mark), "");
      const rules = [
        ["service", "${value.nomad_service}"],
        ["policy", TASKS_POLICY],
        ["policy", "nomad-task-${value.nomad_job_id}"],
      ];
      fs.writeFileSync(
        path.join(box.state, "binding-rules"),
        rules.map(([type, name]) => `  "BindType": "${type}",\n  "BindName": "${name}",\n`).join(""),
      );
    }
    return box;
  }

  it("enables the bootstrap units after the agents, without waiting for them", () => {
    const box = serverSandbox(false);
    for (const step of config.runcmd) expect({ step, status: box.run(step).status }).toEqual({ step, status: 0 });
    const systemctl = commandLines(box.calls(), "systemctl");
    expect(systemctl.indexOf("systemctl daemon-reload")).toBeGreaterThan(
      systemctl.indexOf("systemctl enable --now nomad"),
    );
    expect(systemctl).toContain(
      "systemctl enable --now --no-block argo-consul-forget-initial-management.service argo-consul-acl-bootstrap.service argo-nomad-acl-bootstrap.service",
    );
    expect(named(box.calls(), "consul", "nomad")).toEqual([]);
  });

  it("creates Consul's policies and preset tokens on first boot, once there is a leader", () => {
    const box = serverSandbox(false);
    const result = box.run([execStart(BOOTSTRAP_PATHS.consulUnit)]);
    expect(result).toMatchObject({ status: 0, stderr: "" });
    const calls = box.calls();
    expect(commandLines(calls, "sleep")).toEqual(["sleep 5", "sleep 5"]);
    const creates = named(calls, "consul").filter((c) => c[3] === "create");
    expect(creates).toEqual([
      ...Object.entries(policies).map(([name, rules]) => [
        "consul",
        "acl",
        "policy",
        "create",
        "-name",
        name,
        "-rules",
        rules,
      ]),
      [
        "consul",
        "acl",
        "token",
        "create",
        "-accessor",
        env.AGENT_ACCESSOR,
        "-secret",
        env.AGENT_SECRET,
        "-policy-name",
        "argo-agents",
        "-description",
        "Consul agents",
      ],
      [
        "consul",
        "acl",
        "token",
        "create",
        "-accessor",
        env.DNS_ACCESSOR,
        "-secret",
        env.DNS_SECRET,
        "-policy-name",
        "argo-dns",
        "-description",
        "Consul DNS",
      ],
      [
        "consul",
        "acl",
        "token",
        "create",
        "-accessor",
        env.NOMAD_ACCESSOR,
        "-secret",
        env.NOMAD_SECRET,
        "-policy-name",
        "argo-nomad-agents",
        "-description",
        "Nomad agents",
      ],
      [
        "consul",
        "acl",
        "token",
        "create",
        "-accessor",
        env.DEPLOY_ACCESSOR,
        "-secret",
        env.DEPLOY_SECRET,
        "-policy-name",
        DEPLOY_POLICY,
        "-description",
        "nomad-lab deploy",
      ],
    ]);
    expect(fs.readFileSync(path.join(box.state, "consul-env"), "utf8")).toBe(
      `https://127.0.0.1:8501\n${env.MANAGEMENT_TOKEN}\n`,
    );
  });

  it("changes nothing in Consul when the cluster is already bootstrapped", () => {
    const box = serverSandbox(true);
    expect(box.run([execStart(BOOTSTRAP_PATHS.consulUnit)])).toMatchObject({ status: 0, stderr: "" });
    const consulCalls = named(box.calls(), "consul");
    expect(consulCalls.filter((c) => c[3] === "create")).toEqual([]);
    expect(consulCalls.filter((c) => c[3] === "read")).toHaveLength(Object.keys(policies).length + 4);
  });

  it("bootstraps Nomad's ACLs with the preset token on first boot, then the deploy policy and token", () => {
    const box = serverSandbox(false);
    expect(box.run([execStart(BOOTSTRAP_PATHS.nomadUnit)])).toMatchObject({ status: 0, stderr: "" });
    expect(commandLines(box.calls(), "nomad", "sleep")).toEqual([
      "nomad status",
      "nomad status",
      "sleep 5",
      "nomad status",
      "nomad status",
      "nomad acl token self",
      `nomad acl bootstrap ${BOOTSTRAP_PATHS.nomadToken}`,
      `nomad acl policy apply -description cdktf deploy nomad-lab ${DEPLOY_POLICY} -`,
      // Waiting once for the JWKS relay.
      "sleep 2",
      `nomad acl token create -name nomad-lab deploy -policy ${DEPLOY_POLICY} -t {{ .SecretID }}`,
    ]);
    expect(state(box, "nomad-policy")).toBe(nomadDeployRules(scope) + "\n");
    // The secret Nomad chose is in KV, exactly (no newline), put with the management token.
    const issued = state(box, "nomad-tokens")!.trim();
    expect(issued).toMatch(/^issued-[0-9a-f]{8}$/);
    expect(state(box, "kv")).toBe(issued);
    expect(named(box.calls(), "curl")).toEqual([
      ["curl", "-sf", `http://127.0.0.1:${JWKS_RELAY_PORT}/.well-known/jwks.json`],
      ["curl", "-sf", `http://127.0.0.1:${JWKS_RELAY_PORT}/.well-known/jwks.json`],
    ]);
    expect(named(box.calls(), "consul")).toEqual([
      ["consul", "acl", "policy", "list"],
      ["consul", "acl", "auth-method", "read", "-name", AUTH_METHOD],
      // One argument each: the auth method's JSON and the binding rule's Consul interpolation reach Consul intact.
      [
        "consul",
        "acl",
        "auth-method",
        "create",
        "-name",
        AUTH_METHOD,
        "-type",
        "jwt",
        "-token-locality",
        "local",
        "-description",
        "Nomad workload identities",
        "-config",
        JSON.stringify(authMethodConfig()),
      ],
      ["consul", "acl", "binding-rule", "list", "-method", AUTH_METHOD, "-format", "json"],
      bindingRuleCreate("service", "${value.nomad_service}", '"nomad_service" in value'),
      ["consul", "acl", "binding-rule", "list", "-method", AUTH_METHOD, "-format", "json"],
      // A task's token: the no-rights policy, and its job's policy where there is one; the deploy token's namespace only.
      bindingRuleCreate("policy", TASKS_POLICY, TASK_SELECTOR),
      bindingRuleCreate("policy", "nomad-task-${value.nomad_job_id}", TASK_SELECTOR),
      ["consul", "kv", "get", NOMAD_DEPLOY_TOKEN_KEY],
      ["consul", "kv", "put", NOMAD_DEPLOY_TOKEN_KEY, "-"],
    ]);
    expect(commandLines(box.calls(), "consul").slice(-2)).toEqual([
      `consul kv get ${NOMAD_DEPLOY_TOKEN_KEY}`,
      `consul kv put ${NOMAD_DEPLOY_TOKEN_KEY} -`,
    ]);
    expect(fs.readFileSync(path.join(box.state, "consul-env"), "utf8")).toBe(
      `https://127.0.0.1:8501\n${env.MANAGEMENT_TOKEN}\n`,
    );
  });

  it("keeps Nomad's bootstrap and a deploy token whose secret in KV still works", () => {
    const box = serverSandbox(true);
    fs.writeFileSync(path.join(box.state, "nomad-tokens"), "issued-0000beef\n");
    fs.writeFileSync(path.join(box.state, "kv"), "issued-0000beef");
    expect(box.run([execStart(BOOTSTRAP_PATHS.nomadUnit)])).toMatchObject({ status: 0, stderr: "" });
    const nomadCalls = commandLines(box.calls(), "nomad");
    expect(nomadCalls.filter((c) => c === "nomad acl token self")).toHaveLength(2);
    expect(nomadCalls.filter((c) => /^nomad acl (bootstrap|token create)/.test(c))).toEqual([]);
    expect(commandLines(box.calls(), "consul").filter((c) => / create /.test(c))).toEqual([]);
    expect(state(box, "kv")).toBe("issued-0000beef");
  });

  it("creates a new deploy token when the secret in KV no longer works", () => {
    const box = serverSandbox(true);
    fs.writeFileSync(path.join(box.state, "kv"), "revoked-token");
    expect(box.run([execStart(BOOTSTRAP_PATHS.nomadUnit)])).toMatchObject({ status: 0, stderr: "" });
    expect(commandLines(box.calls(), "nomad").filter((c) => c.startsWith("nomad acl token create"))).toHaveLength(1);
    expect(state(box, "kv")).toBe(state(box, "nomad-tokens")!.trim());
  });

  it("fails, and puts nothing in KV, when Nomad refuses the deploy token", () => {
    const box = sandbox({
      ...SYSTEM_STUBS,
      consul,
      curl,
      nomad: nomad.replace('"acl token create "*)', '"acl token create "*) exit 1 ;; x)'),
    });
    writeFiles(box, config.write_files);
    const result = box.run([execStart(BOOTSTRAP_PATHS.nomadUnit)]);
    expect(result.status).not.toBe(0);
    expect(state(box, "kv")).toBeUndefined();
  });
});

describe("lab bootstrap steps: Raspberry Pis over SSH", () => {
  const sudo = 'exec env "$@"';
  const step = (pi: string) => resources("terraform_data").find(([id]) => id.includes(`${pi}_configure`))![1];

  /** Runs a Pi's provisioners in order, as Terraform does: remote-exec lines as one sh script, files copied as they are. */
  function provision(box: Sandbox, pi: string): number | null {
    for (const provisioner of step(pi).provisioner) {
      if (provisioner.file) {
        box.writeFile(provisioner.file.destination, render(provisioner.file.content));
        continue;
      }
      const result = box.run(["sh", "-c", render(provisioner["remote-exec"].inline.join("\n") + "\n")]);
      if (result.status !== 0) return result.status;
    }
    return 0;
  }

  it.each([
    ["rpi0", "dnsmasq", "dnsmasq=2.90-*", "dnsmasq --test", [["/etc/dnsmasq.d/argo-lab.conf", "644"]]],
    [
      "rpi1",
      "haproxy",
      "haproxy=2.6.*",
      "haproxy -c -q -f /etc/haproxy/haproxy.cfg",
      [
        ["/etc/haproxy/haproxy.cfg", "644"],
        ["/etc/haproxy/certs/argo.pem", "600"],
      ],
    ],
  ] as const)("%s: installs %s, its files, checks them, then restarts it", (pi, service, spec, check, files) => {
    const box = sandbox({ sudo, "apt-get": "exit 0", systemctl: "exit 0", [service]: "exit 0" });
    expect(provision(box, pi)).toBe(0);
    const staged = (file: string) => `/tmp/argo-infra/${file.replace(/\//g, "_")}`;
    expect(commandLines(box.calls(), "apt-get", "install", service, "systemctl")).toEqual([
      "apt-get update -qq",
      `apt-get install -y -qq ${spec}`,
      ...files.map(([file, mode]) => `install -D -o root -g root -m 0${mode} ${staged(file)} ${file}`),
      check,
      `systemctl enable ${service}`,
      `systemctl restart ${service}`,
    ]);
    for (const [file, mode] of files) {
      const expected = render(step(pi).provisioner.find((p: any) => p.file?.destination === staged(file)).file.content);
      expect(box.readFile(file)).toBe(expected);
      expect((box.stat(file)!.mode & 0o777).toString(8)).toBe(mode);
    }
    expect(box.stat("/tmp/argo-infra")).toBeUndefined();
  });

  it("does not restart a service whose configuration check fails", () => {
    const box = sandbox({
      sudo,
      "apt-get": "exit 0",
      systemctl: "exit 0",
      dnsmasq: "echo 'dnsmasq: bad option' >&2; exit 1",
    });
    expect(provision(box, "rpi0")).not.toBe(0);
    expect(commandLines(box.calls(), "systemctl")).toEqual([]);
  });
});

describe("lab bootstrap steps: forming the Swarm from the deployer's machine", () => {
  // ssh [-o opt]... user@host command...: prints what the node would; members are listed in state/members.
  const ssh = [
    'while [ "$#" -gt 0 ]; do case $1 in -o) shift 2 ;; -*) shift ;; *) break ;; esac; done',
    'host=$(printf %s "$1" | sed "s/.*@//"); shift',
    'case "$*" in',
    '  "sudo docker info --format {{.Swarm.LocalNodeState}}") if grep -qx "$host" "$ARGO_SANDBOX/state/members" 2>/dev/null; then echo active; else echo inactive; fi ;;',
    '  "sudo docker swarm join-token -q "*) echo SWMTKN-1-stand-in ;;',
    "esac",
  ].join("\n");
  const localExec = (id: string) =>
    resources("terraform_data").find(([name]) => name.includes(id))![1].provisioner[0]["local-exec"];
  /** Runs a local-exec step as Terraform does: interpreter, command, environment. */
  function runLocal(box: Sandbox, id: string) {
    const step = localExec(id);
    return box.run([...step.interpreter, render(step.command)], step.environment);
  }
  /** The remote commands each ssh call ran, as `host: command`. */
  const remote = (box: Sandbox) =>
    named(box.calls(), "ssh").map((c) => {
      const at = c.findIndex((a) => a.includes("@"));
      return `${c[at].replace(/.*@/, "")}: ${c.slice(at + 1).join(" ")}`;
    });
  function swarmSandbox(members: string[]): Sandbox {
    const box = sandbox({ ssh });
    fs.writeFileSync(path.join(box.state, "members"), members.map((m) => `${m}\n`).join(""));
    return box;
  }

  it("initializes the Swarm on the first manager once, after cloud-init", () => {
    const fresh = swarmSandbox([]);
    expect(runLocal(fresh, "swarm_init")).toMatchObject({ status: 0, stderr: "" });
    expect(remote(fresh)).toEqual([
      "192.168.10.140: sudo cloud-init status --wait",
      "192.168.10.140: sudo docker info --format {{.Swarm.LocalNodeState}}",
      "192.168.10.140: sudo docker swarm init --advertise-addr 192.168.10.140 --dispatcher-heartbeat 2s",
    ]);
    const formed = swarmSandbox(["192.168.10.140"]);
    expect(runLocal(formed, "swarm_init")).toMatchObject({ status: 0 });
    expect(remote(formed).filter((c) => c.includes("swarm init"))).toEqual([]);
  });

  it("joins a worker with a token read at that moment, and leaves a member alone", () => {
    const fresh = swarmSandbox(["192.168.10.140"]);
    expect(runLocal(fresh, "swarm_join-sw3")).toMatchObject({ status: 0, stderr: "" });
    expect(remote(fresh)).toEqual([
      "192.168.10.153: sudo cloud-init status --wait",
      "192.168.10.153: sudo docker info --format {{.Swarm.LocalNodeState}}",
      "192.168.10.140: sudo docker swarm join-token -q worker",
      "192.168.10.153: sudo docker swarm join --token SWMTKN-1-stand-in --advertise-addr 192.168.10.153 192.168.10.140:2377",
    ]);
    const member = swarmSandbox(["192.168.10.140", "192.168.10.153"]);
    expect(runLocal(member, "swarm_join-sw3")).toMatchObject({ status: 0 });
    expect(remote(member).filter((c) => c.includes("join"))).toEqual([]);
  });

  it("adds each of a node's labels as its own argument", () => {
    const box = swarmSandbox([]);
    expect(runLocal(box, "swarm_labels-sw1")).toMatchObject({ status: 0, stderr: "" });
    const [call] = named(box.calls(), "ssh");
    expect(call.slice(call.indexOf("argo-admin@192.168.10.140") + 1)).toEqual([
      "sudo",
      "docker",
      "node",
      "update",
      "--label-add",
      "argo.volume.prometheus-data=true",
      "--label-add",
      "argo.volume.grafana-data=true",
      "sw1",
    ]);
  });
});
