import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput, TerraformStack, type Construct } from "../constructs/cdktf";
import { EcsApplication } from "../constructs/ecs/ecs-application";
import type { Application } from "../constructs/model";
import { applyPolicies } from "../constructs/policy";
import type { EcsTarget, Environment } from "../environments/types";
import { configureBackend } from "./backend";

export interface EcsStackProps {
  readonly environment: Environment;
  readonly target: EcsTarget;
  /** The application as the environment selects it (validated). */
  readonly application: Application;
}

/**
 * ARGO on ECS Fargate behind an ALB, in a VPC of its own. The AWS provider takes its credentials from the
 * deployer's credential chain (AWS_PROFILE, environment variables, SSO, an instance role); none are synthesized.
 */
export class EcsStack extends TerraformStack {
  readonly application: EcsApplication;

  constructor(scope: Construct, id: string, props: EcsStackProps) {
    super(scope, id);
    const { environment, target } = props;
    configureBackend(this, id, target.backend ?? environment.backend);
    new AwsProvider(this, "aws", {
      region: target.region,
      defaultTags: [{ tags: { application: props.application.name, environment: environment.name, ...target.tags } }],
    });
    new RandomProvider(this, "random");
    this.application = new EcsApplication(this, "argo", {
      app: props.application,
      target,
      adminCidrs: environment.adminCidrs,
    });
    new TerraformOutput(this, "load_balancer_dns_name", {
      value: this.application.loadBalancer.loadBalancer.dnsName,
      description: "Point the public name of the certificate at this (a CNAME or an alias record)",
    });
    new TerraformOutput(this, "cluster_name", { value: this.application.cluster.name });
    applyPolicies(this);
  }
}
