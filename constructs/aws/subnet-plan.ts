import { cidrsOverlap, formatIpv4, parseCidr, type Cidr } from "../model/cidr";
import type { Problem } from "../model/problems";
import type { AwsNetworkConfig } from "./target";

/** Where each zone's subnets lie in the VPC. */
export interface SubnetPlan {
  readonly public: readonly string[];
  readonly private: readonly string[];
}

/** AWS accepts VPCs and subnets from /16 to /28. */
const AWS_LARGEST_PREFIX = 16;
const AWS_SMALLEST_PREFIX = 28;

/**
 * The subnets of a network: the explicit ones, or carved from the VPC range (private subnets of a quarter each
 * from the start, public subnets of a sixteenth each from the last quarter). Returns the problems instead when
 * the VPC range or the subnets are invalid, overlap, leave the VPC, or do not fit.
 */
export function planSubnets(network: AwsNetworkConfig, path: string): SubnetPlan | Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, message: string) => problems.push({ path: `${path}.${field}`, message });
  const zones = network.availabilityZones.length;
  if (zones < 2) {
    add(
      "availabilityZones",
      `lists ${zones} zone${zones === 1 ? "" : "s"} (${network.availabilityZones.join(", ") || "none"}); at least 2 are needed (3 for production) so the load balancer and the database survive a zone outage`,
    );
  }
  if (new Set(network.availabilityZones).size !== zones)
    add("availabilityZones", `lists a zone twice (${network.availabilityZones.join(", ")})`);
  const vpc = parseCidr(network.vpcCidr);
  if (typeof vpc === "string") {
    add("vpcCidr", `"${network.vpcCidr}" is not a valid CIDR: ${vpc}`);
    return problems;
  }
  if (vpc.prefixLength < AWS_LARGEST_PREFIX || vpc.prefixLength > 24) {
    add("vpcCidr", `${network.vpcCidr} is a /${vpc.prefixLength}; a VPC here must be /16 to /24`);
    return problems;
  }
  if (problems.length > 0) return problems;

  const plan = network.subnets ?? carve(vpc, zones);
  if (typeof plan === "string") {
    add("vpcCidr", plan);
    return problems;
  }
  const parsed: { field: string; text: string; cidr: Cidr }[] = [];
  for (const kind of ["public", "private"] as const) {
    const list = plan[kind];
    if (list.length !== zones) {
      add(
        `subnets.${kind}`,
        `lists ${list.length} subnet(s) for ${zones} availability zones (one per zone, in the same order)`,
      );
    }
    list.forEach((text, i) => {
      const field = `subnets.${kind}[${i}]`;
      const cidr = parseCidr(text);
      const clash = typeof cidr === "string" ? undefined : parsed.find((p) => cidrsOverlap(p.cidr, cidr));
      if (typeof cidr === "string") add(field, `"${text}" is not a valid CIDR: ${cidr}`);
      else if (cidr.prefixLength > AWS_SMALLEST_PREFIX)
        add(field, `${text} is smaller than /${AWS_SMALLEST_PREFIX}, the smallest subnet AWS allows`);
      else if (cidr.first < vpc.first || cidr.last > vpc.last)
        add(field, `${text} lies outside the VPC ${network.vpcCidr}; choose a range inside it`);
      else if (clash) add(field, `${text} overlaps ${clash.field} (${clash.text}); give each subnet its own range`);
      else parsed.push({ field, text, cidr });
    });
  }
  return problems.length > 0 ? problems : plan;
}

function carve(vpc: Cidr, zones: number): SubnetPlan | string {
  const privatePrefix = vpc.prefixLength + 2;
  const publicPrefix = vpc.prefixLength + 4;
  if (zones > 3) {
    return `the default subnet plan fits 3 availability zones (private quarters of the VPC, public subnets in the last quarter); list ${zones} zones' subnets explicitly in subnets.public and subnets.private`;
  }
  if (publicPrefix > AWS_SMALLEST_PREFIX) {
    return `${vpc.text} is too small for the default subnet plan (public subnets would be /${publicPrefix}, smaller than /${AWS_SMALLEST_PREFIX}); use a larger VPC or list subnets explicitly`;
  }
  const block = (prefix: number, index: number) => `${formatIpv4(vpc.first + index * 2 ** (32 - prefix))}/${prefix}`;
  return {
    private: Array.from({ length: zones }, (_, i) => block(privatePrefix, i)),
    public: Array.from({ length: zones }, (_, i) => block(publicPrefix, 12 + i)),
  };
}

/** Retention periods CloudWatch Logs accepts, in days. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
