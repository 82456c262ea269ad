/**
 * Every Terraform type name of the bpg/proxmox provider the project uses, in one place: the provider is
 * moving all names to a `proxmox_` prefix (its ADR 007; `proxmox_download_file` already exists), and this is
 * the file that changes when we follow.
 */
export const PROXMOX_PROVIDER = {
  name: "proxmox",
  source: "bpg/proxmox",
  version: "0.111.1",
} as const;

export const PROXMOX_TYPES = {
  vm: "proxmox_virtual_environment_vm",
  file: "proxmox_virtual_environment_file",
  /**
   * bpg/proxmox 0.111 deprecates `proxmox_virtual_environment_download_file` (removed in v1.0); same schema.
   * A lab deployed under the old name moves its state once: a `moved` block (Terraform >= 1.8, the provider
   * moves the state), or `terraform state rm` of the old address and `terraform import` of the new one
   * (`<node>/<datastore>:<content type>/<file>`); without it the image is deleted and downloaded again.
   */
  downloadFile: "proxmox_download_file",
} as const;
