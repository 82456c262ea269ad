import type { Construct, TerraformMetaArguments } from "../cdktf";
import { ProxmoxResource } from "./resource";
import { PROXMOX_TYPES } from "./resource-types";

/** `proxmox_virtual_environment_file`: a file on a Proxmox datastore (here: cloud-init snippets, uploaded over SSH). */
export interface VirtualEnvironmentFileConfig extends TerraformMetaArguments {
  readonly nodeName: string;
  readonly datastoreId: string;
  readonly contentType: "snippets" | "iso" | "vztmpl" | "import" | "backup";
  readonly sourceRaw?: readonly { readonly data: string; readonly fileName: string; readonly resize?: number }[];
  readonly overwrite?: boolean;
  readonly timeoutUpload?: number;
}

export class VirtualEnvironmentFile extends ProxmoxResource<VirtualEnvironmentFileConfig> {
  static readonly tfResourceType = PROXMOX_TYPES.file;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFileConfig) {
    super(scope, id, PROXMOX_TYPES.file, config);
  }
}
