import { INTERFACE_ENDPOINT_SERVICES } from "../../constructs/aws/vpc-endpoints";
import { ecrRepositoryOf, registryOf } from "../../constructs/ecs/ecs-application";
import { envProblemsOf } from "../helpers";
import { awsCopy, synthAws, type SynthesizedAws } from "./synth";

const ecs = synthAws("ecs");
const groupNames = (synth: SynthesizedAws) =>
  new Map(
    Object.entries(synth.resources("aws_security_group")).map(([key, g]) => [
      `\${aws_security_group.${key}.id}`,
      g.name,
    ]),
  );
const taskServices = [
  "admin-api",
  "admin-site",
  "alertmanager",
  "grafana",
  "loki",
  "ot-app",
  "postgres-exporter",
  "prometheus",
  "query-api",
  "query-site",
];

/** Egress of each task's group: what it may reach on 443. */
function httpsEgress(synth: SynthesizedAws): Map<string, string[]> {
  const names = groupNames(synth);
  const out = new Map<string, string[]>();
  for (const rule of synth.list("aws_vpc_security_group_egress_rule").filter((r) => r.from_port === 443)) {
    const from = names.get(rule.security_group_id)!.replace(/^argo-ecs-/, "");
    const to =
      rule.cidr_ipv4 ?? (rule.prefix_list_id ? "s3 prefix list" : names.get(rule.referenced_security_group_id));
    out.set(from, [...(out.get(from) ?? []), to].sort());
  }
  return out;
}

describe("ecs: AWS APIs through VPC endpoints, the internet only for image pulls from outside ECR", () => {
  it("puts an interface endpoint with private DNS for ECR, CloudWatch Logs and Secrets Manager in every private subnet", () => {
    const endpoints = ecs.list("aws_vpc_endpoint");
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.eu-west-1.${s}`).sort(),
    );
    const privateSubnets = Object.entries(ecs.resources("aws_subnet"))
      .filter(([, s]) => s.tags.tier === "private")
      .map(([key]) => `\${aws_subnet.${key}.id}`)
      .sort();
    for (const e of interfaces) {
      expect(e.private_dns_enabled).toBe(true);
      expect([...e.subnet_ids].sort()).toEqual(privateSubnets);
      expect(e.security_group_ids.map((g: string) => groupNames(ecs).get(g))).toEqual(["argo-ecs-endpoints"]);
    }
  });

  it("routes the private subnets' S3 traffic through a gateway endpoint that only reads ECR's image layers", () => {
    const [s3] = ecs.list("aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(s3.service_name).toBe("com.amazonaws.eu-west-1.s3");
    const privateTables = Object.entries(ecs.resources("aws_route_table"))
      .filter(([, t]) => t.tags.Name.includes("-private-"))
      .map(([key]) => `\${aws_route_table.${key}.id}`)
      .sort();
    expect([...s3.route_table_ids].sort()).toEqual(privateTables);
    expect(JSON.parse(s3.policy).Statement).toEqual([
      {
        Sid: "EcrImageLayers",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: expect.stringMatching(/:s3:::prod-eu-west-1-starport-layer-bucket\/\*$/),
      },
    ]);
  });

  it("admits HTTPS to the endpoints from exactly the tasks", () => {
    const names = groupNames(ecs);
    const ingress = ecs
      .list("aws_vpc_security_group_ingress_rule")
      .filter((r) => names.get(r.security_group_id) === "argo-ecs-endpoints");
    expect(ingress.map((r) => [names.get(r.referenced_security_group_id), r.from_port, r.to_port]).sort()).toEqual(
      taskServices.map((s) => [`argo-ecs-${s}`, 443, 443]),
    );
  });

  it("lets ARGO's tasks out to the endpoints and S3, and to the internet only because their images are on Docker Hub and ECR Public", () => {
    const egress = httpsEgress(ecs);
    for (const service of taskServices)
      expect({ service, to: egress.get(service) }).toEqual({
        service,
        to: ["0.0.0.0/0", "argo-ecs-endpoints", "s3 prefix list"],
      });
    const open = ecs
      .list("aws_vpc_security_group_egress_rule")
      .filter((r) => r.cidr_ipv4 === "0.0.0.0/0")
      .map((r) => r.description);
    expect(open).toContain(
      "grafana pulls images from docker.io, public.ecr.aws (not ECR in eu-west-1) through the NAT gateways",
    );
  });

  it("gives a task whose images are all in this region's ECR no internet egress, and its execution role the right to pull them", () => {
    const env = awsCopy();
    const mirror = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror";
    env.application = {
      ...env.application,
      services: env.application.services.map((s) =>
        s.name === "query-api" || s.name === "grafana"
          ? { ...s, image: { ...s.image, repository: `${mirror}/${s.image.repository}` } }
          : s,
      ),
    } as typeof env.application;
    env.ecs!.configWriterImage = `${mirror}/busybox:1.36.1`;
    const synth = synthAws("ecs", env);
    const egress = httpsEgress(synth);
    expect(egress.get("query-api")).toEqual(["argo-ecs-endpoints", "s3 prefix list"]);
    expect(egress.get("grafana")).toEqual(["argo-ecs-endpoints", "s3 prefix list"]);
    expect(egress.get("admin-api")).toContain("0.0.0.0/0");
    const policy = (name: string) =>
      JSON.parse(
        synth
          .list("aws_iam_role_policy")
          .find((p) => p.role.includes(`${name}-execution-role`) && p.name === "task-execution").policy,
      );
    expect(policy("grafana").Statement).toEqual(
      expect.arrayContaining([
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: [
            "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/grafana/grafana",
            "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/busybox",
          ],
        },
      ]),
    );
    expect(policy("admin-api").Statement.map((s: any) => s.Sid)).not.toContain("EcrPull");
    const containers = JSON.parse(
      synth.list("aws_ecs_task_definition").find((t) => t.family === "argo-ecs-grafana").container_definitions,
    );
    expect(containers.map((c: any) => c.image)).toEqual([
      `${mirror}/grafana/grafana:11.2.0`,
      `${mirror}/busybox:1.36.1`,
    ]);
  });

  it("tells ECR repositories of the stack's region from every other registry", () => {
    expect(
      ecrRepositoryOf("111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/prom/prometheus:v2.54.1", "eu-west-1"),
    ).toEqual({ partition: "aws", account: "111122223333", region: "eu-west-1", repository: "mirror/prom/prometheus" });
    expect(
      ecrRepositoryOf("111122223333.dkr.ecr.us-east-1.amazonaws.com/prom/prometheus:v2.54.1", "eu-west-1"),
    ).toBeUndefined();
    expect(ecrRepositoryOf("public.ecr.aws/docker/library/busybox:1.36.1", "eu-west-1")).toBeUndefined();
    expect(
      ["prom/prometheus:v2.54.1", "ghcr.io/northwind/ledger-api:2.4.1", "registry.lab:5000/x:1"].map(registryOf),
    ).toEqual(["docker.io", "ghcr.io", "registry.lab:5000"]);
  });

  it("records which services still reach the internet, and why", () => {
    const egress = ecs.stack.node
      .findAll()
      .flatMap((c: any) => c.records ?? [])
      .find((r: any) => r.intent === "egress");
    expect(egress.support).toBe("partial");
    const services = /outside this region's ECR: ([^;]+);/.exec(egress.realization)![1].split(", ");
    expect(services.sort()).toEqual(taskServices);
    expect(egress.realization).toContain("mirrored into ECR (and ecs.configWriterImage), they would need none");
  });

  it("refuses a configuration writer image that is not pinned", () => {
    const env = awsCopy();
    env.ecs!.configWriterImage = "busybox:latest";
    expect(envProblemsOf(env)).toContain(
      'environments.aws.ecs.configWriterImage: "busybox:latest" is not a pinned image reference (repository:tag or repository@sha256:digest, never latest)',
    );
  });
});
