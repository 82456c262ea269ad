import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { planSubnets } from "../../constructs/aws/subnet-plan";
import { App, Testing, TerraformStack } from "../../constructs/cdktf";
import { EKS_ADDON_VERSIONS } from "../../constructs/eks/versions";
import { edgesOf, selectApplication, type Application } from "../../constructs/model";
import { applyPolicies } from "../../constructs/policy";
import { AWS, type Environment } from "../../environments";
import { EksStack } from "../../stacks";
import { envProblemsOf } from "../helpers";

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
const awsCopy = () => structuredClone(AWS) as Mutable<Environment>;

function synthEks(env: Environment = AWS) {
  const app = Testing.app() as App;
  const application = selectApplication(env.application, env.selection);
  const stack = new EksStack(app, "eks-test", { environment: env, target: env.eks!, application });
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text, stack, application };
}

const of = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});
const named = (json: any, type: string, name: string) => of(json, type).find((r) => r.metadata.name === name);

const synth = synthEks();
const { json, application } = synth;

describe("eks: network", () => {
  it("has a public and a private subnet in each availability zone, carved from the VPC range", () => {
    const subnets = of(json, "aws_subnet");
    const rows = subnets.map((s) => [s.tags.tier, s.availability_zone, s.cidr_block]).sort();
    expect(rows).toEqual(
      [
        ["private", "eu-west-1a", "10.20.0.0/18"],
        ["private", "eu-west-1b", "10.20.64.0/18"],
        ["private", "eu-west-1c", "10.20.128.0/18"],
        ["public", "eu-west-1a", "10.20.192.0/20"],
        ["public", "eu-west-1b", "10.20.208.0/20"],
        ["public", "eu-west-1c", "10.20.224.0/20"],
      ].sort(),
    );
    expect(subnets.filter((s) => s.tags.tier === "public").every((s) => s.map_public_ip_on_launch === false)).toBe(
      true,
    );
    // The load balancer controller places internet-facing ALBs by these tags.
    expect(subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1").map((s) => s.tags.tier)).toEqual([
      "public",
      "public",
      "public",
    ]);
    expect(subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1").map((s) => s.tags.tier)).toEqual([
      "private",
      "private",
      "private",
    ]);
  });

  it("routes each private subnet through the NAT gateway of its own zone, and public subnets through the internet gateway", () => {
    const routes = of(json, "aws_route");
    const nats = Object.entries<any>(json.resource.aws_nat_gateway);
    expect(nats).toHaveLength(3);
    const privateRoutes = routes.filter((r) => r.nat_gateway_id);
    expect(privateRoutes).toHaveLength(3);
    for (const zone of ["eu-west-1a", "eu-west-1b", "eu-west-1c"]) {
      const [natId, nat] = nats.find(([, n]) => n.tags.Name.endsWith(zone))!;
      expect(nat.subnet_id).toContain(`public-${zone}`);
      const route = Object.entries<any>(json.resource.aws_route).find(([id]) => id.includes(`private-${zone}`))![1];
      expect(route.nat_gateway_id).toBe(`\${aws_nat_gateway.${natId}.id}`);
      expect(route.destination_cidr_block).toBe("0.0.0.0/0");
    }
    expect(routes.filter((r) => r.gateway_id)).toHaveLength(1);
    expect(of(json, "aws_route_table_association")).toHaveLength(6);
  });

  it("uses a single NAT gateway when the environment says so", () => {
    const env = awsCopy();
    env.eks!.network.natGateways = "single";
    const single = synthEks(env).json;
    expect(of(single, "aws_nat_gateway")).toHaveLength(1);
    const natIds = new Set(
      of(single, "aws_route")
        .filter((r) => r.nat_gateway_id)
        .map((r) => r.nat_gateway_id),
    );
    expect(natIds.size).toBe(1);
  });

  it("closes the default security group and logs all traffic to an encrypted log group with retention", () => {
    const groups = of(json, "aws_default_security_group");
    expect(groups).toHaveLength(1);
    expect(groups[0].ingress).toBeUndefined();
    expect(groups[0].egress).toBeUndefined();
    const [flowLog] = of(json, "aws_flow_log");
    expect(flowLog).toMatchObject({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
    const logGroup = of(json, "aws_cloudwatch_log_group").find((g) => g.name.endsWith("flow-logs"));
    expect(logGroup.retention_in_days).toBe(365);
    expect(logGroup.kms_key_id).toMatch(/aws_kms_key\..*\.arn/);
  });
});

describe("eks: network validation", () => {
  const messages = (mutate: (env: Mutable<Environment>) => void) => {
    const env = awsCopy();
    mutate(env);
    return envProblemsOf(env).filter((m) => m.startsWith("environments.aws.eks"));
  };

  it("refuses fewer than two availability zones", () => {
    expect(messages((e) => (e.eks!.network.availabilityZones = ["eu-west-1a"]))).toContain(
      "environments.aws.eks.network.availabilityZones: lists 1 zone (eu-west-1a); at least 2 are needed (3 for production) so the load balancer and the database survive a zone outage",
    );
  });

  it("refuses an invalid VPC range", () => {
    expect(messages((e) => (e.eks!.network.vpcCidr = "10.20.0.1/16"))).toContain(
      'environments.aws.eks.network.vpcCidr: "10.20.0.1/16" is not a valid CIDR: host bits are set; the network address is 10.20.0.0/16',
    );
    expect(messages((e) => (e.eks!.network.vpcCidr = "10.0.0.0/8"))).toContain(
      "environments.aws.eks.network.vpcCidr: 10.0.0.0/8 is a /8; a VPC here must be /16 to /24",
    );
  });

  it("refuses overlapping subnets and subnets outside the VPC", () => {
    const problems = messages((e) => {
      e.eks!.network.subnets = {
        public: ["10.20.0.0/24", "10.20.1.0/24", "10.30.0.0/24"],
        private: ["10.20.0.128/25", "10.20.64.0/18", "10.20.128.0/18"],
      };
    });
    expect(problems).toContain(
      "environments.aws.eks.network.subnets.public[2]: 10.30.0.0/24 lies outside the VPC 10.20.0.0/16; choose a range inside it",
    );
    expect(problems).toContain(
      "environments.aws.eks.network.subnets.private[0]: 10.20.0.128/25 overlaps subnets.public[0] (10.20.0.0/24); give each subnet its own range",
    );
  });

  it("refuses a subnet plan that does not fit", () => {
    expect(
      messages((e) => (e.eks!.network.availabilityZones = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"])),
    ).toContain(
      "environments.aws.eks.network.vpcCidr: the default subnet plan fits 3 availability zones (private quarters of the VPC, public subnets in the last quarter); list 4 zones' subnets explicitly in subnets.public and subnets.private",
    );
    expect(
      planSubnets(
        { vpcCidr: "10.0.0.0/24", availabilityZones: ["a", "b"], natGateways: "single", flowLogRetentionDays: 30 },
        "n",
      ),
    ).toEqual({
      private: ["10.0.0.0/26", "10.0.0.64/26"],
      public: ["10.0.0.192/28", "10.0.0.208/28"],
    });
  });

  it("collects every problem of the target in one run", () => {
    const problems = messages((e) => {
      e.eks!.network.availabilityZones = ["us-east-1a"];
      e.eks!.kubernetesVersion = "1.35";
      e.eks!.publicEndpointCidrs = ["0.0.0.0/0"];
      e.eks!.clusterAdminArns = [];
      e.eks!.nodeGroup.minSize = 5;
      e.eks!.logRetentionDays = 10;
      e.eks!.certificateArn = "arn:aws:acm:us-east-1:111122223333:certificate/0b5a2e8c-4c1f-4f7e-9d7a-2f4d8c6e1a3b";
    });
    expect(problems).toEqual([
      'environments.aws.eks.network.availabilityZones[0]: "us-east-1a" is not an availability zone of eu-west-1 (expected e.g. eu-west-1a)',
      "environments.aws.eks.network.availabilityZones: lists 1 zone (us-east-1a); at least 2 are needed (3 for production) so the load balancer and the database survive a zone outage",
      "environments.aws.eks.certificateArn: the certificate is in us-east-1, but the load balancer is in eu-west-1; an ALB can only use a certificate of its own region",
      `environments.aws.eks.logRetentionDays: 10 is not a CloudWatch retention period (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)`,
      "environments.aws.eks.kubernetesVersion: 1.35 has no pinned add-on versions (pinned: 1.31); add them to constructs/eks/versions.ts",
      "environments.aws.eks.publicEndpointCidrs[0]: 0.0.0.0/0 opens the Kubernetes API to the whole internet; list the ranges that need it, or none to keep the endpoint private",
      "environments.aws.eks.clusterAdminArns: is empty: no one could administer the cluster; list the IAM roles or users that get cluster-admin",
      "environments.aws.eks.nodeGroup: needs minSize <= desiredSize <= maxSize (got 5 <= 3 <= 6)",
    ]);
  });
});

describe("eks: cluster", () => {
  const [cluster] = of(json, "aws_eks_cluster");

  it("keeps the API endpoint private unless the environment lists public ranges", () => {
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(cluster.vpc_config.public_access_cidrs).toBeUndefined();
    expect(cluster.vpc_config.subnet_ids.every((id: string) => id.includes("_private-"))).toBe(true);
    const env = awsCopy();
    env.eks!.publicEndpointCidrs = ["198.51.100.0/24"];
    const [open] = of(synthEks(env).json, "aws_eks_cluster");
    expect(open.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ["198.51.100.0/24"] });
  });

  it("logs the control plane with retention and envelope-encrypts Secrets with a rotating KMS key", () => {
    expect(cluster.enabled_cluster_log_types).toEqual(expect.arrayContaining(["api", "audit", "authenticator"]));
    const logGroup = of(json, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/eks/argo/cluster");
    expect(logGroup.retention_in_days).toBe(365);
    expect(cluster.encryption_config.resources).toEqual(["secrets"]);
    const keyId = /aws_kms_key\.([\w-]+)\.arn/.exec(cluster.encryption_config.provider.key_arn)![1];
    expect(json.resource.aws_kms_key[keyId].enable_key_rotation).toBe(true);
    expect(cluster.version).toBe("1.31");
  });

  it("grants cluster-admin to the environment's admins through access entries", () => {
    expect(cluster.access_config).toMatchObject({
      authentication_mode: "API",
      bootstrap_cluster_creator_admin_permissions: false,
    });
    expect(of(json, "aws_eks_access_entry").map((e) => e.principal_arn)).toEqual(AWS.eks!.clusterAdminArns);
    expect(of(json, "aws_eks_access_policy_association")[0]).toMatchObject({
      policy_arn: expect.stringContaining("AmazonEKSClusterAdminPolicy"),
      access_scope: { type: "cluster" },
    });
    expect(of(json, "aws_iam_openid_connect_provider")[0].client_id_list).toEqual(["sts.amazonaws.com"]);
  });

  it("runs AL2023 nodes in private subnets with IMDSv2 only and hop limit 1", () => {
    const [group] = of(json, "aws_eks_node_group");
    expect(group).toMatchObject({
      ami_type: "AL2023_x86_64_STANDARD",
      instance_types: ["m6i.large"],
      scaling_config: { min_size: 3, max_size: 6, desired_size: 3 },
    });
    expect(group.subnet_ids.every((id: string) => id.includes("_private-"))).toBe(true);
    const [template] = of(json, "aws_launch_template");
    expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(template.block_device_mappings[0].ebs).toMatchObject({ encrypted: "true", volume_type: "gp3" });
  });

  it("pins every add-on, turns on network policy enforcement and gives the EBS CSI driver its own IAM role", () => {
    const addons = Object.fromEntries(of(json, "aws_eks_addon").map((a) => [a.addon_name, a]));
    expect(Object.keys(addons).sort()).toEqual(Object.keys(EKS_ADDON_VERSIONS["1.31"]).sort());
    for (const [name, version] of Object.entries(EKS_ADDON_VERSIONS["1.31"]))
      expect(addons[name].addon_version).toBe(version);
    expect(JSON.parse(addons["vpc-cni"].configuration_values)).toEqual({ enableNetworkPolicy: "true" });
    const ebsRole = /aws_iam_role\.([\w-]+)\.arn/.exec(addons["aws-ebs-csi-driver"].service_account_role_arn)![1];
    const trust = JSON.parse(json.resource.aws_iam_role[ebsRole].assume_role_policy);
    expect(trust.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(Object.values(trust.Statement[0].Condition.StringEquals)).toContain(
      "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    );
  });

  it("installs the load balancer controller with its IRSA role and the published policy, verified by checksum", () => {
    const [release] = of(json, "helm_release");
    expect(release).toMatchObject({
      chart: "aws-load-balancer-controller",
      version: "1.11.0",
      repository: "https://aws.github.io/eks-charts",
    });
    const values = JSON.parse(release.values[0]);
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(
      /aws_iam_role\..*load-balancer-controller.*\.arn/,
    );
    expect(values.region).toBe("eu-west-1");
    const [document] = Object.values<any>(json.data.http);
    expect(document.url).toContain("/v2.11.0/docs/install/iam_policy.json");
    expect(document.lifecycle.postcondition[0].condition).toMatch(
      /^\$\{sha256\(self\.response_body\) == "[0-9a-f]{64}"\}$/,
    );
    expect(of(json, "aws_iam_policy")[0].policy).toMatch(/data\.http\..*\.response_body/);
  });

  it("configures the kubernetes and helm providers from the cluster with aws eks get-token", () => {
    const [kubernetes] = json.provider.kubernetes;
    expect(kubernetes.host).toMatch(/aws_eks_cluster\..*\.endpoint/);
    expect(kubernetes.exec[0]).toMatchObject({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", expect.stringMatching(/aws_eks_cluster/), "--region", "eu-west-1"],
    });
    expect(json.provider.helm[0].kubernetes.exec.command).toBe("aws");
    expect(JSON.stringify(json.provider)).not.toMatch(/token"\s*:\s*"(?!\$\{)/);
  });
});

describe("eks: ARGO on Kubernetes", () => {
  const workloads = [
    ...of(json, "kubernetes_deployment_v1").map((w) => ["Deployment", w] as const),
    ...of(json, "kubernetes_stateful_set_v1").map((w) => ["StatefulSet", w] as const),
    ...of(json, "kubernetes_daemon_set_v1").map((w) => ["DaemonSet", w] as const),
  ];
  const kindOf = new Map(workloads.map(([kind, w]) => [w.metadata.name, kind]));
  const workloadOf = new Map(workloads.map(([, w]) => [w.metadata.name, w]));

  it("runs every service as the right kind of workload, and postgres on RDS", () => {
    const expected = Object.fromEntries(
      application.services
        .filter((s) => s.name !== "postgres")
        .map((s) => [
          s.name,
          s.placement.kind === "per-node"
            ? "DaemonSet"
            : s.volumes?.some((v) => v.kind === "persistent")
              ? "StatefulSet"
              : "Deployment",
        ]),
    );
    expect(Object.fromEntries(kindOf)).toEqual(expected);
    expect(kindOf.get("cadvisor")).toBe("DaemonSet");
    expect(kindOf.get("prometheus")).toBe("StatefulSet");
    const [db] = of(json, "aws_db_instance");
    expect(db).toMatchObject({
      engine: "postgres",
      storage_encrypted: true,
      multi_az: true,
      deletion_protection: true,
      publicly_accessible: false,
      db_name: "argodb",
      username: "argo",
    });
    expect(db.password).toMatch(/^\$\{random_password\./);
    const queryApi = workloadOf.get("query-api").spec.template.spec.container[0];
    expect(queryApi.env.find((e: any) => e.name === "POSTGRES_HOST").value).toMatch(/aws_db_instance\..*\.address/);
  });

  it("runs postgres as a StatefulSet on an encrypted gp3 claim when the environment says so", () => {
    const env = awsCopy();
    env.eks!.bindings = { postgres: { kind: "container" } };
    const result = synthEks(env).json;
    expect(of(result, "aws_db_instance")).toHaveLength(0);
    const postgres = named(result, "kubernetes_stateful_set_v1", "postgres");
    expect(postgres.spec.volume_claim_template[0].spec).toMatchObject({
      storage_class_name: expect.stringMatching(/kubernetes_storage_class_v1\..*\.metadata\[0\]\.name/),
      access_modes: ["ReadWriteOnce"],
    });
    expect(of(result, "kubernetes_storage_class_v1")[0]).toMatchObject({
      parameters: { type: "gp3", encrypted: "true" },
      reclaim_policy: "Retain",
    });
    const exporter = named(result, "kubernetes_deployment_v1", "query-api").spec.template.spec.container[0];
    expect(exporter.env.find((e: any) => e.name === "POSTGRES_HOST").value).toMatch(
      /^postgres\..*\.svc\.cluster\.local$/,
    );
  });

  it("gives every workload probes from the model, requests and limits, and a restricted security context unless the model says why not", () => {
    for (const service of application.services.filter((s) => workloadOf.has(s.name))) {
      const container = workloadOf.get(service.name).spec.template.spec.container[0];
      expect(container.image).toBe(`${service.image.repository}:${service.image.tag}`);
      expect(container.resources.requests).toEqual({
        cpu: `${service.resources!.cpuMillicores}m`,
        memory: `${service.resources!.memoryMiB}Mi`,
      });
      expect(container.resources.limits.memory).toBe(`${service.resources!.memoryMiB}Mi`);
      if (service.healthCheck?.type === "http") {
        expect(container.readiness_probe.http_get.path).toBe(service.healthCheck.path);
        expect(container.liveness_probe.http_get.path).toBe(service.healthCheck.path);
      } else if (service.healthCheck?.type === "tcp") {
        expect(container.readiness_probe.tcp_socket[0].port).toBe(String(service.ports[0].containerPort));
      } else {
        expect(container.readiness_probe).toBeUndefined();
        expect(service.healthCheckExemption).toBeTruthy();
      }
      const context = container.security_context;
      expect(context).toMatchObject({
        allow_privilege_escalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(context.read_only_root_filesystem).toBe(!service.securityExceptions?.writableRootFs);
      expect(context.run_as_non_root).toBe(!service.securityExceptions?.runsAsRoot);
    }
  });

  it("autoscales exactly the services with an autoscaling intent, and budgets disruptions of every replicated one", () => {
    const hpas = of(json, "kubernetes_horizontal_pod_autoscaler_v2");
    const intents = application.services.filter((s) => s.autoscaling && workloadOf.has(s.name));
    expect(hpas.map((h) => h.spec.scale_target_ref.name).sort()).toEqual(intents.map((s) => s.name).sort());
    const queryApi = hpas.find((h) => h.metadata.name === "query-api");
    expect(queryApi.spec).toMatchObject({
      min_replicas: 2,
      max_replicas: 6,
      metric: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } } },
      ],
    });
    expect(named(json, "kubernetes_deployment_v1", "query-api").lifecycle.ignore_changes).toEqual(["spec[0].replicas"]);
    const pdbs = of(json, "kubernetes_pod_disruption_budget_v1")
      .map((p) => p.metadata.name)
      .sort();
    expect(pdbs).toEqual(
      application.services
        .filter((s) => s.placement.kind === "replicated" && workloadOf.has(s.name))
        .map((s) => s.name)
        .sort(),
    );
  });

  it("allows exactly the model's talks-to pairs with NetworkPolicies, after a default deny", () => {
    const policies = of(json, "kubernetes_network_policy_v1");
    const deny = policies.find((p) => p.metadata.name === "default-deny");
    expect(deny.spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
    const podPairs = new Set<string>();
    const externalPairs = new Set<string>();
    for (const policy of policies.filter((p) => p.spec.pod_selector.match_labels)) {
      const target = policy.spec.pod_selector.match_labels["app.kubernetes.io/name"];
      for (const rule of policy.spec.ingress ?? []) {
        for (const peer of rule.from)
          if (peer.pod_selector)
            podPairs.add(
              `${peer.pod_selector.match_labels["app.kubernetes.io/name"]}->${target}:${rule.ports[0].port}`,
            );
      }
      for (const rule of policy.spec.egress ?? []) {
        for (const peer of rule.to) {
          if (peer.ip_block && rule.ports[0].port === "5432") externalPairs.add(`${target}->postgres:5432`);
        }
      }
    }
    const edges = edgesOf(application);
    expect([...podPairs].sort()).toEqual(
      [
        ...new Set(
          edges
            .filter((e) => e.to.name !== "postgres")
            .map((e) => `${e.from.name}->${e.to.name}:${e.port.containerPort}`),
        ),
      ].sort(),
    );
    expect([...externalPairs].sort()).toEqual(
      edges
        .filter((e) => e.to.name === "postgres")
        .map((e) => `${e.from.name}->postgres:5432`)
        .sort(),
    );
    // Egress mirrors ingress: every in-cluster pair is also allowed out of the caller.
    const egressPairs = policies
      .filter((p) => p.metadata.name !== "allow-dns")
      .flatMap((p) =>
        (p.spec.egress ?? []).flatMap((rule: any) =>
          rule.to
            .filter((peer: any) => peer.pod_selector)
            .map(
              (peer: any) =>
                `${p.metadata.name}->${peer.pod_selector.match_labels["app.kubernetes.io/name"]}:${rule.ports[0].port}`,
            ),
        ),
      );
    expect(egressPairs.sort()).toEqual([...podPairs].sort());
  });

  it("lets the load balancer reach exactly the routed services, from its public subnets", () => {
    const fromLoadBalancer = of(json, "kubernetes_network_policy_v1").flatMap((p) =>
      (p.spec.ingress ?? [])
        .filter((rule: any) => rule.from.some((peer: any) => peer.ip_block))
        .map((rule: any) => ({
          service: p.metadata.name,
          cidrs: rule.from.map((peer: any) => peer.ip_block.cidr),
          port: rule.ports[0].port,
        })),
    );
    const routed = [...new Set(application.routes.map((r) => r.service))].sort();
    expect(fromLoadBalancer.map((r) => r.service).sort()).toEqual(routed);
    for (const rule of fromLoadBalancer)
      expect(rule.cidrs).toEqual(["10.20.192.0/20", "10.20.208.0/20", "10.20.224.0/20"]);
  });

  it("routes the model's paths through one internet-facing HTTPS ALB, admin routes only from the admin CIDRs", () => {
    const [ingress] = of(json, "kubernetes_ingress_v1");
    const annotations = ingress.metadata.annotations;
    expect(annotations).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/certificate-arn": AWS.eks!.certificateArn,
    });
    const paths = ingress.spec.rule[0].http.path;
    expect(paths.map((p: any) => p.path)).toEqual(application.routes.map((r) => r.pathPrefix));
    for (const route of application.routes) {
      const path = paths.find((p: any) => p.path === route.pathPrefix);
      if (!route.adminOnly) {
        expect(path.backend.service.name).toBe(route.service);
        continue;
      }
      const action = path.backend.service.name;
      expect(path.backend.service.port.name).toBe("use-annotation");
      expect(
        JSON.parse(annotations[`alb.ingress.kubernetes.io/actions.${action}`]).forwardConfig.targetGroups[0]
          .serviceName,
      ).toBe(route.service);
      expect(JSON.parse(annotations[`alb.ingress.kubernetes.io/conditions.${action}`])).toEqual([
        { field: "source-ip", sourceIpConfig: { values: AWS.adminCidrs } },
      ]);
    }
  });

  it("keeps every secret out of the configuration: Secrets hold references to generated values, pods read them by secretKeyRef", () => {
    const secrets = of(json, "kubernetes_secret_v1");
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets)
      for (const value of Object.values<string>(secret.data))
        expect(value).toMatch(/\$\{random_password\.|\$\{aws_db_instance\./);
    for (const [, workload] of workloads) {
      for (const entry of workload.spec.template.spec.container[0].env ?? []) {
        if (/PASSWORD|DATA_SOURCE_NAME/.test(entry.name)) {
          expect(entry.value).toBeUndefined();
          expect(entry.value_from.secret_key_ref.name).toMatch(/-env$/);
        }
      }
    }
    expect(synth.text).not.toMatch(/"password"\s*:\s*"(?!\$\{)/i);
  });

  it("discovers every scrape target through the Kubernetes API", () => {
    const config = named(json, "kubernetes_config_map_v1", "prometheus-config").data["prometheus.yml"];
    const scraped = edgesOf(application)
      .filter((e) => e.kind === "scrape")
      .map((e) => e.to.name);
    for (const target of scraped) expect(config).toContain(`job_name: ${target}`);
    expect(config).toContain("role: pod");
    expect(named(json, "kubernetes_role_v1", "prometheus-discovery").rule[0].verbs).toEqual(["get", "list", "watch"]);
  });

  it("records what Kubernetes does not do by itself", () => {
    const records = synth.stack.node.findAll().flatMap((c) => ((c as any).records ? (c as any).records : []));
    const otApp = records.find((r: any) => r.service === "ot-app" && r.intent === "update");
    expect(otApp.support).toBe("partial");
    expect(otApp.realization).toContain("does not roll back by itself");
    expect(records.find((r: any) => r.service === "postgres" && r.intent === "placement").realization).toContain(
      "Amazon RDS PostgreSQL 16.4",
    );
    expect(records.find((r: any) => r.service === "query-api" && r.intent === "autoscaling").realization).toContain(
      "HorizontalPodAutoscaler",
    );
  });

  it("matches the snapshot", () => {
    expect(synth.text).toMatchSnapshot();
  });
});

describe("eks: policy rules", () => {
  function stackWith(build: (stack: TerraformStack) => void) {
    const app = Testing.app() as App;
    const stack = new TerraformStack(app, "eks-policy");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new KubernetesProvider(stack, "kubernetes", {});
    build(stack);
    applyPolicies(stack);
    try {
      app.synth();
      return "";
    } catch (error) {
      return String(error);
    }
  }

  it("fail synth for an open API endpoint, missing logs or encryption, and IMDSv1", () => {
    const message = stackWith((stack) => {
      new EksCluster(stack, "cluster", {
        name: "open",
        roleArn: "arn:aws:iam::111122223333:role/x",
        vpcConfig: { subnetIds: ["subnet-1"], endpointPublicAccess: true },
      });
      new LaunchTemplate(stack, "nodes", {
        name: "nodes",
        metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 },
      });
    });
    expect(message).toContain(
      "[ARGO-EKS-PUBLIC-ENDPOINT] open has a public endpoint open to 0.0.0.0/0 (no public_access_cidrs)",
    );
    expect(message).toContain('[ARGO-EKS-CONTROL-PLANE-LOGS] open does not log "audit"');
    expect(message).toContain("[ARGO-EKS-SECRETS-ENCRYPTION] open does not encrypt Secrets with a KMS key");
    expect(message).toContain("[ARGO-EC2-IMDSV2] nodes allows IMDSv1 (http_tokens optional)");
    expect(message).toContain("[ARGO-EC2-METADATA-HOP-LIMIT] nodes has metadata hop limit 2, not 1");
  });

  it("fail synth for a root container with a writable root filesystem and no probe", () => {
    const message = stackWith((stack) => {
      new DeploymentV1(stack, "web", {
        metadata: { name: "web" },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              container: [
                { name: "web", image: "nginx:1.27.1", resources: { limits: { cpu: "100m", memory: "64Mi" } } },
              ],
            },
          },
        },
      });
    });
    expect(message).toContain("[ARGO-K8S-NON-ROOT] web/web may run as root");
    expect(message).toContain("[ARGO-K8S-NO-PRIVILEGE-ESCALATION] web/web allows privilege escalation");
    expect(message).toContain("[ARGO-K8S-READ-ONLY-ROOT] web/web has a writable root filesystem");
    expect(message).toContain("[ARGO-HEALTH-CHECK] web has no health check");
  });

  it("accept the eks stack, whose exceptions carry the model's reasons", () => {
    const app = Testing.app() as App;
    new EksStack(app, "eks", {
      environment: AWS,
      target: AWS.eks!,
      application: selectApplication(AWS.application, AWS.selection) as Application,
    });
    expect(() => app.synth()).not.toThrow();
  });
});
