import { TerraformResource, type Construct, type TerraformMetaArguments } from "../cdktf";

export interface TerraformDataConfig extends TerraformMetaArguments {
  /** Stored in state and reflected in `output`. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** Any change replaces the resource, which re-runs its provisioners. */
  readonly triggersReplace?: Readonly<Record<string, unknown>>;
}

/**
 * Terraform's built-in `terraform_data` resource (Terraform >= 1.4). cdktf's own binding runs
 * `terraform version` during synth to check that, which fails on machines without Terraform (CI, a fresh
 * clone) and costs a process per resource; the version requirement is in the runbooks instead (docs/lab.md).
 */
export class TerraformData extends TerraformResource {
  static readonly tfResourceType = "terraform_data";

  constructor(
    scope: Construct,
    id: string,
    private readonly config: TerraformDataConfig = {},
  ) {
    super(scope, id, {
      terraformResourceType: TerraformData.tfResourceType,
      terraformGeneratorMetadata: { providerName: "terraform" },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
  }

  get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: this.config.input, triggers_replace: this.config.triggersReplace };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    const attribute = (value: unknown) =>
      value === undefined ? undefined : { value, isBlock: false, type: "simple", storageClassType: "any" };
    return Object.fromEntries(
      Object.entries({
        input: attribute(this.config.input),
        triggers_replace: attribute(this.config.triggersReplace),
      }).filter(([, v]) => v !== undefined),
    );
  }
}
