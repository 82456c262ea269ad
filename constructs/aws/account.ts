import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { Construct, TerraformStack } from "../cdktf";

/**
 * The account, partition and region the deployer's credentials point at, read at plan time (one lookup per
 * stack), so nothing account-specific is written into the configuration.
 */
export class AwsAccount extends Construct {
  static of(scope: Construct): AwsAccount {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild("AwsAccount");
    return existing instanceof AwsAccount ? existing : new AwsAccount(stack, "AwsAccount");
  }

  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  /** `amazonaws.com` (or the partition's own suffix). */
  readonly dnsSuffix: string;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const identity = new DataAwsCallerIdentity(this, "caller");
    const partition = new DataAwsPartition(this, "partition");
    const region = new DataAwsRegion(this, "region");
    this.accountId = identity.accountId;
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
    this.region = region.region;
  }
}
