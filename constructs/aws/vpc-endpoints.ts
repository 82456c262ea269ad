import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Construct } from "../cdktf";
import { AwsAccount } from "./account";
import type { AwsNetwork } from "./network";

/**
 * What a Fargate task in a private subnet calls at start and while it runs: ECR's API and registry (image
 * manifests), CloudWatch Logs (the awslogs driver) and Secrets Manager (secrets injected by ECS). Image layers
 * come from S3, through the gateway endpoint.
 */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

export interface PrivateServiceEndpointsProps {
  /** Prefix of the endpoints' Name tags. */
  readonly name: string;
  readonly network: AwsNetwork;
  /** AWS region of the network (the endpoints' service names). */
  readonly region: string;
  /** The interface endpoints' security group, which admits HTTPS from their clients. */
  readonly securityGroupId: string;
}

/**
 * AWS APIs inside the VPC: an interface endpoint with private DNS per service of INTERFACE_ENDPOINT_SERVICES in
 * every private subnet, and an S3 gateway endpoint on the private route tables whose policy allows only reading
 * ECR's image layers (ECR's documented minimum). Tasks reach these without a NAT gateway; the gateway endpoint
 * takes every request from the private subnets to this region's S3, so no other bucket of the region is reached
 * from them.
 */
export class PrivateServiceEndpoints extends Construct {
  readonly interfaceEndpoints = new Map<string, VpcEndpoint>();
  readonly s3: VpcEndpoint;

  constructor(scope: Construct, id: string, props: PrivateServiceEndpointsProps) {
    super(scope, id);
    const account = AwsAccount.of(this);
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      this.interfaceEndpoints.set(
        service,
        new VpcEndpoint(this, service.replace(/\./g, "-"), {
          vpcId: props.network.vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: props.network.privateSubnetIds,
          securityGroupIds: [props.securityGroupId],
          tags: { Name: `${props.name}-${service}` },
        }),
      );
    }
    this.s3 = new VpcEndpoint(this, "s3", {
      vpcId: props.network.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: props.network.privateSubnets.map((s) => s.routeTable.id),
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EcrImageLayers",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: `arn:${account.partition}:s3:::prod-${props.region}-starport-layer-bucket/*`,
          },
        ],
      }),
      tags: { Name: `${props.name}-s3` },
    });
  }

  get s3PrefixListId(): string {
    return this.s3.prefixListId;
  }
}
