import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "../cdktf";

export interface SecurityGroupsProps {
  readonly vpcId: string;
  /** Prefix of the groups' names. */
  readonly prefix: string;
}

/**
 * The stack's security groups by member (a service, the load balancer, the cache, the file system), and the
 * rules between them: each allowed flow is one ingress rule on the target and one egress rule on the caller,
 * on exactly one port. Terraform removes the default allow-all egress of a new group, so a group allows no
 * traffic but what is added here.
 */
export class SecurityGroups extends Construct {
  private readonly groups = new Map<string, string>();
  /** Flows already allowed: a pair the model names twice (a call and a scrape on one port) is one rule. */
  private readonly allowed = new Set<string>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SecurityGroupsProps,
  ) {
    super(scope, id);
  }

  /** Creates the group of `member`. */
  add(member: string, description: string): string {
    const group = new SecurityGroup(this, member, {
      name: `${this.props.prefix}-${member}`,
      description,
      vpcId: this.props.vpcId,
      tags: { Name: `${this.props.prefix}-${member}` },
    });
    this.groups.set(member, group.id);
    return group.id;
  }

  /** A group created elsewhere (the database's), so flows can name it. */
  adopt(member: string, groupId: string): void {
    this.groups.set(member, groupId);
  }

  idOf(member: string): string {
    const id = this.groups.get(member);
    if (!id) throw new Error(`no security group for "${member}" (known: ${[...this.groups.keys()].join(", ")})`);
    return id;
  }

  /**
   * `from` may open connections to `to` on `port`. `ingress: false` adds only the caller's egress rule, where the
   * target's ingress belongs to another construct (the database's own rules).
   */
  allow(from: string, to: string, port: number, description: string, options: { ingress?: boolean } = {}): void {
    const flow = `${from}>${to}:${port}`;
    if (this.allowed.has(flow)) return;
    this.allowed.add(flow);
    if (options.ingress !== false) {
      new VpcSecurityGroupIngressRule(this, `${to}-from-${from}-${port}`, {
        securityGroupId: this.idOf(to),
        referencedSecurityGroupId: this.idOf(from),
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description,
      });
    }
    new VpcSecurityGroupEgressRule(this, `${from}-to-${to}-${port}`, {
      securityGroupId: this.idOf(from),
      referencedSecurityGroupId: this.idOf(to),
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description,
    });
  }

  /** Inbound from address ranges (the internet, to the load balancer). */
  allowFromCidrs(to: string, cidrs: readonly string[], port: number, description: string): void {
    cidrs.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `${to}-from-cidr-${i}-${port}`, {
        securityGroupId: this.idOf(to),
        cidrIpv4: cidr,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description,
      });
    });
  }

  /** Outbound to a managed prefix list (S3 through its gateway endpoint). */
  allowToPrefixList(from: string, prefixListId: string, port: number, description: string): void {
    new VpcSecurityGroupEgressRule(this, `${from}-to-prefix-list-${port}`, {
      securityGroupId: this.idOf(from),
      prefixListId,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description,
    });
  }

  /** Outbound to address ranges (image registries outside AWS, through the NAT gateways). */
  allowToCidr(from: string, cidr: string, port: number, description: string): void {
    new VpcSecurityGroupEgressRule(this, `${from}-to-cidr-${port}`, {
      securityGroupId: this.idOf(from),
      cidrIpv4: cidr,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description,
    });
  }
}
