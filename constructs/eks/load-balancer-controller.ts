import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Release } from "@cdktf/provider-helm/lib/release";
import { DataHttp } from "@cdktf/provider-http/lib/data-http";
import { Construct } from "../cdktf";
import type { AwsNetwork } from "../aws/network";
import type { ArgoEksCluster } from "./eks-cluster";
import { LOAD_BALANCER_CONTROLLER } from "./versions";

const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "aws-load-balancer-controller";

export interface LoadBalancerControllerProps {
  readonly cluster: ArgoEksCluster;
  readonly network: AwsNetwork;
  readonly region: string;
}

/**
 * The AWS Load Balancer Controller, which turns the application's Ingress into an ALB. It runs with its own
 * IAM role (IRSA) holding the policy published with its release, fetched at plan time and checked against
 * its known SHA-256. Region and VPC are given explicitly: with IMDSv2's hop limit of 1, pods cannot ask
 * the instance metadata service.
 */
export class LoadBalancerController extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    const { cluster } = props;
    const name = cluster.cluster.name;
    const published = new DataHttp(this, "iam-policy-document", {
      url: LOAD_BALANCER_CONTROLLER.iamPolicyUrl,
      lifecycle: {
        postcondition: [
          {
            condition: `\${sha256(self.response_body) == "${LOAD_BALANCER_CONTROLLER.iamPolicySha256}"}`,
            errorMessage: `The AWS Load Balancer Controller IAM policy at ${LOAD_BALANCER_CONTROLLER.iamPolicyUrl} does not have the expected SHA-256; refusing to grant it.`,
          },
        ],
      },
    });
    const policy = new IamPolicy(this, "iam-policy", {
      name: `${cluster.name}-aws-load-balancer-controller`,
      description: `AWS Load Balancer Controller ${LOAD_BALANCER_CONTROLLER.appVersion}, as published with the release`,
      policy: published.responseBody,
    });
    const role = cluster.serviceAccountRole(
      "load-balancer-controller",
      NAMESPACE,
      SERVICE_ACCOUNT,
      `${cluster.name}-aws-load-balancer-controller`,
    );
    new IamRolePolicyAttachment(this, "role-policy", { role: role.name, policyArn: policy.arn });

    this.release = new Release(this, "release", {
      name: "aws-load-balancer-controller",
      namespace: NAMESPACE,
      repository: LOAD_BALANCER_CONTROLLER.chartRepository,
      chart: LOAD_BALANCER_CONTROLLER.chart,
      version: LOAD_BALANCER_CONTROLLER.chartVersion,
      atomic: true,
      wait: true,
      values: [
        JSON.stringify({
          clusterName: name,
          region: props.region,
          vpcId: props.network.vpc.id,
          replicaCount: 2,
          serviceAccount: {
            create: true,
            name: SERVICE_ACCOUNT,
            annotations: { "eks.amazonaws.com/role-arn": role.arn },
          },
          // Only Ingresses and Services that ask for it; no webhook rewriting every LoadBalancer Service.
          enableServiceMutatorWebhook: false,
          podDisruptionBudget: { maxUnavailable: 1 },
        }),
      ],
      dependsOn: [cluster.nodeGroup],
    });
  }
}
