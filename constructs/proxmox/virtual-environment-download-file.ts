import type { Construct, TerraformMetaArguments } from "../cdktf";
import { ProxmoxResource } from "./resource";
import { PROXMOX_TYPES } from "./resource-types";

/** `proxmox_download_file` (formerly `proxmox_virtual_environment_download_file`): Proxmox downloads a file from a URL and verifies it. */
export interface VirtualEnvironmentDownloadFileConfig extends TerraformMetaArguments {
  readonly nodeName: string;
  readonly datastoreId: string;
  readonly contentType: "iso" | "vztmpl" | "import";
  readonly url: string;
  readonly fileName?: string;
  readonly checksum?: string;
  readonly checksumAlgorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
  readonly decompressionAlgorithm?: "gz" | "lzo" | "zst" | "bz2";
  readonly overwrite?: boolean;
  readonly overwriteUnmanaged?: boolean;
  readonly uploadTimeout?: number;
  readonly verify?: boolean;
}

export class VirtualEnvironmentDownloadFile extends ProxmoxResource<VirtualEnvironmentDownloadFileConfig> {
  static readonly tfResourceType = PROXMOX_TYPES.downloadFile;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentDownloadFileConfig) {
    super(scope, id, PROXMOX_TYPES.downloadFile, config);
  }
}
