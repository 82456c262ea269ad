/**
 * The eks stack as a Kubernetes API server without AWS can take it: its Kubernetes objects exactly as
 * synthesized, everything else removed or stood in for, each change named (`changes`), so the e2e applies what
 * production applies and says what it could not.
 *
 * - The blocks of the aws, helm and http providers are removed (tools/validate's reduction: a reference to a
 *   removed block becomes a variable). The load balancer controller's Helm chart cannot be downloaded here, and
 *   the http data source fetches the controller's IAM policy for an AWS resource.
 * - Each remaining reference to an AWS resource (the RDS endpoint, the access-log bucket, the web ACL's ARN...)
 *   gets a representative value (REPRESENTATIVE_VALUES); a reference without one fails the reduction, listing
 *   every such reference.
 * - The kubernetes provider points at the test's kubeconfig instead of the EKS cluster's outputs (exec `aws eks
 *   get-token`); the S3 backend becomes local state in the run's directory.
 * - Deployments, StatefulSets and DaemonSets are applied without waiting for their rollout (without nodes no pod
 *   ever runs), the Ingress without waiting for its load balancer (no controller writes its status). The objects
 *   the API server stores are the same.
 * - Outputs are removed: they name the EKS cluster and read the ALB's hostname, which the controller writes.
 */
import { reduceConfig, mapInterpolations } from "../../tools/validate/checks/terraform";
import type { TerraformJson } from "../../tools/validate/stacks";

/** The providers whose blocks cannot be applied here. */
export const REMOVED_PROVIDERS = ["aws", "helm", "http"] as const;

/** What the provider would wait for after creating an object, which nothing here ever does, by resource type. */
export const WAITS: Readonly<Record<string, { readonly argument: string; readonly why: string }>> = {
  kubernetes_deployment_v1: { argument: "wait_for_rollout", why: "no nodes run its pods" },
  kubernetes_stateful_set_v1: { argument: "wait_for_rollout", why: "no nodes run its pods" },
  kubernetes_daemon_set_v1: { argument: "wait_for_rollout", why: "no nodes run its pods" },
  kubernetes_ingress_v1: {
    argument: "wait_for_load_balancer",
    why: "no load balancer controller writes its status",
  },
};

/**
 * What Terraform would know after creating the AWS side, by `resource type.attribute path`: values of the kind
 * AWS returns, in the account and region of the eks stack's environment (environments/aws.ts).
 */
export const REPRESENTATIVE_VALUES: Readonly<Record<string, unknown>> = {
  "aws_db_instance.address": "argo-postgres.c9akciq32example.eu-west-1.rds.amazonaws.com",
  "aws_eks_cluster.identity[0].oidc[0].issuer":
    "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
  "aws_eks_cluster.name": "argo",
  "aws_eks_cluster.endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
  "aws_s3_bucket.bucket": "argo-load-balancer-logs-111122223333",
  "aws_wafv2_web_acl.arn":
    "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/argo-load-balancer/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
};

export interface KubernetesPart {
  readonly config: TerraformJson;
  /** What differs from the synthesized stack, one line each. */
  readonly changes: string[];
  /** Addresses of the removed blocks, by provider. */
  readonly removed: ReadonlyMap<string, readonly string[]>;
  /** Each stood-in reference and its value. */
  readonly standIns: readonly { readonly reference: string; readonly value: unknown }[];
}

const VARIABLE_REFERENCE = /var\.(unchecked_[\w-]+)((?:\.[A-Za-z_][\w-]*|\[\d+\])*)/g;

/** The Kubernetes part of a synthesized eks stack, for a control plane reached through `kubeconfig`. */
export function kubernetesPart(stack: TerraformJson, kubeconfig: string): KubernetesPart {
  const changes: string[] = [];
  const withoutProviders: Record<string, any> = JSON.parse(JSON.stringify(stack));
  // Replaced before the reduction, so their references to the EKS cluster need no stand-ins.
  const providers = withoutProviders.provider ?? {};
  if (!providers.kubernetes) throw new Error("the stack has no kubernetes provider block");
  providers.kubernetes = [{ config_path: kubeconfig }];
  changes.push(`provider kubernetes: the test's kubeconfig instead of the EKS cluster's endpoint and token`);
  if (withoutProviders.output) {
    changes.push(`outputs removed: ${Object.keys(withoutProviders.output).join(", ")}`);
    delete withoutProviders.output;
  }
  if (withoutProviders.terraform?.backend) {
    changes.push(`backend ${Object.keys(withoutProviders.terraform.backend).join(", ")} → local state`);
    delete withoutProviders.terraform.backend;
  }

  const { config, removed } = reduceConfig(withoutProviders as TerraformJson, new Set(REMOVED_PROVIDERS));
  const reduced: Record<string, any> = config;
  for (const [provider, addresses] of removed)
    changes.push(`${addresses.length} ${provider} block(s) removed: ${addresses.join(", ")}`);

  for (const [type, wait] of Object.entries(WAITS))
    for (const [name, body] of Object.entries<Record<string, unknown>>(reduced.resource?.[type] ?? {}))
      if (body[wait.argument] !== false) {
        body[wait.argument] = false;
        changes.push(`${type}.${name}: ${wait.argument} false (${wait.why})`);
      }

  // Each variable the reduction declared stands for one removed block; it gets an object holding exactly the
  // attributes the remaining configuration reads from it.
  const declared: Record<string, { description?: string }> = reduced.variable ?? {};
  const addressOf = new Map<string, string>();
  for (const addresses of removed.values())
    for (const address of addresses)
      addressOf.set(`unchecked_${address.replace(/\./g, "__").replace(/[^\w-]/g, "_")}`, address);
  const read = new Map<string, Set<string>>();
  const collect = (value: unknown): void => {
    if (typeof value === "string")
      mapInterpolations(value, (expression) => {
        for (const m of expression.matchAll(VARIABLE_REFERENCE))
          read.set(m[1], (read.get(m[1]) ?? new Set()).add(m[2].replace(/^\./, "")));
        return expression;
      });
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) if (k !== "//") collect(v);
  };
  collect({ ...reduced, variable: undefined });

  const standIns: { reference: string; value: unknown }[] = [];
  const unknown: string[] = [];
  const variables: Record<string, unknown> = {};
  for (const name of Object.keys(declared)) {
    const paths = read.get(name);
    if (!paths) continue; // read by nothing that is left
    const address = addressOf.get(name) ?? name;
    const type = address.replace(/^data\./, "").split(".")[0];
    const object: Record<string, unknown> = {};
    for (const attributePath of [...paths].sort()) {
      const key = `${type}.${attributePath}`;
      if (!(key in REPRESENTATIVE_VALUES)) {
        unknown.push(`${address}.${attributePath}`);
        continue;
      }
      setPath(object, attributePath, REPRESENTATIVE_VALUES[key]);
      standIns.push({ reference: `${address}.${attributePath}`, value: REPRESENTATIVE_VALUES[key] });
    }
    variables[name] = { type: "any", default: object, description: `Stands for ${address} (AWS, not applied here).` };
  }
  if (unknown.length)
    throw new Error(
      `no representative value for ${unknown.sort().join(", ")}: add one to REPRESENTATIVE_VALUES (e2e/k8s/kubernetes-part.ts), keyed by resource type and attribute path`,
    );
  if (Object.keys(variables).length) reduced.variable = variables;
  else delete reduced.variable;
  for (const s of standIns) changes.push(`${s.reference} = ${JSON.stringify(s.value)}`);
  return { config: reduced as TerraformJson, changes, removed, standIns };
}

/** Sets `identity[0].oidc[0].issuer` in `object`, creating the lists and objects on the way. */
function setPath(object: Record<string, unknown>, attributePath: string, value: unknown): void {
  const steps = [...attributePath.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  let here: any = object;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    if (last) here[step] = value;
    else here = here[step] ??= typeof steps[i + 1] === "number" ? [] : {};
  });
}
