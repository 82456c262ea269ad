import { AclPolicy } from "@cdktf/provider-consul/lib/acl-policy";
import { AclToken } from "@cdktf/provider-consul/lib/acl-token";
import { DataConsulAclTokenSecretId } from "@cdktf/provider-consul/lib/data-consul-acl-token-secret-id";
import { Construct } from "../cdktf";

/** Read access to Consul's catalog, which discovery clients (Fabio, Prometheus) need once ACLs are on. */
export const CATALOG_READ_RULES = [
  'service_prefix "" {',
  '  policy = "read"',
  "}",
  'node_prefix "" {',
  '  policy = "read"',
  "}",
].join("\n");

/**
 * A Consul ACL token with one policy, created at deploy time. Its secret ID is exposed only as a Terraform
 * reference, to be stored in a Nomad Variable for the job that uses it.
 */
export class ConsulReadToken extends Construct {
  readonly secretId: string;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly name: string; readonly description: string; readonly rules: string },
  ) {
    super(scope, id);
    const policy = new AclPolicy(this, "policy", {
      name: props.name,
      description: props.description,
      rules: props.rules,
    });
    const token = new AclToken(this, "token", { description: props.description, policies: [policy.name] });
    this.secretId = new DataConsulAclTokenSecretId(this, "secret", { accessorId: token.id }).secretId;
  }
}
