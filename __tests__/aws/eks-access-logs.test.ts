import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack } from "../../constructs/cdktf";
import { applyPolicies } from "../../constructs/policy";
import { ingressLoadBalancerAttributes } from "../../constructs/policy/alb-access-logs";
import { ingressAnnotationsOf, synthAws, synthErrors } from "./synth";

const eks = synthAws("eks");

describe("eks: access logs of the load balancer controller's ALB", () => {
  const attributes = ingressLoadBalancerAttributes(ingressAnnotationsOf(eks));

  it("asks the controller for access logs to the stack's bucket, keeping the other attributes", () => {
    expect(Object.fromEntries(attributes)).toEqual({
      "deletion_protection.enabled": "true",
      "routing.http.drop_invalid_header_fields.enabled": "true",
      "access_logs.s3.enabled": "true",
      "access_logs.s3.bucket": eks.ref("aws_s3_bucket", "access-logs", "bucket"),
      "access_logs.s3.prefix": "alb",
    });
  });

  it("writes them to a private, versioned, SSE-S3 bucket that only ELB's log delivery writes to, over TLS", () => {
    const [bucket] = eks.list("aws_s3_bucket");
    expect(bucket.bucket).toMatch(/^argo-alb-logs-\$\{data\.aws_caller_identity\..*\}-\$\{data\.aws_region\..*\}$/);
    expect(eks.list("aws_s3_bucket_public_access_block")[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(eks.list("aws_s3_bucket_versioning")[0].versioning_configuration.status).toBe("Enabled");
    expect(
      eks.list("aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default
        .sse_algorithm,
    ).toBe("AES256");
    const lifecycle = eks
      .list("aws_s3_bucket_lifecycle_configuration")[0]
      .rule.find((r: any) => r.id === "expire-access-logs");
    expect(lifecycle.expiration[0].days).toBe(365);
    const policy = JSON.parse(eks.list("aws_s3_bucket_policy")[0].policy);
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
    });
    expect(policy.Statement[0].Resource).toMatch(
      /\/alb\/AWSLogs\/\$\{data\.aws_caller_identity\..*\.account_id\}\/\*$/,
    );
    expect(policy.Statement[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("creates the Ingress only once the bucket policy lets the load balancer write", () => {
    const [key] = Object.keys(eks.resources("aws_s3_bucket_policy"));
    expect(eks.list("kubernetes_ingress_v1")[0].depends_on).toEqual([`aws_s3_bucket_policy.${key}`]);
  });

  it("records the access logs with the routes", () => {
    const routes = eks.stack.node
      .findAll()
      .flatMap((c: any) => c.records ?? [])
      .find((r: any) => r.intent === "routes" && r.service === "*");
    expect(routes.realization).toContain("access logs to S3");
  });
});

describe("policy rule ARGO-ALB-ACCESS-LOGS on ALB Ingresses", () => {
  const ingress = (attributes: string) =>
    synthErrors((app) => {
      const stack = new TerraformStack(app, "ingress-logs");
      new KubernetesProvider(stack, "kubernetes", {});
      new IngressV1(stack, "ingress", {
        metadata: {
          name: "web",
          annotations: {
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/wafv2-acl-arn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1",
            "alb.ingress.kubernetes.io/load-balancer-attributes": attributes,
          },
        },
        spec: { ingressClassName: "alb", rule: [] },
      });
      applyPolicies(stack);
    });

  it("fails synth for an internet-facing ALB Ingress that asks for no access logs", () => {
    expect(ingress("deletion_protection.enabled=true")).toContain(
      "[ARGO-ALB-ACCESS-LOGS] Ingress web asks for no access logs",
    );
    expect(ingress("access_logs.s3.enabled=true")).toContain(
      "[ARGO-ALB-ACCESS-LOGS] Ingress web asks for no access logs",
    );
  });

  it("accepts one that logs to a bucket", () => {
    expect(ingress("access_logs.s3.enabled=true,access_logs.s3.bucket=logs,access_logs.s3.prefix=alb")).toBe("");
  });
});
