import { ConsulProvider } from "@cdktf/provider-consul/lib/provider";
import { NomadProvider } from "@cdktf/provider-nomad/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { FROM_DEPLOYER_ENVIRONMENT, TerraformStack, type Construct } from "../constructs/cdktf";
import type { Application } from "../constructs/model";
import { NomadApplication } from "../constructs/nomad/nomad-application";
import { applyPolicies } from "../constructs/policy";
import type { Environment, NomadTarget } from "../environments/types";
import { configureBackend } from "./backend";

export interface NomadLabStackProps {
  readonly environment: Environment;
  readonly target: NomadTarget;
  /** The application as the environment selects it (validated). */
  readonly application: Application;
}

/**
 * ARGO on the lab's Nomad cluster, with Consul Connect and Fabio.
 *
 * Provider settings come from the deployer's environment at deploy time: NOMAD_ADDR, NOMAD_TOKEN,
 * NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY for Nomad; CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN,
 * CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY for Consul. Nothing about them is synthesized.
 */
export class NomadLabStack extends TerraformStack {
  readonly application: NomadApplication;

  constructor(scope: Construct, id: string, props: NomadLabStackProps) {
    super(scope, id);
    configureBackend(this, id, props.target.backend ?? props.environment.backend);
    new NomadProvider(this, "nomad", {
      address: FROM_DEPLOYER_ENVIRONMENT, // NOMAD_ADDR
      region: props.target.region,
    });
    new ConsulProvider(this, "consul", { datacenter: props.target.consul.datacenter });
    new RandomProvider(this, "random");
    this.application = new NomadApplication(this, "argo", {
      app: props.application,
      target: props.target,
      adminCidrs: props.environment.adminCidrs,
    });
    applyPolicies(this);
  }
}
