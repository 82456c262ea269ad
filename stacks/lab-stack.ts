import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { TerraformStack, type Construct } from "../constructs/cdktf";
import { LabInfrastructure } from "../constructs/lab/lab-infrastructure";
import type { Application } from "../constructs/model";
import { consulReadersOf } from "../constructs/nomad/consul-task-policies";
import { nodeVolumesOf } from "../constructs/nomad/node-volumes";
import { applyPolicies } from "../constructs/policy";
import { ProxmoxProvider } from "../constructs/proxmox/provider";
import type { Environment } from "../environments/types";
import { configureBackend } from "./backend";

export interface LabStackProps {
  readonly environment: Environment;
  /** The application as the environment selects it (validated): its persistent volumes become host volumes. */
  readonly application: Application;
}

/**
 * The hardware tier. The Proxmox provider reads PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN and
 * PROXMOX_VE_SSH_USERNAME from the deployer's environment, and uploads cloud-init snippets over SSH with the
 * deployer's agent; the Swarm and the Pis are configured over SSH with the same agent.
 */
export class LabStack extends TerraformStack {
  readonly infrastructure: LabInfrastructure;

  constructor(scope: Construct, id: string, props: LabStackProps) {
    super(scope, id);
    configureBackend(this, id, props.environment.backend);
    new ProxmoxProvider(this, "proxmox", { ssh: [{ agent: true }] });
    new TlsProvider(this, "tls");
    new RandomProvider(this, "random");
    const hostVolumeOwners = Object.fromEntries(
      props.application.services.flatMap((s) =>
        (s.volumes ?? []).flatMap((v) => (v.kind === "persistent" ? [[v.name, v.ownerUid]] : [])),
      ),
    );
    // The node paths the Nomad jobs mount: the clients offer exactly these (read-only), as the jobs render them.
    const nodeVolumes = props.environment.nomad ? nodeVolumesOf(props.application, props.environment.nomad) : {};
    this.infrastructure = new LabInfrastructure(this, "lab", {
      environment: props.environment,
      hostVolumeOwners,
      nodeVolumes,
      // The Nomad jobs' tasks that read Consul log in to these policies, which the lab's bootstrap creates.
      consulReaders: props.environment.nomad ? consulReadersOf(props.application) : {},
    });
    applyPolicies(this);
  }
}
