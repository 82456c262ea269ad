import { TerraformResource, type Construct, type TerraformMetaArguments } from "../cdktf";
import { toHclAttributes, toTerraformAttributes } from "./attributes";
import { PROXMOX_PROVIDER } from "./resource-types";

const META_ARGUMENTS = [
  "dependsOn",
  "count",
  "provider",
  "lifecycle",
  "forEach",
  "provisioners",
  "connection",
] as const;

/**
 * Base of the hand-written bpg/proxmox bindings: the shape of a generated cdktf binding (a TerraformResource
 * with typed config, snake_case attributes, meta-arguments passed to cdktf), so generated bindings can
 * replace these without touching their users.
 */
export abstract class ProxmoxResource<Config extends object> extends TerraformResource {
  private readonly attributes: Record<string, unknown>;

  protected constructor(
    scope: Construct,
    id: string,
    terraformResourceType: string,
    config: Config & TerraformMetaArguments,
  ) {
    super(scope, id, {
      terraformResourceType,
      terraformGeneratorMetadata: { providerName: PROXMOX_PROVIDER.name, providerVersion: PROXMOX_PROVIDER.version },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
      provisioners: config.provisioners,
      connection: config.connection,
    });
    const attributes = { ...config } as Record<string, unknown>;
    for (const key of META_ARGUMENTS) delete attributes[key];
    this.attributes = attributes;
  }

  /** The resource's ID (for files: the volume ID `<datastore>:<content type>/<file name>`). */
  get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return toTerraformAttributes(this.attributes);
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return toHclAttributes(this.attributes);
  }
}
