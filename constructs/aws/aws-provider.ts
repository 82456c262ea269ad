import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "../cdktf";
import type { AwsTargetBase } from "./target";

/** What the provider's default tags name of the environment. */
export interface TaggedEnvironment {
  readonly name: string;
  readonly application: { readonly name: string };
}

/**
 * The AWS provider of a stack: the target's region and tags on every resource. Credentials are never
 * configured here; the provider reads the deployer's credential chain (AWS_PROFILE, SSO, instance role).
 */
export function awsProvider(
  scope: Construct,
  environment: TaggedEnvironment,
  target: AwsTargetBase,
  stackName: string,
): AwsProvider {
  return new AwsProvider(scope, "aws", {
    region: target.region,
    defaultTags: [
      {
        tags: {
          application: environment.application.name,
          environment: environment.name,
          stack: stackName,
          "managed-by": "terraform",
          ...target.tags,
        },
      },
    ],
  });
}
