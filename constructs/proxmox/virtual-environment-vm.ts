import type { Construct, TerraformMetaArguments } from "../cdktf";
import { ProxmoxResource } from "./resource";
import { PROXMOX_TYPES } from "./resource-types";

/**
 * `proxmox_virtual_environment_vm` (the attributes the lab uses; every nested object is a block list, except
 * `network_device`, see NETWORK_DEVICE_ATTRIBUTES).
 */
export interface VirtualEnvironmentVmConfig extends TerraformMetaArguments {
  readonly nodeName: string;
  readonly name?: string;
  readonly vmId?: number;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Start with the Proxmox host. @default true */
  readonly onBoot?: boolean;
  readonly started?: boolean;
  readonly stopOnDestroy?: boolean;
  readonly scsiHardware?: string;
  readonly bios?: "seabios" | "ovmf";
  readonly machine?: string;
  readonly agent?: readonly { readonly enabled?: boolean; readonly trim?: boolean; readonly type?: "virtio" | "isa" }[];
  readonly cpu?: readonly { readonly cores?: number; readonly sockets?: number; readonly type?: string }[];
  readonly memory?: readonly { readonly dedicated?: number; readonly floating?: number }[];
  readonly disk?: readonly VmDisk[];
  readonly networkDevice?: readonly {
    readonly bridge?: string;
    readonly model?: string;
    readonly vlanId?: number;
    readonly firewall?: boolean;
  }[];
  readonly initialization?: readonly VmInitialization[];
  readonly operatingSystem?: readonly { readonly type?: string }[];
  readonly serialDevice?: readonly { readonly device?: string }[];
}

export interface VmDisk {
  readonly interface: string;
  readonly datastoreId?: string;
  /** Size in GB. */
  readonly size?: number;
  /** A file of content type `import` (`<datastore>:import/<file>`) copied into the disk at creation. */
  readonly importFrom?: string;
  readonly fileId?: string;
  readonly fileFormat?: string;
  readonly discard?: "on" | "ignore";
  readonly iothread?: boolean;
  readonly ssd?: boolean;
}

export interface VmInitialization {
  readonly datastoreId?: string;
  readonly ipConfig?: readonly {
    readonly ipv4?: readonly { readonly address?: string; readonly gateway?: string }[];
  }[];
  readonly dns?: readonly { readonly domain?: string; readonly servers?: readonly string[] }[];
  /** Volume ID of a `snippets` file with the cloud-config (`<datastore>:snippets/<file>`). */
  readonly userDataFileId?: string;
  readonly vendorDataFileId?: string;
}

/**
 * `network_device` is not a block but an attribute of type list(object) (the SDK's "attributes as blocks"
 * mode). HCL's block syntax fills in the attributes a block leaves out; in JSON it is a plain attribute value,
 * and Terraform refuses an object without every attribute of the type ("attributes ... are required"). So
 * each device is written with all of them, null where not set (which is what the block syntax gives).
 */
export const NETWORK_DEVICE_ATTRIBUTES = [
  "bridge",
  "disconnected",
  "enabled",
  "firewall",
  "mac_address",
  "model",
  "mtu",
  "queues",
  "rate_limit",
  "trunks",
  "vlan_id",
] as const;

export class VirtualEnvironmentVm extends ProxmoxResource<VirtualEnvironmentVmConfig> {
  static readonly tfResourceType = PROXMOX_TYPES.vm;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentVmConfig) {
    super(scope, id, PROXMOX_TYPES.vm, config);
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const attributes = super.synthesizeAttributes();
    const devices = attributes.network_device as Record<string, unknown>[] | undefined;
    if (devices) {
      const unset = Object.fromEntries(NETWORK_DEVICE_ATTRIBUTES.map((name) => [name, null]));
      attributes.network_device = devices.map((device) => ({ ...unset, ...device }));
    }
    return attributes;
  }

  get vmIdAttribute(): number {
    return this.getNumberAttribute("vm_id");
  }

  get ipv4Addresses(): string {
    return this.getStringAttribute("ipv4_addresses");
  }
}
