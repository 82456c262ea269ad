import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformStack, type Construct } from "../constructs/cdktf";
import type { Application } from "../constructs/model";
import { applyPolicies } from "../constructs/policy";
import { SwarmApplication } from "../constructs/swarm/swarm-application";
import type { Environment, SwarmTarget } from "../environments/types";
import { configureBackend } from "./backend";

export interface SwarmLabStackProps {
  readonly environment: Environment;
  readonly target: SwarmTarget;
  readonly application: Application;
}

/**
 * ARGO on the lab's Docker Swarm. The provider talks to a manager's Docker API over SSH with the deployer's
 * agent (`ssh://user@host` from the environment); no credential is part of the configuration.
 */
export class SwarmLabStack extends TerraformStack {
  readonly application: SwarmApplication;

  constructor(scope: Construct, id: string, props: SwarmLabStackProps) {
    super(scope, id);
    configureBackend(this, id, props.target.backend ?? props.environment.backend);
    new DockerProvider(this, "docker", {
      host: props.target.dockerHost,
      sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes"],
    });
    new RandomProvider(this, "random");
    this.application = new SwarmApplication(this, "argo", {
      app: props.application,
      target: props.target,
      adminCidrs: props.environment.adminCidrs,
    });
    applyPolicies(this);
  }
}
