import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Construct } from "../cdktf";
import { ValidationError } from "../model/problems";
import type { AwsNetworkConfig } from "./target";
import { logEncryptionKey } from "./kms-key";
import { planSubnets, type SubnetPlan } from "./subnet-plan";
import { AwsAccount } from "./account";
import { actingFor, assumeRolePolicy } from "./iam";

export interface AwsNetworkProps {
  /** Prefix of resource names (Name tags, log group). */
  readonly name: string;
  readonly config: AwsNetworkConfig;
  /**
   * Tags the AWS Load Balancer Controller looks for to place load balancers (`kubernetes.io/role/elb` on
   * public, `kubernetes.io/role/internal-elb` on private subnets), and the cluster's ownership tag.
   * @default no Kubernetes tags
   */
  readonly kubernetesClusterName?: string;
}

export interface SubnetInZone {
  readonly availabilityZone: string;
  readonly cidr: string;
  readonly subnet: Subnet;
  readonly routeTable: RouteTable;
}

/**
 * The VPC every AWS target stands on: public and private subnets in each availability zone, an internet
 * gateway for the public ones, NAT gateways for the private ones (one per zone, or a single one), the
 * default security group closed, and flow logs of all traffic to an encrypted CloudWatch log group.
 * Only load balancers belong in the public subnets; everything else runs in the private ones.
 */
export class AwsNetwork extends Construct {
  readonly vpc: Vpc;
  readonly plan: SubnetPlan;
  readonly publicSubnets: readonly SubnetInZone[];
  readonly privateSubnets: readonly SubnetInZone[];
  readonly natGateways: readonly NatGateway[];
  readonly flowLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: AwsNetworkProps) {
    super(scope, id);
    const { config, name } = props;
    const plan = planSubnets(config, "network");
    if (Array.isArray(plan)) throw new ValidationError(`The network of ${name}`, plan);
    this.plan = plan;
    const zones = config.availabilityZones;
    const clusterTag = props.kubernetesClusterName
      ? { [`kubernetes.io/cluster/${props.kubernetesClusterName}`]: "shared" }
      : {};

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: config.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: name },
    });
    // An open default group would be attached to anything created without one (CKV2_AWS_12).
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      tags: { Name: `${name}-default-closed` },
    });

    const gateway = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id, tags: { Name: name } });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: this.vpc.id,
      tags: { Name: `${name}-public` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: gateway.id,
    });

    this.publicSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `public-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: plan.public[i],
        // Load balancers get their addresses explicitly; nothing launched here gets one by accident.
        mapPublicIpOnLaunch: false,
        tags: {
          Name: `${name}-public-${zone}`,
          tier: "public",
          ...clusterTag,
          ...(props.kubernetesClusterName ? { "kubernetes.io/role/elb": "1" } : {}),
        },
      });
      new RouteTableAssociation(this, `public-${zone}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return { availabilityZone: zone, cidr: plan.public[i], subnet, routeTable: publicRoutes };
    });

    const natZones = config.natGateways === "one-per-az" ? zones : zones.slice(0, 1);
    this.natGateways = natZones.map((zone, i) => {
      const address = new Eip(this, `nat-${zone}-address`, { domain: "vpc", tags: { Name: `${name}-nat-${zone}` } });
      return new NatGateway(this, `nat-${zone}`, {
        allocationId: address.allocationId,
        subnetId: this.publicSubnets[i].subnet.id,
        tags: { Name: `${name}-${zone}` },
        dependsOn: [gateway],
      });
    });

    this.privateSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `private-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: plan.private[i],
        tags: {
          Name: `${name}-private-${zone}`,
          tier: "private",
          ...clusterTag,
          ...(props.kubernetesClusterName ? { "kubernetes.io/role/internal-elb": "1" } : {}),
        },
      });
      const routes = new RouteTable(this, `private-${zone}-routes`, {
        vpcId: this.vpc.id,
        tags: { Name: `${name}-private-${zone}` },
      });
      new Route(this, `private-${zone}-default-route`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: this.natGateways[Math.min(i, this.natGateways.length - 1)].id,
      });
      new RouteTableAssociation(this, `private-${zone}-route-association`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return { availabilityZone: zone, cidr: plan.private[i], subnet, routeTable: routes };
    });

    const account = AwsAccount.of(this);
    const logKey = logEncryptionKey(this, "flow-log-key", {
      alias: `${name}-flow-logs`,
      description: `Encrypts the VPC flow logs of ${name}`,
    });
    this.flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/aws/vpc/${name}/flow-logs`,
      retentionInDays: config.flowLogRetentionDays,
      kmsKeyId: logKey.arn,
    });
    const flowLogRole = new IamRole(this, "flow-log-role", {
      name: `${name}-vpc-flow-logs`,
      // Flow logs send the account and the flow log's ARN when they assume the role (VPC user guide).
      assumeRolePolicy: assumeRolePolicy(
        { Service: "vpc-flow-logs.amazonaws.com" },
        {
          condition: actingFor(
            account.accountId,
            `arn:${account.partition}:ec2:${account.region}:${account.accountId}:vpc-flow-log/*`,
          ),
        },
      ),
    });
    new IamRolePolicy(this, "flow-log-role-policy", {
      role: flowLogRole.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: `${this.flowLogGroup.arn}:*`,
          },
        ],
      }),
    });
    // All traffic, accepted and rejected (CKV2_AWS_11).
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
    });
  }

  get privateSubnetIds(): string[] {
    return this.privateSubnets.map((s) => s.subnet.id);
  }

  get publicSubnetIds(): string[] {
    return this.publicSubnets.map((s) => s.subnet.id);
  }
}
