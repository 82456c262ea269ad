import type { NomadTarget } from "../nomad/target";
import type { LabInventory, LabVm } from "./target";
import type { ClusterSecrets } from "./cluster-secrets";
import { WORKLOAD_IDENTITY } from "./workload-identity";

/** Where the agents' files live on every Nomad/Consul VM. */
export const AGENT_PATHS = {
  consulConfig: "/etc/consul.d/argo.json",
  consulInitialManagement: "/etc/consul.d/acl-initial-management.json",
  consulTls: { cert: "/etc/consul.d/tls/agent.pem", key: "/etc/consul.d/tls/agent-key.pem" },
  nomadConfig: "/etc/nomad.d/argo.json",
  nomadTls: {
    ca: "/etc/nomad.d/tls/ca.pem",
    cert: "/etc/nomad.d/tls/agent.pem",
    key: "/etc/nomad.d/tls/agent-key.pem",
  },
  cniBin: "/opt/cni/bin",
} as const;

export const CONSUL_GRPC_TLS_PORT = 8503;
/** Nomad's HTTP API (its default): the servers' own scripts and the JWKS relay call it on the loopback. */
export const NOMAD_HTTP_PORT = 4646;
export const CONSUL_DNS_PORT = 8600;

export interface AgentContext {
  readonly lab: LabInventory;
  readonly nomad: NomadTarget;
  readonly secrets: ClusterSecrets;
  /** Persistent data the model needs, with the user its image writes as. */
  readonly hostVolumeOwners: Readonly<Record<string, number | undefined>>;
  /** The node paths the application's jobs mount, by host volume name (nomad/node-volumes.ts: nodeVolumesOf). */
  readonly nodeVolumes: Readonly<Record<string, string>>;
}

export function nomadServers(lab: LabInventory): LabVm[] {
  return lab.vms.filter((vm) => vm.role === "nomad-server");
}

/** The names a node's Consul certificate must carry; servers need `server.<dc>.consul` for verify_server_hostname. */
export function consulCertificateNames(vm: LabVm, ctx: Pick<AgentContext, "lab" | "nomad">) {
  const role = vm.role === "nomad-server" ? "server" : "client";
  return {
    dnsNames: [`${role}.${ctx.nomad.consul.datacenter}.consul`, `${vm.name}.${ctx.lab.domain}`, "localhost"],
    ipAddresses: [vm.address, "127.0.0.1"],
  };
}

/** Likewise for Nomad: `server.<region>.nomad` or `client.<region>.nomad` (the region, not the datacenter). */
export function nomadCertificateNames(vm: LabVm, ctx: Pick<AgentContext, "lab" | "nomad">) {
  const role = vm.role === "nomad-server" ? "server" : "client";
  return {
    dnsNames: [`${role}.${ctx.nomad.region}.nomad`, `${vm.name}.${ctx.lab.domain}`, "localhost"],
    ipAddresses: [vm.address, "127.0.0.1"],
  };
}

/**
 * Consul agent configuration (JSON, which Consul reads like HCL). Gossip is encrypted and verified both
 * ways; TLS is verified on every listener, HTTPS clients are verified on servers (the deployer's API) but not
 * on client agents, which serve only the workloads of their own node and are protected by ACL tokens; ACLs
 * deny by default; Connect is on, with gRPC over TLS for the Envoy sidecars.
 */
export function consulAgentConfig(vm: LabVm, ctx: AgentContext) {
  const server = vm.role === "nomad-server";
  const servers = nomadServers(ctx.lab);
  const { secrets } = ctx;
  return {
    datacenter: ctx.nomad.consul.datacenter,
    node_name: vm.name,
    data_dir: "/opt/consul",
    log_level: "INFO",
    server,
    ...(server ? { bootstrap_expect: servers.length, ui_config: { enabled: true } } : {}),
    retry_join: servers.map((s) => s.address),
    bind_addr: vm.address,
    advertise_addr: vm.address,
    // Workloads in bridge networks reach the agent at the node's address; the host firewall limits the rest.
    client_addr: "0.0.0.0",
    encrypt: secrets.consulGossipKey,
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    ports: {
      http: -1,
      https: ctx.nomad.consul.httpsPort,
      grpc: -1,
      grpc_tls: CONSUL_GRPC_TLS_PORT,
      dns: CONSUL_DNS_PORT,
    },
    tls: {
      defaults: {
        ca_file: ctx.nomad.consul.caFile,
        cert_file: AGENT_PATHS.consulTls.cert,
        key_file: AGENT_PATHS.consulTls.key,
        verify_incoming: true,
        verify_outgoing: true,
        tls_min_version: "TLSv1_2",
      },
      internal_rpc: { verify_server_hostname: true },
      https: { verify_incoming: server },
      grpc: { verify_incoming: false },
    },
    acl: {
      enabled: true,
      default_policy: "deny",
      down_policy: "extend-cache",
      enable_token_persistence: true,
      tokens: {
        agent: secrets.consulAgentToken.secretId,
        // For DNS only (Consul >= 1.17): as the default token it would also let any request without a token read
        // the catalog on every HTTP API.
        dns: secrets.consulDnsToken.secretId,
        // initial_management: a file of its own on servers (consulInitialManagementConfig), removed once it is in Raft.
      },
    },
    connect: { enabled: true },
    telemetry: { prometheus_retention_time: "60s", disable_hostname: true },
  };
}

/**
 * A Consul server's initial management token, merged into its configuration from a file of its own that the
 * server removes once the cluster holds the token (BOOTSTRAP_PATHS.forgetScript): the token matters only until
 * the ACL system is bootstrapped.
 */
export function consulInitialManagementConfig(ctx: Pick<AgentContext, "secrets">) {
  return { acl: { tokens: { initial_management: ctx.secrets.consulManagementToken } } };
}

/**
 * Nomad agent configuration (JSON). Gossip encrypted; TLS on HTTP and RPC with verify_server_hostname and
 * verify_https_client; ACLs on; Consul integration over TLS with its own token; clients carry the node class
 * every job requires, the host volumes of the environment (read-write) and the node paths the jobs read
 * (read-only), CNI plugins for bridge networking, and a Docker driver that mounts no host path of its own and
 * runs no privileged container: a job mounts only the host volumes the client declares, as Nomad's ACLs allow.
 */
export function nomadAgentConfig(vm: LabVm, ctx: AgentContext) {
  const server = vm.role === "nomad-server";
  const servers = nomadServers(ctx.lab);
  const consulTls = {
    ca_file: ctx.nomad.consul.caFile,
    cert_file: AGENT_PATHS.consulTls.cert,
    key_file: AGENT_PATHS.consulTls.key,
  };
  const hostVolumes = Object.entries(ctx.nomad.hostVolumes).filter(([, placement]) => placement.client === vm.name);
  return {
    region: ctx.nomad.region,
    datacenter: ctx.nomad.datacenter,
    name: vm.name,
    data_dir: "/opt/nomad/data",
    bind_addr: "0.0.0.0",
    advertise: { http: vm.address, rpc: vm.address, serf: vm.address },
    ...(server
      ? {
          server: {
            enabled: true,
            bootstrap_expect: servers.length,
            encrypt: ctx.secrets.nomadGossipKey,
            server_join: { retry_join: servers.map((s) => s.address) },
          },
        }
      : {
          client: {
            enabled: true,
            node_class: ctx.nomad.workloadNodeClass,
            server_join: { retry_join: servers.map((s) => `${s.address}:4647`) },
            cni_path: AGENT_PATHS.cniBin,
            host_volume: {
              ...Object.fromEntries(
                hostVolumes.map(([name, placement]) => [name, { path: placement.path, read_only: false }]),
              ),
              ...Object.fromEntries(
                Object.entries(ctx.nodeVolumes).map(([name, path]) => [name, { path, read_only: true }]),
              ),
            },
          },
          plugin: { docker: { config: { volumes: { enabled: false }, allow_privileged: false } } },
        }),
    acl: { enabled: true },
    tls: {
      http: true,
      rpc: true,
      ca_file: AGENT_PATHS.nomadTls.ca,
      cert_file: AGENT_PATHS.nomadTls.cert,
      key_file: AGENT_PATHS.nomadTls.key,
      verify_server_hostname: true,
      verify_https_client: true,
    },
    consul: {
      address: `127.0.0.1:${ctx.nomad.consul.httpsPort}`,
      ssl: true,
      verify_ssl: true,
      ...consulTls,
      grpc_address: `127.0.0.1:${CONSUL_GRPC_TLS_PORT}`,
      grpc_ca_file: ctx.nomad.consul.caFile,
      token: ctx.secrets.nomadConsulToken.secretId,
      // Services register with their own workload identity's Consul token, and a task that reads Consul gets one
      // bound to its job's policy (workload-identity.ts).
      ...(server ? { service_identity: WORKLOAD_IDENTITY, task_identity: WORKLOAD_IDENTITY } : {}),
    },
    telemetry: {
      collection_interval: "10s",
      prometheus_metrics: true,
      publish_allocation_metrics: true,
      publish_node_metrics: true,
    },
  };
}
