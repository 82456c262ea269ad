import { Id } from "@cdktf/provider-random/lib/id";
import { Uuid } from "@cdktf/provider-random/lib/uuid";
import { Construct } from "../cdktf";

/** An ACL token whose accessor and secret IDs Terraform chooses, so that agents can be configured before it exists. */
export interface PresetToken {
  readonly accessorId: string;
  readonly secretId: string;
}

/**
 * Every shared secret of the Nomad and Consul clusters, generated at deploy time: gossip encryption keys
 * (32 random bytes, base64) and ACL tokens. They reach the VMs only through cloud-init snippets.
 */
export class ClusterSecrets extends Construct {
  readonly consulGossipKey: string;
  readonly nomadGossipKey: string;
  /** Consul's initial management token (acl.tokens.initial_management). */
  readonly consulManagementToken: string;
  /** Nomad's bootstrap (management) token. */
  readonly nomadBootstrapToken: string;
  /** Consul agents' own token (node registration). */
  readonly consulAgentToken: PresetToken;
  /** Consul's default token: lets DNS answer `.consul` queries under default-deny ACLs. */
  readonly consulDnsToken: PresetToken;
  /** The token Nomad agents use to register services and Connect sidecars in Consul. */
  readonly nomadConsulToken: PresetToken;
  /** The deployer's Consul token for nomad-lab (policy argo-deploy), the lab stack's output consul_deploy_token. */
  readonly consulDeployToken: PresetToken;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.consulGossipKey = new Id(this, "consul-gossip-key", { byteLength: 32 }).b64Std;
    this.nomadGossipKey = new Id(this, "nomad-gossip-key", { byteLength: 32 }).b64Std;
    this.consulManagementToken = new Uuid(this, "consul-management-token").result;
    this.nomadBootstrapToken = new Uuid(this, "nomad-bootstrap-token").result;
    const preset = (name: string): PresetToken => ({
      accessorId: new Uuid(this, `${name}-accessor`).result,
      secretId: new Uuid(this, `${name}-secret`).result,
    });
    this.consulAgentToken = preset("consul-agent-token");
    this.consulDnsToken = preset("consul-dns-token");
    this.nomadConsulToken = preset("nomad-consul-token");
    this.consulDeployToken = preset("consul-deploy-token");
  }
}
