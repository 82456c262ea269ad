import type { NomadTarget } from "../nomad/target";
import { AGENT_PATHS, NOMAD_HTTP_PORT } from "./agent-config";
import type { ClusterSecrets } from "./cluster-secrets";
import { consulTaskPolicyName, TASKS_POLICY, TASKS_POLICY_RULES, workloadIdentityBootstrap } from "./workload-identity";

/** Consul ACL policies the cluster needs before its agents can work under default-deny. */
export const CONSUL_POLICIES = {
  "argo-agents": 'node_prefix "" { policy = "write" }\nservice_prefix "" { policy = "read" }',
  "argo-dns":
    'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\nquery_prefix "" { policy = "read" }',
  "argo-nomad-agents": [
    'agent_prefix "" { policy = "read" }',
    'node_prefix "" { policy = "read" }',
    'service_prefix "" { policy = "write" }',
    // No acl = "write": services get their tokens from their workload identities (workload-identity.ts).
    'mesh = "write"',
  ].join("\n"),
} as const;

/** Where the deploy token's state lives (Consul KV) and which Nomad host volumes its jobs mount. */
export interface DeployScope {
  /** The nomad-lab stack's Consul KV state key (`<pathPrefix>/<stack>`); undefined when its state is not in Consul. */
  readonly stateKey?: string;
  /** Host volumes of the environment (the jobs mount each read-write). */
  readonly hostVolumes: readonly string[];
  /** The clients' read-only host volumes of node paths (the jobs mount each read-only). */
  readonly nodeVolumes: readonly string[];
  /**
   * Consul ACL rules of the jobs whose tasks read Consul, by job ID: each becomes the policy its tasks' workload
   * identities log in with (workload-identity.ts), so the deploy needs no right to make Consul tokens.
   */
  readonly consulReaders: Readonly<Record<string, string>>;
}

/**
 * The Consul KV key holding the Nomad deploy token's secret: Nomad chooses a token's secret itself (its API takes
 * none), so the lab's Nomad bootstrap creates the token and leaves its secret here, readable with the Consul
 * deploy token (and management) only.
 */
export const NOMAD_DEPLOY_TOKEN_KEY = "argo/lab/nomad-deploy-token";
export const DEPLOY_POLICY = "argo-deploy";

/**
 * What `cdktf deploy nomad-lab` needs from Consul, each rule found against the real agents (docs/nomad-lab.md):
 * the state and its lock (key and session), the Nomad deploy token's key, service-defaults (service write) and
 * service-intentions (intentions write, `*` included) of its services. No acl rights: the tasks that read Consul
 * log in with their workload identities, to the policies the bootstrap made for them (DeployScope.consulReaders).
 */
export function consulDeployRules(scope: DeployScope): string {
  return [
    ...(scope.stateKey
      ? [
          `key "${scope.stateKey}" { policy = "write" }`,
          `key_prefix "${scope.stateKey}/" { policy = "write" }`,
          'session_prefix "" { policy = "write" }',
        ]
      : []),
    `key "${NOMAD_DEPLOY_TOKEN_KEY}" { policy = "read" }`,
    'service_prefix "" { policy = "write" intentions = "write" }',
  ].join("\n");
}

/** Consul's policies: the cluster's own, the deploy policy and those of the tasks that read Consul. */
export function consulPolicies(scope: DeployScope): Record<string, string> {
  const readers = Object.entries(scope.consulReaders).map(([job, rules]) => [consulTaskPolicyName(job), rules]);
  return {
    ...CONSUL_POLICIES,
    [DEPLOY_POLICY]: consulDeployRules(scope),
    [TASKS_POLICY]: TASKS_POLICY_RULES,
    ...Object.fromEntries(readers),
  };
}

/**
 * What `cdktf deploy nomad-lab` needs from Nomad, each rule found against the real agents (docs/nomad-lab.md): submit
 * and read jobs in the default namespace (the only one its jobs use), write, read and delete the jobs' variables
 * (`nomad/jobs/*`), mount the environment's host volumes read-write and the node paths read-only. No listing,
 * node, agent, operator or ACL rights.
 */
export function nomadDeployRules(scope: DeployScope): string {
  return [
    'namespace "default" {',
    '  capabilities = ["submit-job", "read-job"]',
    "  variables {",
    '    path "nomad/jobs/*" { capabilities = ["write", "read", "destroy"] }',
    "  }",
    "}",
    ...scope.hostVolumes.map((name) => `host_volume "${name}" { policy = "write" }`),
    ...scope.nodeVolumes.map((name) => `host_volume "${name}" { policy = "read" }`),
  ].join("\n");
}

export const BOOTSTRAP_PATHS = {
  consulScript: "/usr/local/sbin/argo-consul-acl-bootstrap",
  consulUnit: "/etc/systemd/system/argo-consul-acl-bootstrap.service",
  consulEnv: "/etc/consul.d/acl-bootstrap.env",
  nomadScript: "/usr/local/sbin/argo-nomad-acl-bootstrap",
  nomadUnit: "/etc/systemd/system/argo-nomad-acl-bootstrap.service",
  nomadToken: "/etc/nomad.d/bootstrap.token",
  forgetScript: "/usr/local/sbin/argo-consul-forget-initial-management",
  forgetUnit: "/etc/systemd/system/argo-consul-forget-initial-management.service",
} as const;

/**
 * A finished bootstrap removes the management tokens cloud-init left on the host (the lab's Terraform state keeps
 * them, as outputs): a run after that has nothing to do.
 */
const ALREADY_BOOTSTRAPPED = `if [ ! -e ${BOOTSTRAP_PATHS.consulEnv} ] || [ ! -e ${BOOTSTRAP_PATHS.nomadToken} ]; then
  echo "ACLs were bootstrapped and the management tokens removed from this host (they are in the lab's Terraform state)"
  exit 0
fi`;

/** The consul CLI of the first server, over its TLS listener, with the management token cloud-init left there. */
function consulCliAsManagement(target: NomadTarget): string {
  return [
    ALREADY_BOOTSTRAPPED,
    "# shellcheck source=/dev/null # written by cloud-init with the tokens Terraform chose",
    `. ${BOOTSTRAP_PATHS.consulEnv}`,
    `export CONSUL_HTTP_ADDR=https://127.0.0.1:${target.consul.httpsPort}`,
    `export CONSUL_CACERT=${target.consul.caFile}`,
    `export CONSUL_CLIENT_CERT=${AGENT_PATHS.consulTls.cert}`,
    `export CONSUL_CLIENT_KEY=${AGENT_PATHS.consulTls.key}`,
    "export CONSUL_HTTP_TOKEN=$MANAGEMENT_TOKEN",
  ].join("\n");
}

/**
 * Creates Consul's policies and the agents', DNS and Nomad tokens with the IDs Terraform chose, once the
 * servers have a leader. Every step checks first, so running it again changes nothing.
 */
export function consulAclBootstrapScript(target: NomadTarget, scope: DeployScope): string {
  const policies = Object.entries(consulPolicies(scope))
    .map(([name, rules]) => `ensure_policy ${name} '${rules.replace(/'/g, "'\\''")}'`)
    .join("\n");
  return `#!/bin/bash
# Creates the cluster's Consul ACL policies and preset tokens. Safe to run again.
set -eu
${consulCliAsManagement(target)}

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
ensure_token "$DEPLOY_ACCESSOR" "$DEPLOY_SECRET" ${DEPLOY_POLICY} "nomad-lab deploy"
`;
}

/**
 * On every Consul server: waits until the cluster holds the initial management token (the leader creates it from
 * its configuration), then removes the file that carries it. A restarted server needs no such token.
 */
export function forgetInitialManagementScript(target: NomadTarget): string {
  const file = AGENT_PATHS.consulInitialManagement;
  return `#!/bin/bash
# Removes Consul's initial management token from this server once the cluster holds it. Safe to run again.
set -eu
[ -e ${file} ] || exit 0
token=$(sed -n 's/.*"initial_management": *"\\([^"]*\\)".*/\\1/p' ${file})
export CONSUL_HTTP_ADDR=https://127.0.0.1:${target.consul.httpsPort}
export CONSUL_CACERT=${target.consul.caFile}
export CONSUL_CLIENT_CERT=${AGENT_PATHS.consulTls.cert}
export CONSUL_CLIENT_KEY=${AGENT_PATHS.consulTls.key}
until CONSUL_HTTP_TOKEN=$token consul acl token read -self >/dev/null 2>&1; do sleep 5; done
rm -f ${file}
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
    DEPLOY_ACCESSOR: secrets.consulDeployToken.accessorId,
    DEPLOY_SECRET: secrets.consulDeployToken.secretId,
  };
  return (
    Object.entries(lines)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n") + "\n"
  );
}

/**
 * Bootstraps Nomad's ACL system with the token Terraform generated, once there is a leader; then applies the deploy
 * policy and creates the deploy token once, leaving its secret in Consul KV (NOMAD_DEPLOY_TOKEN_KEY). Safe to run
 * again: a deploy token whose secret still works is kept.
 */
export function nomadAclBootstrapScript(target: NomadTarget, scope: DeployScope): string {
  return `#!/bin/bash
# Bootstraps Nomad ACLs with a preset management token, then the nomad-lab deploy policy and token. Safe to run again.
set -eu
export NOMAD_ADDR=https://127.0.0.1:${NOMAD_HTTP_PORT}
export NOMAD_CACERT=${AGENT_PATHS.nomadTls.ca}
export NOMAD_CLIENT_CERT=${AGENT_PATHS.nomadTls.cert}
export NOMAD_CLIENT_KEY=${AGENT_PATHS.nomadTls.key}

${ALREADY_BOOTSTRAPPED}
until nomad status >/dev/null 2>&1 || nomad status 2>&1 | grep -q "Permission denied"; do sleep 5; done
if ! NOMAD_TOKEN=$(cat ${BOOTSTRAP_PATHS.nomadToken}) nomad acl token self >/dev/null 2>&1; then
  nomad acl bootstrap ${BOOTSTRAP_PATHS.nomadToken} >/dev/null
fi
NOMAD_TOKEN=$(cat ${BOOTSTRAP_PATHS.nomadToken})
export NOMAD_TOKEN

# The deploy policy as rendered (apply replaces an older one).
nomad acl policy apply -description "cdktf deploy nomad-lab" ${DEPLOY_POLICY} - >/dev/null <<'POLICY'
${nomadDeployRules(scope)}
POLICY

${consulCliAsManagement(target)}
until consul acl policy list >/dev/null 2>&1; do sleep 5; done

${workloadIdentityBootstrap()}

# The deploy token: Nomad chooses its secret, kept in Consul KV for the holder of Consul's deploy token.
secret=$(consul kv get ${NOMAD_DEPLOY_TOKEN_KEY} 2>/dev/null || true)
if [ -z "$secret" ] || ! NOMAD_TOKEN=$secret nomad acl token self >/dev/null 2>&1; then
  secret=$(nomad acl token create -name "nomad-lab deploy" -policy ${DEPLOY_POLICY} -t '{{ .SecretID }}')
  printf %s "$secret" | consul kv put ${NOMAD_DEPLOY_TOKEN_KEY} - >/dev/null
fi

# Both bootstraps are done (this unit runs after Consul's): nothing on this host needs the management tokens now.
rm -f ${BOOTSTRAP_PATHS.nomadToken} ${BOOTSTRAP_PATHS.consulEnv}
`;
}

/** A oneshot unit that runs a bootstrap script after an agent is up and stays "active" once done. */
export function oneshotUnit(description: string, after: readonly string[], script: string): string {
  return `[Unit]
Description=${description}
After=${after.join(" ")}
Requires=${after.join(" ")}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${script}

[Install]
WantedBy=multi-user.target
`;
}
