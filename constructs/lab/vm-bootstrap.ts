import type { SwarmTarget } from "../swarm/target";
import type { LabVm } from "./target";
import { Fn } from "../cdktf";
import {
  BOOTSTRAP_PATHS,
  consulAclBootstrapEnv,
  consulAclBootstrapScript,
  forgetInitialManagementScript,
  nomadAclBootstrapScript,
  oneshotUnit,
  type DeployScope,
} from "./acl-bootstrap";
import {
  AGENT_PATHS,
  CONSUL_DNS_PORT,
  consulAgentConfig,
  consulInitialManagementConfig,
  nomadAgentConfig,
  nomadServers,
  type AgentContext,
} from "./agent-config";
import type { CloudConfig, WriteFile } from "./cloud-init";
import { ufwCommands, type FirewallRule } from "./firewall";
import type { IssuedCertificate } from "./pki";
import { APT_KEYS, LAB_VERSIONS } from "./versions";
import { jwksRelayConfig, jwksRelayUnit, WORKLOAD_IDENTITY_PATHS } from "./workload-identity";

const unitName = (unitPath: string) => unitPath.slice(unitPath.lastIndexOf("/") + 1);

export interface VmBootstrapContext extends AgentContext {
  readonly adminCidrs: readonly string[];
  /** The Swarm target, whose ingress port the Swarm nodes open to the edge. */
  readonly swarm?: SwarmTarget;
  readonly caCertPem: string;
  /** Newline-separated OpenSSH public keys of the admin user (a Terraform expression or text). */
  readonly authorizedKeys: string;
  /** The node's certificates for Consul and for Nomad (Nomad/Consul VMs only). */
  readonly certificates?: { readonly consul: IssuedCertificate; readonly nomad: IssuedCertificate };
  /** What the nomad-lab deploy policies cover (the first server's ACL bootstrap renders them). */
  readonly deploy: DeployScope;
}

const NOMAD_DYNAMIC_PORTS = "20000:32000";

export const isNomadVm = (vm: LabVm) => vm.role === "nomad-server" || vm.role === "nomad-client";
export const isSwarmVm = (vm: LabVm) => vm.role === "swarm-manager" || vm.role === "swarm-worker";
/** Nodes that run containers need a Docker engine. */
export const isWorkloadVm = (vm: LabVm) => vm.role === "nomad-client" || isSwarmVm(vm);

const text = (path: string, content: string, permissions = "0644", owner = "root:root", defer = false): WriteFile => ({
  path,
  content,
  permissions,
  owner,
  ...(defer ? { defer: true } : {}),
});
/** A file whose content Terraform fills in (keys, certificates), base64 so any bytes survive YAML. */
const filled = (path: string, value: string, permissions: string, owner: string): WriteFile => ({
  path,
  content: Fn.base64encode(value),
  encoding: "b64",
  permissions,
  owner,
  defer: true,
});

/**
 * The cloud-config of one lab VM: hardened SSH with the admin's keys only, unattended upgrades, the QEMU guest
 * agent, a deny-by-default firewall, and by role: Docker (pinned) on workload nodes; Nomad and Consul agents
 * (pinned) with TLS, gossip encryption and ACLs; ACL bootstrap on the first server; Consul DNS for `.consul`.
 */
export function vmCloudConfig(vm: LabVm, ctx: VmBootstrapContext): CloudConfig {
  const { lab } = ctx;
  const admin = lab.admin.user;
  const files: WriteFile[] = [
    text(
      "/etc/ssh/sshd_config.d/10-argo-hardening.conf",
      [
        "PermitRootLogin no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "AuthorizedKeysFile /etc/ssh/authorized_keys/%u",
        "",
      ].join("\n"),
    ),
    filled(`/etc/ssh/authorized_keys/${admin}`, ctx.authorizedKeys, "0644", "root:root"),
    text(
      "/etc/apt/apt.conf.d/20auto-upgrades",
      'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
    ),
  ];
  const packages: (string | [string, string])[] = [
    "qemu-guest-agent",
    "unattended-upgrades",
    "ufw",
    "curl",
    "ca-certificates",
  ];
  const sources: Record<string, { source: string; keyid: string }> = {};
  const held: string[] = [];
  const runcmd: string[][] = [
    ["systemctl", "enable", "--now", "qemu-guest-agent"],
    ["systemctl", "restart", "ssh"],
  ];

  if (isWorkloadVm(vm)) {
    sources.docker = {
      source: "deb [arch=amd64] https://download.docker.com/linux/ubuntu jammy stable",
      keyid: APT_KEYS.docker,
    };
    packages.push(
      ["docker-ce", LAB_VERSIONS.dockerCe],
      ["docker-ce-cli", LAB_VERSIONS.dockerCe],
      ["containerd.io", LAB_VERSIONS.containerd],
    );
    held.push("docker-ce", "docker-ce-cli", "containerd.io");
    runcmd.push(["usermod", "-aG", "docker", admin], ["systemctl", "enable", "--now", "docker"]);
  }

  if (isNomadVm(vm)) {
    const { nomad } = ctx;
    if (!ctx.certificates) throw new Error(`${vm.name}: a Nomad/Consul VM needs its certificates`);
    sources.hashicorp = {
      source: "deb [arch=amd64] https://apt.releases.hashicorp.com jammy main",
      keyid: APT_KEYS.hashicorp,
    };
    packages.push(["consul", LAB_VERSIONS.consul], ["nomad", LAB_VERSIONS.nomad]);
    if (vm.role === "nomad-server") packages.push(["haproxy", LAB_VERSIONS.vmHaproxy]);
    held.push("consul", "nomad");
    files.push(
      filled(nomad.consul.caFile, ctx.caCertPem, "0644", "consul:consul"),
      filled(AGENT_PATHS.consulTls.cert, ctx.certificates.consul.certPem, "0644", "consul:consul"),
      filled(AGENT_PATHS.consulTls.key, ctx.certificates.consul.privateKeyPem, "0600", "consul:consul"),
      text(
        AGENT_PATHS.consulConfig,
        JSON.stringify(consulAgentConfig(vm, ctx), null, 2) + "\n",
        "0640",
        "consul:consul",
        true,
      ),
      ...(vm.role === "nomad-server"
        ? [
            text(
              AGENT_PATHS.consulInitialManagement,
              JSON.stringify(consulInitialManagementConfig(ctx), null, 2) + "\n",
              "0640",
              "consul:consul",
              true,
            ),
            text(BOOTSTRAP_PATHS.forgetScript, forgetInitialManagementScript(nomad), "0750"),
            text(
              BOOTSTRAP_PATHS.forgetUnit,
              oneshotUnit(
                "Remove Consul's initial management token once the cluster holds it",
                ["consul.service"],
                BOOTSTRAP_PATHS.forgetScript,
              ),
            ),
          ]
        : []),
      filled(AGENT_PATHS.nomadTls.ca, ctx.caCertPem, "0644", "root:root"),
      filled(AGENT_PATHS.nomadTls.cert, ctx.certificates.nomad.certPem, "0644", "root:root"),
      filled(AGENT_PATHS.nomadTls.key, ctx.certificates.nomad.privateKeyPem, "0600", "root:root"),
      ...(vm.role === "nomad-server"
        ? [
            // The JWKS relay for Consul's workload identity logins (workload-identity.ts).
            filled(
              WORKLOAD_IDENTITY_PATHS.relayCertificate,
              Fn.join("", [ctx.certificates.nomad.certPem, ctx.certificates.nomad.privateKeyPem]),
              "0600",
              "root:root",
            ),
            text(WORKLOAD_IDENTITY_PATHS.relayConfig, jwksRelayConfig(nomad)),
            text(WORKLOAD_IDENTITY_PATHS.relayUnit, jwksRelayUnit()),
          ]
        : []),
      text(
        AGENT_PATHS.nomadConfig,
        JSON.stringify(nomadAgentConfig(vm, ctx), null, 2) + "\n",
        "0600",
        "root:root",
        true,
      ),
      // `.consul` names resolve through the local agent; everything else through the lab DNS.
      text(
        "/etc/systemd/resolved.conf.d/consul.conf",
        `[Resolve]\nDNS=127.0.0.1:${CONSUL_DNS_PORT}\nDNSSEC=false\nDomains=~consul\n`,
      ),
    );
    runcmd.push(
      // The packages' sample configurations (a single-node dev server for Nomad) must not load beside ours.
      ["rm", "-f", "/etc/consul.d/consul.hcl", "/etc/nomad.d/nomad.hcl"],
      ["systemctl", "restart", "systemd-resolved"],
      ["systemctl", "enable", "--now", "consul"],
    );
    if (vm.role === "nomad-client") {
      files.push(
        text("/etc/modules-load.d/nomad-bridge.conf", "br_netfilter\n"),
        text(
          "/etc/sysctl.d/90-nomad-bridge.conf",
          "net.bridge.bridge-nf-call-arptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\n",
        ),
      );
      runcmd.push(["modprobe", "br_netfilter"], ["sysctl", "--system"], cniInstallCommand());
      for (const [volume, placement] of Object.entries(nomad.hostVolumes).filter(([, p]) => p.client === vm.name)) {
        const owner = ctx.hostVolumeOwners[volume];
        runcmd.push([
          "install",
          "-d",
          "-m",
          "0750",
          "-o",
          String(owner ?? 0),
          "-g",
          String(owner ?? 0),
          placement.path,
        ]);
      }
    }
    if (vm.name === nomadServers(lab)[0]?.name) {
      files.push(
        text(BOOTSTRAP_PATHS.consulEnv, consulAclBootstrapEnv(ctx.secrets), "0600", "root:root", true),
        text(BOOTSTRAP_PATHS.consulScript, consulAclBootstrapScript(nomad, ctx.deploy), "0750"),
        text(
          BOOTSTRAP_PATHS.consulUnit,
          oneshotUnit("Create Consul ACL policies and tokens", ["consul.service"], BOOTSTRAP_PATHS.consulScript),
        ),
        text(BOOTSTRAP_PATHS.nomadToken, ctx.secrets.nomadBootstrapToken + "\n", "0600", "root:root", true),
        text(BOOTSTRAP_PATHS.nomadScript, nomadAclBootstrapScript(nomad, ctx.deploy), "0750"),
        text(
          BOOTSTRAP_PATHS.nomadUnit,
          oneshotUnit(
            "Bootstrap Nomad ACLs, then remove the management tokens from this host",
            // After Consul's: its end removes the file both scripts read.
            ["nomad.service", "argo-consul-acl-bootstrap.service", unitName(WORKLOAD_IDENTITY_PATHS.relayUnit)],
            BOOTSTRAP_PATHS.nomadScript,
          ),
        ),
      );
    }
    runcmd.push(["systemctl", "enable", "--now", "nomad"]);
    if (vm.role === "nomad-server") {
      const first = vm.name === nomadServers(lab)[0]?.name;
      runcmd.push(
        ["systemctl", "daemon-reload"],
        // The relay is HAProxy's only use here: the package's own instance stays off.
        ["systemctl", "disable", "--now", "haproxy"],
        ["systemctl", "enable", "--now", unitName(WORKLOAD_IDENTITY_PATHS.relayUnit)],
        // --no-block: the scripts wait for a cluster leader, which needs the other servers to boot too.
        [
          "systemctl",
          "enable",
          "--now",
          "--no-block",
          unitName(BOOTSTRAP_PATHS.forgetUnit),
          ...(first ? [unitName(BOOTSTRAP_PATHS.consulUnit), unitName(BOOTSTRAP_PATHS.nomadUnit)] : []),
        ],
      );
    }
  }

  if (held.length) runcmd.push(["apt-mark", "hold", ...held]);
  runcmd.push(...ufwCommands(firewallRules(vm, ctx)));

  return {
    hostname: vm.name,
    fqdn: `${vm.name}.${lab.domain}`,
    manage_etc_hosts: true,
    users: [
      {
        name: admin,
        gecos: "lab administrator",
        groups: ["sudo"],
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    package_update: true,
    package_upgrade: true,
    ...(Object.keys(sources).length ? { apt: { sources } } : {}),
    packages,
    write_files: files,
    runcmd,
  };
}

/**
 * Installs the pinned CNI plugins unless they are there, checking the archive against the checksum published
 * with it. Downloads go to a private directory, never to fixed names in /tmp.
 */
function cniInstallCommand(): string[] {
  const version = LAB_VERSIONS.cniPlugins;
  const archive = `cni-plugins-linux-amd64-${version}.tgz`;
  const url = `https://github.com/containernetworking/plugins/releases/download/${version}/${archive}`;
  return [
    "sh",
    "-c",
    [
      "set -eu",
      `if [ -x ${AGENT_PATHS.cniBin}/bridge ]; then exit 0; fi`,
      "dir=$(mktemp -d)",
      `trap 'rm -rf "$dir"' EXIT`,
      'cd "$dir"',
      `curl -fsSLO ${url}`,
      `curl -fsSLO ${url}.sha256`,
      `sha256sum -c ${archive}.sha256`,
      `install -d ${AGENT_PATHS.cniBin}`,
      `tar -xzf ${archive} -C ${AGENT_PATHS.cniBin}`,
      "",
    ].join("\n"),
  ];
}

/** Only the cluster ports, only from the lab (and SSH only from the admin CIDRs). */
export function firewallRules(
  vm: LabVm,
  ctx: Pick<VmBootstrapContext, "lab" | "nomad" | "swarm" | "adminCidrs">,
): FirewallRule[] {
  const lan = [ctx.lab.lanCidr];
  const edges = ctx.lab.pis.filter((p) => p.role === "edge").map((p) => `${p.address}/32`);
  const rules: FirewallRule[] = [{ comment: "ssh", ports: "22", proto: "tcp", from: ctx.adminCidrs }];
  if (isNomadVm(vm)) {
    rules.push(
      { comment: "nomad http rpc serf", ports: "4646:4648", proto: "tcp", from: lan },
      { comment: "nomad serf", ports: "4648", proto: "udp", from: lan },
      { comment: "consul rpc serf", ports: "8300:8302", proto: "tcp", from: lan },
      { comment: "consul serf", ports: "8301:8302", proto: "udp", from: lan },
      { comment: "consul https grpc", ports: "8500:8503", proto: "tcp", from: lan },
      { comment: "consul dns", ports: "8600", proto: "tcp", from: lan },
      { comment: "consul dns", ports: "8600", proto: "udp", from: lan },
    );
  }
  if (vm.role === "nomad-client") {
    const clients = ctx.lab.vms.filter((v) => v.role === "nomad-client").map((v) => `${v.address}/32`);
    rules.push(
      // Fabio, Prometheus and the sidecars of other clients reach allocations on their dynamic host ports.
      { comment: "nomad dynamic ports", ports: NOMAD_DYNAMIC_PORTS, proto: "tcp", from: clients },
      { comment: "fabio", ports: String(ctx.nomad.fabio.httpPort), proto: "tcp", from: edges },
      { comment: "fabio ui", ports: String(ctx.nomad.fabio.uiPort), proto: "tcp", from: [...edges, ...ctx.adminCidrs] },
    );
  }
  if (isSwarmVm(vm)) {
    rules.push(
      { comment: "swarm management", ports: "2377", proto: "tcp", from: lan },
      { comment: "swarm gossip", ports: "7946", proto: "tcp", from: lan },
      { comment: "swarm gossip", ports: "7946", proto: "udp", from: lan },
      { comment: "swarm overlay", ports: "4789", proto: "udp", from: lan },
      { comment: "swarm overlay encryption", proto: "esp", from: lan },
    );
    if (ctx.swarm)
      rules.push({ comment: "swarm ingress", ports: String(ctx.swarm.ingressPort), proto: "tcp", from: edges });
  }
  return rules;
}
