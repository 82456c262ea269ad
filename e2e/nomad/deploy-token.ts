/**
 * Issue 18: the tokens the runbook's deploy used are the lab's deploy tokens (policy argo-deploy in Nomad and in
 * Consul), not management tokens, and the real agents refuse them what a deploy does not need.
 */
import { DEPLOY_POLICY } from "../../constructs/lab/acl-bootstrap";
import { assert, check } from "../report";
import type { Answer, RequestOptions } from "./api";
import type { Host } from "./hosts";

type Api = (host: Host, p: string, options?: RequestOptions) => Promise<Answer>;

export interface DeployTokenContext {
  readonly server: Host;
  readonly consul: Api;
  readonly nomad: Api;
  /** The environment the runbook's steps left (NOMAD_TOKEN, CONSUL_HTTP_TOKEN). */
  readonly env: NodeJS.ProcessEnv;
  /** The nomad-lab stack's state key in Consul KV. */
  readonly stateKey: string;
  /** The management tokens, to tell them apart from what the deploy used. */
  readonly management: { readonly consul: string; readonly nomad: string };
}

interface Probe {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

/**
 * Each request must be refused by the real agent: 403, or (the client endpoints Nomad's servers forward, such as
 * allocation logs) an error status whose body says "Permission denied".
 */
async function refused(api: Api, host: Host, token: string, probes: readonly Probe[]): Promise<string[]> {
  const allowed: string[] = [];
  const seen: string[] = [];
  for (const probe of probes) {
    const answer = await api(host, probe.path, { token, method: probe.method, body: probe.body });
    const denied = answer.status === 403 || (answer.status >= 400 && /permission denied/i.test(answer.body));
    if (!denied)
      allowed.push(
        `${probe.what} (${probe.method} ${probe.path}): ${answer.status} ${answer.body.trim().slice(0, 160)}`,
      );
    else seen.push(`${probe.what} ${answer.status}`);
  }
  assert(allowed.length === 0, `the deploy token was allowed:\n  ${allowed.join("\n  ")}`);
  return seen;
}

export async function deployTokenChecks(ctx: DeployTokenContext): Promise<void> {
  const nomadToken = ctx.env.NOMAD_TOKEN ?? "";
  const consulToken = ctx.env.CONSUL_HTTP_TOKEN ?? "";

  await check(
    `the deploy ran with the lab's deploy tokens (policy ${DEPLOY_POLICY}), not management tokens`,
    async () => {
      assert(
        nomadToken && consulToken,
        `the runbook's steps left NOMAD_TOKEN=${nomadToken ? "set" : "unset"}, CONSUL_HTTP_TOKEN=${consulToken ? "set" : "unset"}`,
      );
      assert(nomadToken !== ctx.management.nomad, "NOMAD_TOKEN is Nomad's management token");
      assert(consulToken !== ctx.management.consul, "CONSUL_HTTP_TOKEN is Consul's management token");
      const self = await ctx.nomad(ctx.server, "/v1/acl/token/self", { token: nomadToken });
      assert(self.status === 200, `nomad acl token self: ${self.status} ${self.body}`);
      const nomadSelf = self.json<any>();
      assert(
        nomadSelf.Type === "client" && JSON.stringify(nomadSelf.Policies) === JSON.stringify([DEPLOY_POLICY]),
        `Nomad token: type ${nomadSelf.Type}, policies ${JSON.stringify(nomadSelf.Policies)}`,
      );
      const consulSelf = await ctx.consul(ctx.server, "/v1/acl/token/self", { token: consulToken });
      assert(consulSelf.status === 200, `consul acl token read -self: ${consulSelf.status} ${consulSelf.body}`);
      const policies = (consulSelf.json<any>().Policies ?? []).map((p: any) => p.Name);
      assert(
        JSON.stringify(policies) === JSON.stringify([DEPLOY_POLICY]),
        `Consul token policies: ${JSON.stringify(policies)}`,
      );
      return `Nomad: ${nomadSelf.Name} (${nomadSelf.Type}, ${nomadSelf.Policies.join(", ")}); Consul: ${policies.join(", ")}`;
    },
  );

  await check(
    "Nomad refuses the deploy token ACL, agent, operator, node, log and foreign-variable requests",
    async () => {
      const nodes = await ctx.nomad(ctx.server, "/v1/nodes");
      const node = nodes.json<any[]>()[0]?.ID ?? "unknown";
      const allocations = await ctx.nomad(ctx.server, "/v1/allocations");
      const alloc = allocations.json<any[]>()[0]?.ID ?? "unknown";
      const seen = await refused(ctx.nomad, ctx.server, nomadToken, [
        { what: "nomad acl token list", method: "GET", path: "/v1/acl/tokens" },
        {
          what: "nomad acl policy apply",
          method: "POST",
          path: "/v1/acl/policy/argo-e2e-forged",
          body: { Name: "argo-e2e-forged", Rules: 'namespace "*" { policy = "write" }' },
        },
        { what: "nomad acl token create", method: "POST", path: "/v1/acl/token", body: { Type: "management" } },
        { what: "agent self", method: "GET", path: "/v1/agent/self" },
        { what: "agent members", method: "GET", path: "/v1/agent/members" },
        { what: "operator raft configuration", method: "GET", path: "/v1/operator/raft/configuration" },
        { what: "operator scheduler configuration", method: "GET", path: "/v1/operator/scheduler/configuration" },
        { what: "job list (no list-jobs)", method: "GET", path: "/v1/jobs" },
        { what: "node list", method: "GET", path: "/v1/nodes" },
        { what: "node drain", method: "POST", path: `/v1/node/${node}/drain`, body: { DrainSpec: { Deadline: 0 } } },
        { what: "allocation logs", method: "GET", path: `/v1/client/fs/logs/${alloc}?task=x&type=stderr&plain=true` },
        {
          what: "variable outside nomad/jobs",
          method: "PUT",
          path: "/v1/var/argo-e2e/outside",
          body: { Items: { a: "b" } },
        },
        { what: "namespace create", method: "POST", path: "/v1/namespace/argo-e2e", body: { Name: "argo-e2e" } },
      ]);
      // Nomad answers a client token's policy listing with its own policies only (filtered, not refused).
      const listed = await ctx.nomad(ctx.server, "/v1/acl/policies", { token: nomadToken });
      const names = listed.status === 200 ? listed.json<any[]>().map((p) => p.Name) : [];
      assert(
        JSON.stringify(names) === JSON.stringify([DEPLOY_POLICY]),
        `nomad acl policy list with the deploy token: ${listed.status} ${listed.body.slice(0, 200)}`,
      );
      return `${seen.join("; ")}; nomad acl policy list shows only ${names.join(", ")}`;
    },
  );

  await check(
    "Consul refuses the deploy token KV outside the state, agent, node, operator, catalog and ACL writes",
    async () => {
      const outside = `${ctx.stateKey}-argo-e2e-outside`;
      const seen = await refused(ctx.consul, ctx.server, consulToken, [
        { what: "KV write outside the state", method: "PUT", path: "/v1/kv/argo-e2e/outside", body: "x" },
        { what: "KV write beside the state key", method: "PUT", path: `/v1/kv/${outside}`, body: "x" },
        { what: "agent self", method: "GET", path: "/v1/agent/self" },
        { what: "agent token update", method: "PUT", path: "/v1/agent/token/agent", body: { Token: "x" } },
        { what: "operator raft configuration", method: "GET", path: "/v1/operator/raft/configuration" },
        { what: "operator keyring", method: "GET", path: "/v1/operator/keyring" },
        {
          what: "catalog node register",
          method: "PUT",
          path: "/v1/catalog/register",
          body: { Node: "argo-e2e-forged", Address: "10.0.0.1" },
        },
        { what: "acl token create", method: "PUT", path: "/v1/acl/token", body: { Description: "argo-e2e forged" } },
        { what: "acl policy create", method: "PUT", path: "/v1/acl/policy", body: { Name: "argo-e2e-forged" } },
        {
          what: "mesh-wide proxy-defaults",
          method: "PUT",
          path: "/v1/config",
          body: { Kind: "proxy-defaults", Name: "global" },
        },
      ]);
      const state = await ctx.consul(ctx.server, `/v1/kv/${ctx.stateKey}?keys`, { token: consulToken });
      assert(state.status === 200, `the deploy token cannot list its own state: ${state.status}`);
      return `${seen.join("; ")}; its state key readable (${state.json<string[]>().join(", ")})`;
    },
  );
}
