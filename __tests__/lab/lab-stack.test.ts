import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { App, Testing } from "../../constructs/cdktf";
import {
  BOOTSTRAP_PATHS,
  DEPLOY_POLICY,
  NOMAD_DEPLOY_TOKEN_KEY,
  consulDeployRules,
  nomadDeployRules,
} from "../../constructs/lab/acl-bootstrap";
import { dnsmasqConfig } from "../../constructs/lab/dnsmasq";
import { haproxyConfig } from "../../constructs/lab/haproxy";
import {
  AUTH_METHOD,
  JWKS_RELAY_PORT,
  WORKLOAD_IDENTITY,
  WORKLOAD_IDENTITY_PATHS,
} from "../../constructs/lab/workload-identity";
import { SWARM_INIT_SCRIPT, SWARM_JOIN_SCRIPT, SWARM_LABEL_SCRIPT } from "../../constructs/lab/swarm-cluster";
import { selectApplication } from "../../constructs/model";
import { consulReadersOf } from "../../constructs/nomad/consul-task-policies";
import { nodeVolumesOf } from "../../constructs/nomad/node-volumes";
import { NETWORK_DEVICE_ATTRIBUTES } from "../../constructs/proxmox/virtual-environment-vm";
import { LAB, type Environment } from "../../environments";
import { LabStack, NomadLabStack } from "../../stacks";
import { stackNamesByTarget } from "../../stacks/synth";
import { envProblemsOf, labCopy } from "../helpers";
import { tempDir } from "../temp";

function synthLab(env: Environment = LAB) {
  const app = Testing.app() as App;
  const stack = new LabStack(app, "lab-test", {
    environment: env,
    application: selectApplication(env.application, env.selection),
  });
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text, stack };
}

const lab = LAB.lab!;
const nomad = LAB.nomad!;
const synth = synthLab();
const resources = (type: string): [string, any][] => Object.entries(synth.json.resource[type] ?? {});
const vmResource = (name: string) => resources("proxmox_virtual_environment_vm").find(([, r]) => r.name === name)![1];
const userDataOf = (name: string): string =>
  resources("proxmox_virtual_environment_file").find(
    ([, r]) => r.source_raw[0].file_name === `argo-${name}-user-data.yaml`,
  )![1].source_raw[0].data;
const cloudConfigOf = (name: string) => parseYaml(userDataOf(name));
const fileOf = (name: string, filePath: string) =>
  cloudConfigOf(name).write_files.find((f: { path: string }) => f.path === filePath);
const jsonFileOf = (name: string, filePath: string) => JSON.parse(fileOf(name, filePath).content);
const packageNames = (name: string): string[] =>
  cloudConfigOf(name).packages.map((p: string | string[]) => (Array.isArray(p) ? p[0] : p));

describe("lab: Proxmox VMs", () => {
  it("creates exactly the inventory's VMs with their sizes and addresses", () => {
    expect(resources("proxmox_virtual_environment_vm")).toHaveLength(lab.vms.length);
    for (const vm of lab.vms) {
      const r = vmResource(vm.name);
      expect(r).toMatchObject({
        node_name: "pve0",
        vm_id: vm.vmId,
        on_boot: true,
        started: true,
        tags: ["argo", vm.role],
      });
      expect(r.cpu).toEqual([{ cores: vm.vcpus, sockets: 1, type: "x86-64-v2-AES" }]);
      expect(r.memory).toEqual([{ dedicated: vm.memoryMiB }]);
      expect(r.disk[0]).toMatchObject({ size: vm.diskGiB, interface: "virtio0" });
      expect(r.disk[0].import_from).toMatch(/^\$\{proxmox_download_file\.[^}]+\.id\}$/);
      expect(r.agent).toEqual([{ enabled: true, trim: true }]);
      // Every attribute of the list(object) attribute, null where unset (Terraform's JSON syntax needs them all).
      expect(r.network_device).toEqual([
        { ...Object.fromEntries(NETWORK_DEVICE_ATTRIBUTES.map((n) => [n, null])), bridge: "vmbr0", model: "virtio" },
      ]);
      expect(r.initialization[0].ip_config).toEqual([
        { ipv4: [{ address: `${vm.address}/16`, gateway: "192.168.10.1" }] },
      ]);
      expect(r.initialization[0].dns).toEqual([{ domain: "lab.internal", servers: ["192.168.10.53"] }]);
      expect(r.initialization[0].user_data_file_id).toMatch(/^\$\{proxmox_virtual_environment_file\.[^}]+\.id\}$/);
    }
  });

  it("protects the VMs that hold persistent data from destroy", () => {
    const protectedVms = lab.vms.filter((vm) => vmResource(vm.name).lifecycle?.prevent_destroy).map((vm) => vm.name);
    expect(protectedVms.sort()).toEqual([...new Set(Object.values(nomad.hostVolumes).map((p) => p.client))].sort());
  });

  it("downloads the Ubuntu cloud image as an import file, verified by its checksum", () => {
    const [[, image]] = resources("proxmox_download_file");
    expect(image).toMatchObject({
      content_type: "import",
      url: lab.image.url,
      checksum: lab.image.checksumSha256,
      checksum_algorithm: "sha256",
      datastore_id: "local",
    });
  });

  it("uploads each VM's user-data as a snippet", () => {
    for (const [, file] of resources("proxmox_virtual_environment_file")) {
      expect(file).toMatchObject({ content_type: "snippets", datastore_id: "local", node_name: "pve0" });
    }
  });

  it("configures the provider from the deployer's environment only", () => {
    expect(synth.json.provider.proxmox).toEqual([{ ssh: [{ agent: true }] }]);
    expect(synth.json.terraform.required_providers.proxmox).toEqual({ source: "bpg/proxmox", version: "0.111.1" });
  });
});

describe("lab: cloud-init", () => {
  it.each(lab.vms.map((vm) => [vm.name]))("%s gets valid, hardened #cloud-config", (name) => {
    const text = userDataOf(name);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const config = parseYaml(text);
    expect(config).toMatchObject({ hostname: name, disable_root: true, ssh_pwauth: false, package_upgrade: true });
    expect(config.users).toEqual([expect.objectContaining({ name: "argo-admin", lock_passwd: true })]);
    const sshd = fileOf(name, "/etc/ssh/sshd_config.d/10-argo-hardening.conf").content;
    expect(sshd).toContain("PermitRootLogin no");
    expect(sshd).toContain("PasswordAuthentication no");
    expect(fileOf(name, "/etc/ssh/authorized_keys/argo-admin")).toMatchObject({
      encoding: "b64",
      content: '${base64encode(join("\\n", var.admin_ssh_public_keys))}',
    });
    expect(fileOf(name, "/etc/apt/apt.conf.d/20auto-upgrades").content).toContain('Unattended-Upgrade "1"');
    expect(packageNames(name)).toEqual(expect.arrayContaining(["qemu-guest-agent", "unattended-upgrades", "ufw"]));
    const commands = config.runcmd.map((c: string[]) => c.join(" "));
    expect(commands).toContain("ufw default deny incoming");
    expect(commands[commands.length - 1]).toBe("ufw --force enable");
  });

  it("installs a pinned Docker engine on workload nodes only", () => {
    for (const vm of lab.vms) {
      const workload = ["nomad-client", "swarm-manager", "swarm-worker"].includes(vm.role);
      expect(packageNames(vm.name).includes("docker-ce")).toBe(workload);
      if (workload)
        expect(cloudConfigOf(vm.name).packages).toContainEqual(["docker-ce", "5:27.3.1-1~ubuntu.22.04~jammy"]);
    }
  });

  it("configures Consul with gossip encryption, verified TLS, default-deny ACLs and Connect", () => {
    for (const vm of lab.vms.filter((v) => v.role.startsWith("nomad-"))) {
      const consul = jsonFileOf(vm.name, "/etc/consul.d/argo.json");
      const server = vm.role === "nomad-server";
      expect(consul.server).toBe(server);
      expect(consul.encrypt).toMatch(/^\$\{random_id\.[^}]+\.b64_std\}$/);
      expect(consul.encrypt_verify_incoming && consul.encrypt_verify_outgoing).toBe(true);
      expect(consul.tls.defaults).toMatchObject({
        verify_incoming: true,
        verify_outgoing: true,
        ca_file: nomad.consul.caFile,
      });
      expect(consul.tls.internal_rpc.verify_server_hostname).toBe(true);
      expect(consul.tls.https.verify_incoming).toBe(server);
      expect(consul.ports).toMatchObject({ http: -1, https: 8501, grpc_tls: 8503, dns: 8600 });
      expect(consul.acl).toMatchObject({ enabled: true, default_policy: "deny" });
      expect(Object.keys(consul.acl.tokens).sort()).toEqual(["agent", "dns"]);
      for (const token of Object.values<string>(consul.acl.tokens))
        expect(token).toMatch(/^\$\{random_uuid\.[^}]+\.result\}$/);
      // Servers carry the initial management token in a file of their own, which they remove once it is in Raft.
      const initial = server ? jsonFileOf(vm.name, "/etc/consul.d/acl-initial-management.json") : undefined;
      expect(Object.keys(initial?.acl.tokens ?? {})).toEqual(server ? ["initial_management"] : []);
      if (initial) expect(initial.acl.tokens.initial_management).toMatch(/^\$\{random_uuid\.[^}]+\.result\}$/);
      expect(consul.connect.enabled).toBe(true);
      expect(consul.retry_join).toEqual(["192.168.10.120", "192.168.10.121", "192.168.10.122"]);
      if (server) expect(consul.bootstrap_expect).toBe(3);
    }
  });

  it("configures Nomad with gossip encryption, TLS with hostname and client verification, ACLs", () => {
    for (const vm of lab.vms.filter((v) => v.role.startsWith("nomad-"))) {
      const agent = jsonFileOf(vm.name, "/etc/nomad.d/argo.json");
      expect(agent).toMatchObject({ region: "lab", datacenter: "pve0", name: vm.name, acl: { enabled: true } });
      expect(agent.tls).toMatchObject({
        http: true,
        rpc: true,
        verify_server_hostname: true,
        verify_https_client: true,
      });
      expect(agent.consul).toMatchObject({ ssl: true, verify_ssl: true, grpc_address: "127.0.0.1:8503" });
      expect(agent.consul.token).toMatch(/^\$\{random_uuid\.[^}]+\.result\}$/);
      if (vm.role === "nomad-server") {
        expect(agent.server).toMatchObject({ enabled: true, bootstrap_expect: 3 });
        expect(agent.server.encrypt).toMatch(/^\$\{random_id\.[^}]+\.b64_std\}$/);
        expect(agent.client).toBeUndefined();
      } else {
        expect(agent.client).toMatchObject({
          enabled: true,
          node_class: nomad.workloadNodeClass,
          cni_path: "/opt/cni/bin",
        });
        const expected = Object.fromEntries(
          Object.entries(nomad.hostVolumes)
            .filter(([, p]) => p.client === vm.name)
            .map(([n, p]) => [n, { path: p.path, read_only: false }]),
        );
        const nodePaths = nodeVolumesOf(selectApplication(LAB.application, LAB.selection), nomad);
        for (const [n, p] of Object.entries(nodePaths)) expected[n] = { path: p, read_only: true };
        expect(agent.client.host_volume).toEqual(expected);
        expect(agent.client.host_volume["host-root"]).toEqual({ path: "/", read_only: true });
        // The Docker driver mounts no host path of its own: a job gets only the host volumes above.
        expect(agent.plugin.docker.config).toEqual({ volumes: { enabled: false }, allow_privileged: false });
      }
    }
  });

  it("gives each job's service its own Consul token through workload identities, not the agents' ACL rights", () => {
    const agentsPolicy = /ensure_policy argo-nomad-agents '([^']*)'/.exec(
      fileOf("vb0", BOOTSTRAP_PATHS.consulScript).content,
    )![1];
    expect(agentsPolicy).toContain('service_prefix "" { policy = "write" }');
    expect(agentsPolicy).not.toMatch(/^\s*acl\s*=/m);
    for (const vm of lab.vms.filter((v) => v.role.startsWith("nomad-"))) {
      const server = vm.role === "nomad-server";
      const agent = jsonFileOf(vm.name, "/etc/nomad.d/argo.json");
      // Servers sign the identities (a task's only when it has a Consul block); clients only exchange them.
      expect({ vm: vm.name, service: agent.consul.service_identity, task: agent.consul.task_identity }).toEqual({
        vm: vm.name,
        service: server ? WORKLOAD_IDENTITY : undefined,
        task: server ? WORKLOAD_IDENTITY : undefined,
      });
      // The relay serves the server's keys on its loopback only.
      const relay = fileOf(vm.name, WORKLOAD_IDENTITY_PATHS.relayConfig);
      expect({ vm: vm.name, relay: Boolean(relay) }).toEqual({ vm: vm.name, relay: server });
      expect(packageNames(vm.name).includes("haproxy")).toBe(server);
      if (!server) continue;
      expect(relay.content.match(/^\s*bind .*$/gm)).toEqual([`  bind 127.0.0.1:${JWKS_RELAY_PORT}`]);
      expect(fileOf(vm.name, WORKLOAD_IDENTITY_PATHS.relayCertificate).permissions).toBe("0600");
      expect(cloudConfigOf(vm.name).runcmd.map((c: string[]) => c.join(" "))).toEqual(
        expect.arrayContaining([
          "systemctl disable --now haproxy",
          "systemctl enable --now argo-nomad-jwks-relay.service",
        ]),
      );
    }
    expect(fileOf("vb0", BOOTSTRAP_PATHS.nomadScript).content).toContain(
      `consul acl auth-method create -name ${AUTH_METHOD} -type jwt`,
    );
  });

  it("makes a read-only Consul policy for each nomad-lab job whose tasks read Consul, and none that writes", () => {
    const consulScript = fileOf("vb0", BOOTSTRAP_PATHS.consulScript).content;
    const taskPolicies = Object.fromEntries(
      [...consulScript.matchAll(/^ensure_policy (nomad-task-\S+) '([^']*)'$/gm)].map((m) => [m[1], m[2]]),
    );
    const collector = selectApplication(LAB.application, LAB.selection).services.find((s) => s.collectsMetrics)!;
    expect(Object.keys(taskPolicies).sort()).toEqual(["nomad-task-fabio", `nomad-task-${collector.name}`].sort());
    for (const rules of Object.values(taskPolicies)) {
      expect(rules).toContain('service_prefix "" {\n  policy = "read"\n}');
      expect(rules).not.toMatch(/"write"|acl|intentions|mesh|operator/);
    }
    expect(taskPolicies["nomad-task-fabio"]).toContain('agent_prefix "" {\n  policy = "read"\n}');
    expect(taskPolicies[`nomad-task-${collector.name}`]).not.toMatch(/agent|key/);
    // Every task's token (Nomad 1.8 signs one for every task with a template): a policy without a rule.
    expect(consulScript).toMatch(/^ensure_policy nomad-tasks '#[^\n']*'$/m);
  });

  it("creates the host volume directories with the owner the image writes as", () => {
    const commands = cloudConfigOf("vs1").runcmd.map((c: string[]) => c.join(" "));
    expect(commands).toContain("install -d -m 0750 -o 472 -g 472 /srv/argo/grafana");
    expect(commands).toContain("install -d -m 0750 -o 65534 -g 65534 /srv/argo/prometheus");
  });

  it("resolves .consul names through the local agent", () => {
    expect(fileOf("vs0", "/etc/systemd/resolved.conf.d/consul.conf").content).toBe(
      "[Resolve]\nDNS=127.0.0.1:8600\nDNSSEC=false\nDomains=~consul\n",
    );
  });

  it("bootstraps ACLs on the first server only", () => {
    const bootstrapUnits = lab.vms.filter((vm) =>
      fileOf(vm.name, "/etc/systemd/system/argo-consul-acl-bootstrap.service"),
    );
    expect(bootstrapUnits.map((vm) => vm.name)).toEqual(["vb0"]);
    const env = fileOf("vb0", "/etc/consul.d/acl-bootstrap.env");
    expect(env.permissions).toBe("0600");
    for (const line of env.content.trim().split("\n"))
      expect(line).toMatch(/^[A-Z_]+=\$\{random_uuid\.[^}]+\.result\}$/);
  });

  it("renders the nomad-lab deploy policies for the state key nomad-lab's backend uses and the host volumes", () => {
    const app = Testing.app() as App;
    const nomadLab = new NomadLabStack(app, stackNamesByTarget(LAB).nomad!, {
      environment: LAB,
      target: nomad,
      application: selectApplication(LAB.application, LAB.selection),
    });
    const statePath = JSON.parse(Testing.synth(nomadLab)).terraform.backend.consul.path;
    const nodeVolumes = Object.keys(nodeVolumesOf(selectApplication(LAB.application, LAB.selection), nomad));
    const scope = {
      stateKey: statePath,
      hostVolumes: Object.keys(nomad.hostVolumes),
      nodeVolumes,
      consulReaders: consulReadersOf(selectApplication(LAB.application, LAB.selection)),
    };
    const consulScript = fileOf("vb0", BOOTSTRAP_PATHS.consulScript).content;
    expect(consulScript).toContain(`ensure_policy ${DEPLOY_POLICY} '${consulDeployRules(scope)}'`);
    expect(consulScript).toContain(
      `ensure_token "$DEPLOY_ACCESSOR" "$DEPLOY_SECRET" ${DEPLOY_POLICY} "nomad-lab deploy"`,
    );
    expect(consulDeployRules(scope)).toContain(`key "${NOMAD_DEPLOY_TOKEN_KEY}" { policy = "read" }`);
    // No KV write outside the state, no agent, node or operator rights.
    // The state key and its lock (<key>/.lock, <key>/.lockinfo), not every key it is a prefix of.
    expect(consulDeployRules(scope).match(/^key(_prefix)? "[^"]*" \{ policy = "write" \}$/gm)).toEqual([
      'key "terraform/argo/nomad-lab" { policy = "write" }',
      'key_prefix "terraform/argo/nomad-lab/" { policy = "write" }',
    ]);
    expect(consulDeployRules(scope)).not.toMatch(/agent|node|operator|mesh|keyring|query|acl/);
    const nomadScript = fileOf("vb0", BOOTSTRAP_PATHS.nomadScript).content;
    expect(nomadScript).toContain(`<<'POLICY'\n${nomadDeployRules(scope)}\nPOLICY\n`);
    expect(nomadDeployRules(scope)).toContain('host_volume "postgres-data" { policy = "write" }');
    // The node paths the jobs read: read-only, each by name (the root, the Docker socket and Consul's CA among them).
    expect(nomadDeployRules(scope)).toContain('host_volume "host-root" { policy = "read" }');
    expect(nomadDeployRules(scope)).toContain('host_volume "host-var-run-docker-sock" { policy = "read" }');
    expect(nomadDeployRules(scope).match(/^host_volume.*"write"/gm)).toHaveLength(
      Object.keys(nomad.hostVolumes).length,
    );
    expect(nomadDeployRules(scope).match(/^host_volume.*"read"/gm)).toHaveLength(nodeVolumes.length);
    expect(nomadDeployRules(scope)).not.toMatch(/host_volume "[^"]*\*/);
    expect(nomadDeployRules(scope)).not.toMatch(/agent|operator|acl|node|management|quota|plugin|"\*"/);
    // Without a Consul backend for nomad-lab, no KV or session rights.
    const local = consulDeployRules({ hostVolumes: [], nodeVolumes: [], consulReaders: {} });
    expect(local).not.toMatch(/key_prefix|session/);
    expect(synth.json.output.consul_deploy_token).toMatchObject({ sensitive: true });
    expect(synth.json.output.consul_deploy_token.value).toMatch(
      /^\$\{random_uuid\.[^}]*consul-deploy-token-secret[^}]*\.result\}$/,
    );
  });

  it("opens only the cluster ports, to the lab", () => {
    const rules = (name: string) =>
      cloudConfigOf(name)
        .runcmd.map((c: string[]) => c.join(" "))
        .filter((c: string) => c.startsWith("ufw allow"));
    expect(rules("vb0")).toContain(
      "ufw allow proto tcp from 192.168.0.0/16 to any port 4646:4648 comment nomad http rpc serf",
    );
    expect(rules("vb0").some((r: string) => r.includes("2377"))).toBe(false);
    expect(rules("sw0")).toEqual(
      expect.arrayContaining([
        "ufw allow proto tcp from 192.168.0.0/16 to any port 2377 comment swarm management",
        "ufw allow proto udp from 192.168.0.0/16 to any port 4789 comment swarm overlay",
        "ufw allow proto esp from 192.168.0.0/16 comment swarm overlay encryption",
        "ufw allow proto tcp from 192.168.10.80/32 to any port 8000 comment swarm ingress",
      ]),
    );
    expect(rules("vs0")).toContain("ufw allow proto tcp from 192.168.10.80/32 to any port 9999 comment fabio");
    const dynamic = rules("vs0").filter((r: string) => r.includes("20000:32000"));
    expect(dynamic).toHaveLength(3);
    expect(rules("head")).toEqual(["ufw allow proto tcp from 192.168.10.0/24 to any port 22 comment ssh"]);
  });

  it("never writes a private key, token or gossip key into the synthesized configuration", () => {
    expect(synth.text).not.toContain("-----BEGIN");
    expect(synth.text).not.toMatch(/"(encrypt|token|initial_management)": "(?!\$\{)/);
  });
});

describe("lab: certificates", () => {
  const requests = resources("tls_cert_request").map(([id, r]) => ({
    id,
    dns: r.dns_names as string[],
    ips: r.ip_addresses as string[] | undefined,
  }));
  const request = (fragment: string) => requests.find((r) => r.id.includes(fragment))!;

  it("names Nomad servers after the region and Consul servers after the datacenter", () => {
    expect(request("vb0-nomad").dns).toEqual(["server.lab.nomad", "vb0.lab.internal", "localhost"]);
    expect(request("vb0-nomad").ips).toEqual(["192.168.10.120", "127.0.0.1"]);
    expect(request("vb1-consul").dns).toEqual(["server.pve0.consul", "vb1.lab.internal", "localhost"]);
    expect(request("vs2-nomad").dns).toEqual(["client.lab.nomad", "vs2.lab.internal", "localhost"]);
    expect(request("rpi1-edge").dns).toEqual([lab.edge.nomadHostname, lab.edge.swarmHostname]);
  });

  it("signs every certificate with the lab CA", () => {
    const [[caId]] = resources("tls_self_signed_cert");
    expect(synth.json.resource.tls_self_signed_cert[caId].is_ca_certificate).toBe(true);
    for (const [, cert] of resources("tls_locally_signed_cert"))
      expect(cert.ca_cert_pem).toBe(`\${tls_self_signed_cert.${caId}.cert_pem}`);
  });
});

describe("lab: Swarm", () => {
  it("initializes on the first manager, then joins managers one by one and workers after them", () => {
    const steps = Object.fromEntries(resources("terraform_data").map(([id, r]) => [id, r]));
    const init = Object.entries(steps).find(([id]) => id.includes("swarm_init"))!;
    expect(init[1].provisioner[0]["local-exec"].environment).toEqual({
      ADMIN: "argo-admin",
      MANAGER: "192.168.10.140",
    });
    const join = (node: string) => Object.entries(steps).find(([id]) => id.includes(`join-${node}`))![1];
    expect(join("sm1").depends_on).toEqual([`terraform_data.${init[0]}`]);
    expect(join("sm2").depends_on[0]).toContain("join-sm1");
    expect(join("sw3").depends_on[0]).toContain("join-sm2");
    expect(join("sw3").provisioner[0]["local-exec"].environment).toEqual({
      ADMIN: "argo-admin",
      MANAGER: "192.168.10.140",
      NODE: "192.168.10.153",
      ROLE: "worker",
    });
    expect(Object.keys(steps).filter((id) => id.includes("swarm_join"))).toHaveLength(7);
  });

  it("labels the nodes that hold persistent volumes, after every node has joined", () => {
    const labels = resources("terraform_data").filter(([id]) => id.includes("swarm_labels-"));
    const byNode = Object.fromEntries(
      labels.map(([, r]) => [
        r.provisioner[0]["local-exec"].environment.NODE,
        r.provisioner[0]["local-exec"].environment.LABELS,
      ]),
    );
    expect(byNode).toEqual({
      sw0: "--label-add argo.volume.postgres-data=true",
      sw1: "--label-add argo.volume.prometheus-data=true --label-add argo.volume.grafana-data=true",
      sw2: "--label-add argo.volume.loki-data=true --label-add argo.volume.gitlab-config=true --label-add argo.volume.gitlab-logs=true --label-add argo.volume.gitlab-data=true",
    });
    expect(labels[0][1].depends_on).toHaveLength(7);
  });

  it("uses join tokens only inside the script, never in Terraform", () => {
    expect(SWARM_JOIN_SCRIPT).toContain("token=$(");
    expect(synth.text).not.toMatch(/SWMTKN/);
  });
});

describe("lab: Raspberry Pis", () => {
  const step = (pi: string) => resources("terraform_data").find(([id]) => id.includes(`${pi}_configure`))![1];

  it("configures each Pi over SSH with the deployer's agent, re-run when its configuration changes", () => {
    expect(step("rpi0").connection).toEqual({ type: "ssh", host: "192.168.10.53", user: "argo-admin", agent: "true" });
    const dnsmasqHash = createHash("sha256").update(dnsmasqConfig(lab)).digest("hex");
    expect(step("rpi0").triggers_replace).toEqual({ "/etc/dnsmasq.d/argo-lab.conf": dnsmasqHash });
    expect(step("rpi1").triggers_replace["/etc/haproxy/haproxy.cfg"]).toBe(
      createHash("sha256")
        .update(haproxyConfig(lab, nomad, LAB.swarm))
        .digest("hex"),
    );
    expect(step("rpi1").triggers_replace["/etc/haproxy/certs/argo.pem"]).toMatch(/^\$\{sha256\(join\(/);
    const provisioners = step("rpi1").provisioner.map((p: object) => Object.keys(p)[0]);
    expect(provisioners).toEqual(["remote-exec", "file", "file", "remote-exec"]);
  });

  it("renders dnsmasq: every lab host, .consul to the Consul servers, nothing else local", () => {
    const config = dnsmasqConfig(lab);
    for (const vm of lab.vms) expect(config).toContain(`host-record=${vm.name}.lab.internal,${vm.name},${vm.address}`);
    for (const server of ["192.168.10.120", "192.168.10.121", "192.168.10.122"])
      expect(config).toContain(`server=/consul/${server}#8600`);
    expect(config).toContain("host-record=argo-nomad.lab.internal,192.168.10.80");
    expect(config.split("\n")).toEqual(expect.arrayContaining(["no-resolv", "server=1.1.1.1", "server=9.9.9.9"]));
  });

  it("renders HAProxy: TLS 1.2 or newer, HTTP redirected, health-checked backends on every node", () => {
    const config = haproxyConfig(lab, nomad, LAB.swarm);
    expect(config).toContain("ssl-default-bind-options ssl-min-ver TLSv1.2");
    expect(config).toContain("http-request redirect scheme https code 301");
    for (const vm of lab.vms.filter((v) => v.role === "nomad-client"))
      expect(config).toContain(`server ${vm.name} ${vm.address}:9999 check port 9998`);
    for (const vm of lab.vms.filter((v) => v.role.startsWith("swarm-")))
      expect(config).toContain(`server ${vm.name} ${vm.address}:8000 check`);
  });

  const requireTool = (tool: string) => {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
    if (!found && process.env.CI) throw new Error(`${tool} is missing; .ci/run installs it`);
    return found;
  };

  it("produces a dnsmasq configuration dnsmasq accepts", () => {
    if (!requireTool("dnsmasq")) return;
    const file = path.join(tempDir("dnsmasq-"), "argo.conf");
    fs.writeFileSync(file, dnsmasqConfig(lab));
    expect(execFileSync("dnsmasq", ["--test", `--conf-file=${file}`], { encoding: "utf8", stdio: "pipe" })).toBe("");
  });

  it("produces an HAProxy configuration haproxy accepts", () => {
    if (!requireTool("haproxy") || !requireTool("openssl")) return;
    const dir = tempDir("haproxy-");
    const cert = path.join(dir, "argo.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=test",
        "-keyout",
        cert,
        "-out",
        path.join(dir, "c.pem"),
        "-days",
        "1",
      ],
      { stdio: "pipe" },
    );
    fs.appendFileSync(cert, fs.readFileSync(path.join(dir, "c.pem")));
    const config = haproxyConfig(lab, nomad, LAB.swarm)
      .replace("/etc/haproxy/certs/argo.pem", cert)
      .replace(/^\s*(user|group) haproxy$/gm, "")
      .replace("log /dev/log local0", "log stdout local0");
    fs.writeFileSync(path.join(dir, "haproxy.cfg"), config);
    const check = spawnSync("haproxy", ["-c", "-f", path.join(dir, "haproxy.cfg")], { encoding: "utf8" });
    expect(check.stderr + check.stdout).toContain("Configuration file is valid");
    expect(check.status).toBe(0);
  });

  it("writes shell scripts that parse", () => {
    const scripts = {
      "swarm init": SWARM_INIT_SCRIPT,
      "swarm join": SWARM_JOIN_SCRIPT,
      "swarm labels": SWARM_LABEL_SCRIPT,
      "consul acl bootstrap": fileOf("vb0", BOOTSTRAP_PATHS.consulScript).content,
      "nomad acl bootstrap": fileOf("vb0", BOOTSTRAP_PATHS.nomadScript).content,
      rpi0: step("rpi0").provisioner[2]["remote-exec"].inline.join("\n"),
      rpi1: step("rpi1").provisioner[3]["remote-exec"].inline.join("\n"),
    };
    for (const [name, script] of Object.entries(scripts)) {
      const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
      expect({ name, stderr: result.stderr }).toEqual({ name, stderr: "" });
    }
  });
});

describe("lab: validation", () => {
  it("names the host in every inventory problem", () => {
    const env = labCopy();
    env.lab!.vms[3].role = "nomad-srv" as never;
    env.lab!.vms[4].vmId = env.lab!.vms[5].vmId;
    env.lab!.pis[0].sshUser = "";
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.lab.lab.vms[3].role: vb2: unknown role "nomad-srv" (expected one of nomad-server, nomad-client, swarm-manager, swarm-worker, support)',
    );
    expect(problems).toContain("environments.lab.lab.vms[5].vmId: vs1: VM ID 131 is already used by vs0");
    expect(problems).toContain(
      "environments.lab.lab.pis[0].sshUser: rpi0: missing; name the user the deployer's SSH agent logs in as",
    );
  });

  it("rejects an empty or malformed list of admin SSH keys", () => {
    const empty = labCopy();
    empty.lab!.admin = { user: "argo-admin", sshPublicKeys: [] };
    expect(envProblemsOf(empty)).toContain(
      "environments.lab.lab.admin.sshPublicKeys: is empty: no one could log in to head, vb0, vb1, vb2, ...; add a public key, or leave the field out to supply keys at deploy time",
    );
    const malformed = labCopy();
    malformed.lab!.admin = { user: "argo-admin", sshPublicKeys: ["AAAAC3NzaC1lZDI1NTE5AAAA"] };
    expect(envProblemsOf(malformed)).toContain(
      'environments.lab.lab.admin.sshPublicKeys[0]: is not an OpenSSH public key (expected e.g. "ssh-ed25519 AAAA... user@host")',
    );
  });

  it("writes listed admin keys as text instead of asking for them at deploy time", () => {
    const env = labCopy();
    env.lab!.admin = {
      user: "argo-admin",
      sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly test@example"],
    };
    const withKeys = synthLab(env);
    expect(withKeys.json.variable).toBeUndefined();
    expect(withKeys.text).toContain("base64encode");
  });

  it("matches the snapshot", () => {
    expect(synth.json).toMatchSnapshot();
  });
});
