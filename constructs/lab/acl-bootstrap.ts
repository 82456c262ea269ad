import type { NomadTarget } from "../nomad/target";
import { AGENT_PATHS } from "./agent-config";
import type { ClusterSecrets } from "./cluster-secrets";

/** Consul ACL policies the cluster needs before its agents can work under default-deny. */
export const CONSUL_POLICIES = {
  "argo-agents": 'node_prefix "" { policy = "write" }\nservice_prefix "" { policy = "read" }',
  "argo-dns":
    'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\nquery_prefix "" { policy = "read" }',
  "argo-nomad-agents": [
    'agent_prefix "" { policy = "read" }',
    'node_prefix "" { policy = "read" }',
    'service_prefix "" { policy = "write" }',
    'acl = "write"',
    'mesh = "write"',
  ].join("\n"),
} as const;

export const BOOTSTRAP_PATHS = {
  consulScript: "/usr/local/sbin/argo-consul-acl-bootstrap",
  consulUnit: "/etc/systemd/system/argo-consul-acl-bootstrap.service",
  consulEnv: "/etc/consul.d/acl-bootstrap.env",
  nomadScript: "/usr/local/sbin/argo-nomad-acl-bootstrap",
  nomadUnit: "/etc/systemd/system/argo-nomad-acl-bootstrap.service",
  nomadToken: "/etc/nomad.d/bootstrap.token",
} as const;

/**
 * Creates Consul's policies and the agents', DNS and Nomad tokens with the IDs Terraform chose, once the
 * servers have a leader. Every step checks first, so running it again changes nothing.
 */
export function consulAclBootstrapScript(target: NomadTarget): string {
  const policies = Object.entries(CONSUL_POLICIES)
    .map(([name, rules]) => `ensure_policy ${name} '${rules.replace(/'/g, "'\\''")}'`)
    .join("\n");
  return `#!/bin/bash
# Creates the cluster's Consul ACL policies and preset tokens. Safe to run again.
set -eu
# shellcheck source=/dev/null # written by cloud-init with the tokens Terraform chose
. ${BOOTSTRAP_PATHS.consulEnv}
export CONSUL_HTTP_ADDR=https://127.0.0.1:${target.consul.httpsPort}
export CONSUL_CACERT=${target.consul.caFile}
export CONSUL_CLIENT_CERT=${AGENT_PATHS.consulTls.cert}
export CONSUL_CLIENT_KEY=${AGENT_PATHS.consulTls.key}
export CONSUL_HTTP_TOKEN=$MANAGEMENT_TOKEN

until consul acl policy list >/dev/null 2>&1; do sleep 5; done

ensure_policy() {
  consul acl policy read -name "$1" >/dev/null 2>&1 || consul acl policy create -name "$1" -rules "$2" >/dev/null
}
ensure_token() {
  consul acl token read -accessor-id "$1" >/dev/null 2>&1 ||
    consul acl token create -accessor "$1" -secret "$2" -policy-name "$3" -description "$4" >/dev/null
}

${policies}
ensure_token "$AGENT_ACCESSOR" "$AGENT_SECRET" argo-agents "Consul agents"
ensure_token "$DNS_ACCESSOR" "$DNS_SECRET" argo-dns "Consul DNS"
ensure_token "$NOMAD_ACCESSOR" "$NOMAD_SECRET" argo-nomad-agents "Nomad agents"
`;
}

/** The environment file the Consul bootstrap script reads (root only): Terraform references, filled at deploy. */
export function consulAclBootstrapEnv(secrets: ClusterSecrets): string {
  const lines = {
    MANAGEMENT_TOKEN: secrets.consulManagementToken,
    AGENT_ACCESSOR: secrets.consulAgentToken.accessorId,
    AGENT_SECRET: secrets.consulAgentToken.secretId,
    DNS_ACCESSOR: secrets.consulDnsToken.accessorId,
    DNS_SECRET: secrets.consulDnsToken.secretId,
    NOMAD_ACCESSOR: secrets.nomadConsulToken.accessorId,
    NOMAD_SECRET: secrets.nomadConsulToken.secretId,
  };
  return (
    Object.entries(lines)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n") + "\n"
  );
}

/** Bootstraps Nomad's ACL system with the token Terraform generated, once there is a leader. Safe to run again. */
export function nomadAclBootstrapScript(): string {
  return `#!/bin/bash
# Bootstraps Nomad ACLs with a preset management token. Safe to run again.
set -eu
export NOMAD_ADDR=https://127.0.0.1:4646
export NOMAD_CACERT=${AGENT_PATHS.nomadTls.ca}
export NOMAD_CLIENT_CERT=${AGENT_PATHS.nomadTls.cert}
export NOMAD_CLIENT_KEY=${AGENT_PATHS.nomadTls.key}

until nomad status >/dev/null 2>&1 || nomad status 2>&1 | grep -q "Permission denied"; do sleep 5; done
if NOMAD_TOKEN=$(cat ${BOOTSTRAP_PATHS.nomadToken}) nomad acl token self >/dev/null 2>&1; then
  exit 0
fi
nomad acl bootstrap ${BOOTSTRAP_PATHS.nomadToken} >/dev/null
`;
}

/** A oneshot unit that runs a bootstrap script after an agent is up and stays "active" once done. */
export function oneshotUnit(description: string, after: string, script: string): string {
  return `[Unit]
Description=${description}
After=${after}
Requires=${after}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${script}

[Install]
WantedBy=multi-user.target
`;
}
