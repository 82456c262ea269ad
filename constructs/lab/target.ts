import type { BackendConfig } from "../model";
import type { NomadTarget } from "../nomad/target";
import type { SwarmTarget } from "../swarm/target";

/**
 * The lab's hardware tier as an environment describes it (`Environment.lab`, composed in environments/types.ts):
 * the Proxmox host, its VMs and the Raspberry Pis.
 */

export type LabVmRole = "nomad-server" | "nomad-client" | "swarm-manager" | "swarm-worker" | "support";

export const LAB_VM_ROLES: readonly LabVmRole[] = [
  "nomad-server",
  "nomad-client",
  "swarm-manager",
  "swarm-worker",
  "support",
];

export interface LabVm {
  readonly name: string;
  readonly role: LabVmRole;
  /** Proxmox VM ID; fixed per VM so that adding a VM never renumbers (and replaces) the others. */
  readonly vmId: number;
  readonly address: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

export interface LabPi {
  readonly name: string;
  /** `dns`: dnsmasq for the lab, forwarding `.consul`; `edge`: HAProxy terminating TLS in front of the ingress. */
  readonly role: "dns" | "edge";
  readonly address: string;
  /** User the deployer's SSH agent logs in as to configure the Pi (needs passwordless sudo). */
  readonly sshUser: string;
}

/** What the lab stack's infrastructure reads of its environment: the inventory and the clusters it builds. */
export interface LabEnvironment {
  readonly name: string;
  readonly adminCidrs: readonly string[];
  readonly backend?: BackendConfig;
  readonly lab?: LabInventory;
  /** The Nomad target, whose agents, host volumes and edge the lab configures. */
  readonly nomad?: NomadTarget;
  /** The Swarm target, whose nodes, volume labels and edge the lab configures. */
  readonly swarm?: SwarmTarget;
}

export interface LabInventory {
  /** @default `lab-<environment name>` */
  readonly stackName?: string;
  readonly lanCidr: string;
  readonly gateway: string;
  /** Resolvers the lab's machines use (the dns Pi). */
  readonly dnsServers: readonly string[];
  /** Resolvers the dns Pi forwards everything else to. */
  readonly upstreamDnsServers: readonly string[];
  readonly domain: string;
  readonly proxmox: {
    readonly nodeName: string;
    readonly address: string;
    readonly bridge: string;
    /** Datastore for VM disks and cloud-init drives. */
    readonly vmDatastore: string;
    /** File datastore with the "snippets" and "import" content types enabled. */
    readonly fileDatastore: string;
  };
  /** The VM base image, downloaded by Proxmox and verified against its published checksum. */
  readonly image: { readonly url: string; readonly fileName: string; readonly checksumSha256: string };
  /**
   * The administrator account on every VM. Without `sshPublicKeys` the keys are a deploy-time variable
   * (TF_VAR_admin_ssh_public_keys, a JSON list), so a fork need not commit anyone's key.
   */
  readonly admin: { readonly user: string; readonly sshPublicKeys?: readonly string[] };
  readonly vms: readonly LabVm[];
  readonly pis: readonly LabPi[];
  /** The TLS edge (HAProxy on the edge Pi): one public name per platform. */
  readonly edge: {
    readonly nomadHostname: string;
    readonly swarmHostname: string;
  };
}
