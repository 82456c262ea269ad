import { TerraformProvider, type Construct } from "../cdktf";
import { toHclAttributes, toTerraformAttributes } from "./attributes";
import { PROXMOX_PROVIDER } from "./resource-types";

export interface ProxmoxProviderSsh {
  /** Use the deployer's SSH agent (needed to upload snippets, which Proxmox' API cannot take). */
  readonly agent?: boolean;
  readonly username?: string;
  readonly node?: readonly { readonly name: string; readonly address: string; readonly port?: number }[];
}

/**
 * The bpg/proxmox provider. Endpoint and API token are deliberately absent from the config: the provider reads
 * PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN and PROXMOX_VE_SSH_USERNAME from the deployer's environment.
 */
export interface ProxmoxProviderConfig {
  readonly insecure?: boolean;
  readonly minTls?: string;
  readonly ssh?: readonly ProxmoxProviderSsh[];
  readonly alias?: string;
}

export class ProxmoxProvider extends TerraformProvider {
  static readonly tfResourceType = PROXMOX_PROVIDER.name;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: ProxmoxProviderConfig = {},
  ) {
    super(scope, id, {
      terraformResourceType: PROXMOX_PROVIDER.name,
      terraformGeneratorMetadata: { providerName: PROXMOX_PROVIDER.name, providerVersion: PROXMOX_PROVIDER.version },
      terraformProviderSource: PROXMOX_PROVIDER.source,
    });
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const { alias: _alias, ...rest } = this.config;
    return { ...toTerraformAttributes({ ...rest }), alias: this.alias };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    const { alias: _alias, ...rest } = this.config;
    return toHclAttributes({ ...rest });
  }
}
