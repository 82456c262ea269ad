import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { AWS } from "../../environments";
import { EksStack } from "../../stacks";
import { kubernetesPart, REPRESENTATIVE_VALUES } from "../../e2e/k8s/kubernetes-part";

/** A stack of the eks stack's shape, small: one AWS resource read by a Kubernetes object, Helm, an output. */
function fixture(): any {
  return {
    terraform: {
      backend: { s3: { bucket: "state", key: "eks.tfstate", region: "eu-west-1" } },
      required_providers: {
        aws: { source: "aws", version: "6.25.0" },
        helm: { source: "helm", version: "3.1.1" },
        kubernetes: { source: "kubernetes", version: "2.38.0" },
      },
    },
    provider: {
      aws: [{ region: "eu-west-1" }],
      helm: [{ kubernetes: { host: "${aws_eks_cluster.cluster.endpoint}" } }],
      kubernetes: [{ host: "${aws_eks_cluster.cluster.endpoint}", exec: [{ command: "aws" }] }],
    },
    resource: {
      aws_eks_cluster: { cluster: { name: "argo" } },
      aws_db_instance: { postgres: { engine: "postgres" } },
      helm_release: { controller: { chart: "aws-load-balancer-controller", depends_on: ["aws_eks_cluster.cluster"] } },
      kubernetes_config_map_v1: {
        settings: {
          metadata: { name: "settings" },
          data: { POSTGRES_HOST: "${aws_db_instance.postgres.address}" },
          depends_on: ["aws_eks_cluster.cluster"],
        },
      },
      kubernetes_deployment_v1: { api: { metadata: { name: "api" }, wait_for_rollout: true } },
      kubernetes_ingress_v1: { web: { metadata: { name: "web" }, wait_for_load_balancer: true } },
    },
    output: { cluster_name: { value: "${aws_eks_cluster.cluster.name}" } },
  };
}

describe("the eks stack's Kubernetes part (e2e/k8s)", () => {
  test("keeps the Kubernetes objects as synthesized, names every change", () => {
    const part = kubernetesPart(fixture(), "/tmp/kubeconfig");
    const config: any = part.config;
    expect(Object.keys(config.resource).sort()).toEqual([
      "kubernetes_config_map_v1",
      "kubernetes_deployment_v1",
      "kubernetes_ingress_v1",
    ]);
    expect(config.provider).toEqual({ kubernetes: [{ config_path: "/tmp/kubeconfig" }] });
    expect(Object.keys(config.terraform.required_providers)).toEqual(["kubernetes"]);
    expect(config.terraform.backend).toBeUndefined();
    expect(config.output).toBeUndefined();
    // The reference survives as a reference, to a variable holding what AWS would return.
    expect(config.resource.kubernetes_config_map_v1.settings.data.POSTGRES_HOST).toBe(
      "${var.unchecked_aws_db_instance__postgres.address}",
    );
    expect(config.variable).toEqual({
      unchecked_aws_db_instance__postgres: {
        type: "any",
        default: { address: REPRESENTATIVE_VALUES["aws_db_instance.address"] },
        description: "Stands for aws_db_instance.postgres (AWS, not applied here).",
      },
    });
    expect(config.resource.kubernetes_config_map_v1.settings.depends_on).toEqual([]);
    expect(config.resource.kubernetes_deployment_v1.api.wait_for_rollout).toBe(false);
    expect(config.resource.kubernetes_ingress_v1.web.wait_for_load_balancer).toBe(false);
    expect(part.changes).toEqual([
      "provider kubernetes: the test's kubeconfig instead of the EKS cluster's endpoint and token",
      "outputs removed: cluster_name",
      "backend s3 → local state",
      "2 aws block(s) removed: aws_eks_cluster.cluster, aws_db_instance.postgres",
      "1 helm block(s) removed: helm_release.controller",
      "kubernetes_deployment_v1.api: wait_for_rollout false (no nodes run its pods)",
      "kubernetes_ingress_v1.web: wait_for_load_balancer false (no load balancer controller writes its status)",
      `aws_db_instance.postgres.address = "${REPRESENTATIVE_VALUES["aws_db_instance.address"]}"`,
    ]);
  });

  test("refuses a reference to AWS it has no value for, naming every one", () => {
    const stack = fixture();
    stack.resource.kubernetes_config_map_v1.settings.data.CACHE = "${aws_db_instance.postgres.port}";
    stack.resource.kubernetes_config_map_v1.settings.data.ROLE = "${aws_eks_cluster.cluster.role_arn}";
    expect(() => kubernetesPart(stack, "/tmp/kubeconfig")).toThrow(
      "no representative value for aws_db_instance.postgres.port, aws_eks_cluster.cluster.role_arn: add one to REPRESENTATIVE_VALUES",
    );
  });

  test("has a value for every AWS attribute the real eks stack's Kubernetes objects read", () => {
    const app = Testing.app() as App;
    const stack = new EksStack(app, "eks-test", {
      environment: AWS,
      target: AWS.eks!,
      application: selectApplication(AWS.application, AWS.selection),
    });
    const part = kubernetesPart(JSON.parse(Testing.synth(stack)), "/tmp/kubeconfig");
    const types = Object.keys(part.config.resource ?? {});
    expect(types.every((t) => t.startsWith("kubernetes_") || t.startsWith("random_"))).toBe(true);
    expect(types).toEqual(expect.arrayContaining(["kubernetes_deployment_v1", "kubernetes_network_policy_v1"]));
    expect(part.standIns.map((s) => s.reference.replace(/\.[\w-]+_[0-9A-F]{8}\./, "."))).toEqual(
      expect.arrayContaining(["aws_db_instance.address", "aws_wafv2_web_acl.arn"]),
    );
  });
});
