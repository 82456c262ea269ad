/**
 * Every rule of the registry fires on a fixture: a minimal fragment of synthesized Terraform JSON that breaks
 * it, turned into resources of a stack and judged by the policy aspect the stacks add (`applyPolicies` with
 * its default rules). A rule whose check is emptied, or that is left out of the registry, fails here.
 */
import { App, Testing, TerraformResource, TerraformStack, type IConstruct } from "../../constructs/cdktf";
import * as policy from "../../constructs/policy";
import { ALL_RULES, applyPolicies, suppressRule, type PolicyRule } from "../../constructs/policy";

/** A resource whose synthesized attributes are given as JSON, as `cdk.tf.json` holds them. */
class FixtureResource extends TerraformResource {
  constructor(
    scope: IConstruct,
    name: string,
    type: string,
    private readonly attributes: Record<string, unknown>,
  ) {
    super(scope as TerraformStack, name, { terraformResourceType: type });
  }
  get id(): string {
    return this.getStringAttribute("id");
  }
  get arn(): string {
    return this.getStringAttribute("arn");
  }
  protected synthesizeAttributes(): Record<string, unknown> {
    return this.attributes;
  }
}

type Fragment = Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;

/** The policy findings on a stack of `resource` (the `resource` block of a cdk.tf.json), by rule id. */
function findingsOn(resource: Fragment, prepare?: (nodes: Map<string, IConstruct>) => void): Map<string, string[]> {
  const app = Testing.app() as App;
  const stack = new TerraformStack(app, "fixture");
  const nodes = new Map<string, IConstruct>();
  for (const [type, byName] of Object.entries(resource))
    for (const [name, attributes] of Object.entries(byName))
      nodes.set(`${type}.${name}`, new FixtureResource(stack, name, type, attributes));
  prepare?.(nodes);
  applyPolicies(stack);
  Testing.synth(stack);
  const byRule = new Map<string, string[]>();
  for (const node of stack.node.findAll())
    for (const entry of node.node.metadata) {
      const match = /^\[([A-Z0-9-]+)\] (.*)$/.exec(String(entry.data));
      if (match) byRule.set(match[1], [...(byRule.get(match[1]) ?? []), `${entry.type}: ${match[2]}`]);
    }
  return byRule;
}

const container = (overrides: Record<string, unknown>) =>
  JSON.stringify([
    {
      name: "web",
      image: "nginx:1.27.1",
      cpu: 256,
      memory: 512,
      healthCheck: { command: ["CMD", "true"] },
      readonlyRootFilesystem: true,
      privileged: false,
      ...overrides,
    },
  ]);
const task = (attributes: Record<string, unknown>): Fragment => ({
  aws_ecs_task_definition: { web: { family: "web", container_definitions: container({}), ...attributes } },
});
const taskWith = (overrides: Record<string, unknown>) => task({ container_definitions: container(overrides) });
const database = (attributes: Record<string, unknown>): Fragment => ({
  aws_db_instance: {
    db: {
      identifier: "db",
      storage_encrypted: true,
      kms_key_id: "${aws_kms_key.db.arn}",
      publicly_accessible: false,
      multi_az: true,
      deletion_protection: true,
      backup_retention_period: 7,
      skip_final_snapshot: false,
      ...attributes,
    },
  },
});
const securityContext = {
  run_as_non_root: true,
  allow_privilege_escalation: false,
  privileged: false,
  read_only_root_filesystem: true,
  capabilities: { drop: ["ALL"] },
};
const deployment = (context: Record<string, unknown>): Fragment => ({
  kubernetes_deployment_v1: {
    web: {
      metadata: { name: "web" },
      spec: {
        template: {
          spec: {
            container: [
              {
                name: "web",
                image: "nginx:1.27.1",
                resources: { limits: { cpu: "250m", memory: "128Mi" } },
                readiness_probe: { http_get: { path: "/" } },
                security_context: { ...securityContext, ...context },
              },
            ],
          },
        },
      },
    },
  },
});
const loadBalancer = (attributes: Record<string, unknown>): Fragment => ({
  aws_lb: {
    public: {
      name: "public",
      load_balancer_type: "application",
      internal: false,
      enable_deletion_protection: true,
      drop_invalid_header_fields: true,
      access_logs: { bucket: "logs", enabled: true },
      ...attributes,
    },
  },
});
const logGroup = (attributes: Record<string, unknown>): Fragment => ({
  aws_cloudwatch_log_group: { logs: { name: "logs", kms_key_id: "${aws_kms_key.logs.arn}", ...attributes } },
});
const cluster = (vpcConfig: Record<string, unknown>, attributes: Record<string, unknown> = {}): Fragment => ({
  aws_eks_cluster: {
    k: {
      name: "k",
      enabled_cluster_log_types: ["api", "audit", "authenticator"],
      vpc_config: { endpoint_public_access: false, ...vpcConfig },
      encryption_config: { resources: ["secrets"], provider: { key_arn: "${aws_kms_key.k.arn}" } },
      ...attributes,
    },
  },
});
const launchTemplate = (options: Record<string, unknown>): Fragment => ({
  aws_launch_template: {
    nodes: { name: "nodes", metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1, ...options } },
  },
});

/** For each rule, a fragment that breaks it and the finding expected, as the synth annotates it. */
const FIXTURES = new Map<PolicyRule, { fragment: Fragment; finding: string }>([
  [policy.imageTagPinned, { fragment: taskWith({ image: "nginx:latest" }), finding: "web runs image" }],
  [policy.healthCheckRequired, { fragment: taskWith({ healthCheck: undefined }), finding: "web has no health check" }],
  [policy.resourcesRequired, { fragment: taskWith({ cpu: 0, memory: 0 }), finding: "web declares no CPU or memory" }],
  [
    policy.noLiteralSecret,
    {
      fragment: taskWith({ environment: [{ name: "DB_PASSWORD", value: "fixture-not-a-secret" }] }),
      finding: "web sets DB_PASSWORD to a literal value",
    },
  ],
  [
    policy.vpcFlowLogs,
    { fragment: { aws_vpc: { main: { tags: { Name: "main" } } } }, finding: "VPC main has no flow log" },
  ],
  [
    policy.vpcDefaultSecurityGroupClosed,
    {
      fragment: {
        aws_vpc: { main: { tags: { Name: "main" } } },
        aws_default_security_group: {
          default: { vpc_id: "${aws_vpc.main.id}", ingress: [{ from_port: 0, to_port: 0, protocol: "-1" }] },
        },
      },
      finding: "the default security group of VPC main has 1 rule(s)",
    },
  ],
  [
    policy.eksPublicEndpoint,
    {
      fragment: cluster({ endpoint_public_access: true, public_access_cidrs: ["0.0.0.0/0"] }),
      finding: "k opens its public endpoint to 0.0.0.0/0",
    },
  ],
  [
    policy.eksControlPlaneLogs,
    { fragment: cluster({}, { enabled_cluster_log_types: ["api"] }), finding: 'k does not log "audit"' },
  ],
  [
    policy.eksSecretsEncryption,
    { fragment: cluster({}, { encryption_config: undefined }), finding: "k does not encrypt Secrets" },
  ],
  [policy.ec2Imdsv2, { fragment: launchTemplate({ http_tokens: "optional" }), finding: "nodes allows IMDSv1" }],
  [
    policy.ec2MetadataHopLimit,
    { fragment: launchTemplate({ http_put_response_hop_limit: 2 }), finding: "nodes has metadata hop limit 2" },
  ],
  [policy.rdsEncrypted, { fragment: database({ storage_encrypted: false }), finding: "db is not encrypted" }],
  [policy.rdsPrivate, { fragment: database({ publicly_accessible: true }), finding: "db is publicly accessible" }],
  [policy.rdsMultiAz, { fragment: database({ multi_az: false }), finding: "db runs in a single availability zone" }],
  [
    policy.rdsDeletionProtection,
    { fragment: database({ deletion_protection: false }), finding: "db has no deletion protection" },
  ],
  [policy.rdsBackups, { fragment: database({ backup_retention_period: 0 }), finding: "db keeps no automated backups" }],
  [
    policy.rdsFinalSnapshot,
    { fragment: database({ skip_final_snapshot: true }), finding: "db skips its final snapshot" },
  ],
  [policy.k8sNonRoot, { fragment: deployment({ run_as_non_root: false }), finding: "web/web may run as root" }],
  [
    policy.k8sNoPrivilegeEscalation,
    { fragment: deployment({ allow_privilege_escalation: true }), finding: "web/web allows privilege escalation" },
  ],
  [policy.k8sNotPrivileged, { fragment: deployment({ privileged: true }), finding: "web/web is privileged" }],
  [
    policy.k8sReadOnlyRoot,
    { fragment: deployment({ read_only_root_filesystem: false }), finding: "web/web has a writable root filesystem" },
  ],
  [
    policy.k8sDropAllCapabilities,
    { fragment: deployment({ capabilities: { drop: [] } }), finding: "web/web keeps the default capabilities" },
  ],
  [
    policy.ecsReadOnlyRoot,
    { fragment: taskWith({ readonlyRootFilesystem: false }), finding: "container web has a writable root filesystem" },
  ],
  [policy.ecsNotPrivileged, { fragment: taskWith({ privileged: true }), finding: "container web is privileged" }],
  [
    policy.ecsNoPublicIp,
    {
      fragment: { aws_ecs_service: { web: { name: "web", network_configuration: { assign_public_ip: true } } } },
      finding: "service web assigns public IP addresses",
    },
  ],
  [
    policy.ecsSeparateTaskRole,
    {
      fragment: task({ execution_role_arn: "${aws_iam_role.exec.arn}" }),
      finding: "task definition web has no task role of its own",
    },
  ],
  [
    policy.ecsContainerInsights,
    {
      fragment: { aws_ecs_cluster: { c: { name: "c", setting: [] } } },
      finding: "cluster c has Container Insights off",
    },
  ],
  [
    policy.efsTransitEncryption,
    {
      fragment: task({
        volume: [{ name: "data", efs_volume_configuration: { file_system_id: "fs", transit_encryption: "DISABLED" } }],
      }),
      finding: "mounts EFS volume data without transit encryption",
    },
  ],
  [
    policy.efsEncrypted,
    { fragment: { aws_efs_file_system: { data: { encrypted: false } } }, finding: "is not encrypted" },
  ],
  [
    policy.cloudwatchLogEncrypted,
    { fragment: logGroup({ kms_key_id: undefined }), finding: "log group logs has no KMS key" },
  ],
  [policy.cloudwatchLogRetention, { fragment: logGroup({}), finding: "log group logs keeps logs forever" }],
  [
    policy.cloudwatchLogRetentionYear,
    { fragment: logGroup({ retention_in_days: 30 }), finding: "log group logs keeps logs 30 days" },
  ],
  [
    policy.albAccessLogs,
    { fragment: loadBalancer({ access_logs: undefined }), finding: "load balancer public writes no access logs" },
  ],
  [
    policy.albDeletionProtection,
    {
      fragment: loadBalancer({ enable_deletion_protection: false }),
      finding: "load balancer public has no deletion protection",
    },
  ],
  [
    policy.albDropInvalidHeaders,
    {
      fragment: loadBalancer({ drop_invalid_header_fields: false }),
      finding: "load balancer public passes invalid header fields on",
    },
  ],
  [
    policy.albHttpsOnly,
    {
      fragment: { aws_lb_listener: { http: { port: 80, protocol: "HTTP", default_action: [{ type: "forward" }] } } },
      finding: "serves plain HTTP instead of redirecting to HTTPS",
    },
  ],
  [policy.albWebAcl, { fragment: loadBalancer({}), finding: "load balancer public has no web ACL association" }],
]);

describe("the policy rule registry", () => {
  it("has a fixture for every rule, and every fixture's rule is in the registry", () => {
    expect(ALL_RULES.filter((rule) => !FIXTURES.has(rule)).map((r) => r.id)).toEqual([]);
    expect([...FIXTURES.keys()].filter((rule) => !ALL_RULES.includes(rule)).map((r) => r.id)).toEqual([]);
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
  });

  it.each([...FIXTURES].map(([rule, fixture]) => [rule.id, rule, fixture] as const))(
    "%s fires on its fixture, at its level",
    (_id, rule, { fragment, finding }) => {
      const findings = findingsOn(fragment).get(rule.id) ?? [];
      const level = rule.level === "error" ? "@cdktf/error" : "@cdktf/warn";
      expect(findings.filter((f) => f.startsWith(`${level}: `) && f.includes(finding))).toHaveLength(1);
    },
  );

  it("a suppression waives exactly the rule it names, with its reason", () => {
    const fragment = deployment({ run_as_non_root: false, allow_privilege_escalation: true, privileged: true });
    const reason = "the image starts as root, then drops to its own user";
    const findings = findingsOn(fragment, (nodes) =>
      suppressRule(nodes.get("kubernetes_deployment_v1.web")!, policy.k8sNonRoot, reason),
    );
    expect(findings.get(policy.k8sNonRoot.id)).toEqual([`@cdktf/info: suppressed: ${reason}`]);
    expect(findings.get(policy.k8sNoPrivilegeEscalation.id)).toEqual([
      `@cdktf/error: web/web allows privilege escalation: ${policy.k8sNoPrivilegeEscalation.explanation}`,
    ]);
    expect(findings.get(policy.k8sNotPrivileged.id)).toEqual([
      `@cdktf/error: web/web is privileged: ${policy.k8sNotPrivileged.explanation}`,
    ]);
  });
});
