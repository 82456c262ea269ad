/**
 * The two renderings of the swarm-lab stack as the e2e deploys them, behind one interface so that the same
 * checks run against either: the stack file through `docker stack deploy` (secrets created beforehand, as an
 * operator does), and the kreuzwerker/docker resources through `terraform apply` (e2e/terraform.ts).
 */
import * as fs from "fs";
import * as path from "path";
import type { SwarmDeployment } from "../constructs/swarm/deployment";
import { STACK_FILE } from "../constructs/swarm/stack-file";
import { SECRET_NAME_HASH_LENGTH } from "../constructs/swarm/swarm-application";
import type { Engine } from "./docker";
import { TerraformRuns, type Outcome } from "./terraform";

export type RenderingName = "stack-file" | "terraform";
export type Release = "good" | "broken";

/** ARGO_E2E_RENDERING: which renderings a run proves, in this order. */
export function selectedRenderings(value = process.env.ARGO_E2E_RENDERING ?? "stack-file"): RenderingName[] {
  if (value === "stack-file" || value === "terraform") return [value];
  if (value === "both") return ["stack-file", "terraform"];
  throw new Error(`ARGO_E2E_RENDERING=${value}: expected stack-file, terraform or both`);
}

export interface Rendering {
  readonly name: RenderingName;
  /** What deploys it, in check names. */
  readonly deployCommand: string;
  /** Its counterpart of `docker stack rm`, in check names. */
  readonly removeCommand: string;
  /** What the deployment needs besides what `deploy` creates. */
  prepare(): Promise<void>;
  deploy(release: Release): Promise<void>;
  /** What `docker stack rm` removes: services, networks, configs. Secrets and volumes stay. */
  removeStack(): Promise<string>;
  /** Everything it created (volumes are created by the engines; the caller removes them). */
  removeAll(): Promise<string>;
  /** The value of one of the deployment's secrets (by key), as the services should see it. */
  secretValue(key: string): Promise<string>;
  secretValues(): Promise<string[]>;
  /** A Swarm secret's name as both renderings share it. */
  secretBase(engineName: string): string;
}

export class StackFileRendering implements Rendering {
  readonly name = "stack-file";
  readonly deployCommand = "docker stack deploy";
  readonly removeCommand = "docker stack rm";

  /** `deployment`: planned with the values generated for this run (an operator's secrets). */
  constructor(
    private readonly manager: Engine,
    private readonly dirs: Readonly<Record<Release, string>>,
    private readonly deployment: SwarmDeployment,
    private readonly servicesGone: () => Promise<void>,
  ) {}

  async prepare(): Promise<void> {
    for (const secret of this.deployment.secrets)
      await this.manager.cli(["secret", "create", secret.name, "-"], { input: secret.value });
  }

  async deploy(release: Release): Promise<void> {
    // No registry: never ask one for a digest; engines use the images loaded into them.
    await this.manager.cli(
      ["stack", "deploy", "--resolve-image", "never", "-c", STACK_FILE, this.deployment.namespace],
      { cwd: this.dirs[release] },
    );
  }

  async removeStack(): Promise<string> {
    await this.manager.cli(["stack", "rm", this.deployment.namespace]);
    return "docker stack rm";
  }

  async removeAll(): Promise<string> {
    await this.removeStack();
    // A secret in use cannot be removed: after the services.
    await this.servicesGone();
    for (const secret of this.deployment.secrets) await this.manager.cli(["secret", "rm", secret.name]);
    return `docker stack rm, docker secret rm of ${this.deployment.secrets.length} secrets`;
  }

  async secretValue(key: string): Promise<string> {
    return this.deployment.secrets.find((s) => s.key === key)!.value;
  }

  async secretValues(): Promise<string[]> {
    return this.deployment.secrets.map((s) => s.value);
  }

  secretBase(engineName: string): string {
    return engineName;
  }
}

export class TerraformRendering implements Rendering {
  readonly name = "terraform";
  readonly deployCommand = "terraform apply";
  readonly removeCommand = "terraform destroy of the services, networks and configs";
  /** Every apply, with its time (the e2e reports them). */
  readonly applies: { what: string; seconds: number }[] = [];
  /** Destroys that needed a second run, and why. */
  readonly destroyRetries: string[] = [];
  private readonly config: any;

  constructor(
    readonly tf: TerraformRuns,
    readonly dirs: Readonly<Record<Release, string>>,
    private readonly namespace: string,
  ) {
    this.config = JSON.parse(fs.readFileSync(path.join(dirs.good, "cdk.tf.json"), "utf8"));
  }

  async prepare(): Promise<void> {
    // Each release is its own synthesized directory; both name the same state file (the stack's local backend).
    for (const dir of Object.values(this.dirs)) await this.tf.init(dir);
  }

  async deploy(release: Release, extra: readonly string[] = []): Promise<void> {
    const outcome = await this.tf.apply(this.dirs[release], extra);
    this.applies.push({ what: `${release}${extra.length ? ` ${extra.join(" ")}` : ""}`, seconds: outcome.seconds });
  }

  /** `terraform apply` of the good release with extra arguments (-replace, -target); its outcome. */
  async applyGood(extra: readonly string[]): Promise<Outcome> {
    const outcome = await this.tf.apply(this.dirs.good, extra);
    this.applies.push({ what: extra.length ? extra.join(" ") : "good", seconds: outcome.seconds });
    return outcome;
  }

  plan(release: Release = "good"): Promise<{ code: number; changes: string[]; output: string; seconds: number }> {
    return this.tf.plan(this.dirs[release]);
  }

  async removeStack(): Promise<string> {
    const result = await this.tf.destroy(this.dirs.good, (address) =>
      /^docker_(service|network|config)\./.test(address),
    );
    if (result.firstFailure) this.destroyRetries.push(`targeted destroy: ${result.firstFailure}`);
    return `terraform destroy -target=<every docker_service, docker_network, docker_config> (${result.seconds.toFixed(1)} s${result.runs > 1 ? `, ${result.runs} runs` : ""})`;
  }

  async removeAll(): Promise<string> {
    const result = await this.tf.destroy(this.dirs.good);
    if (result.firstFailure) this.destroyRetries.push(`destroy: ${result.firstFailure}`);
    const left = await this.tf.addresses(this.dirs.good);
    if (left.length) throw new Error(`terraform destroy left ${left.join(", ")} in the state`);
    return `terraform destroy (${result.seconds.toFixed(1)} s${result.runs > 1 ? `, ${result.runs} runs` : ""}), state empty`;
  }

  /** The deployment's secrets as Terraform created them: key → engine name and value (from the state). */
  async secrets(): Promise<Map<string, { name: string; value: string }>> {
    const out = new Map<string, { name: string; value: string }>();
    for (const { values } of await this.tf.resources(this.dirs.good, "docker_secret")) {
      out.set(this.secretBase(values.name).slice(this.namespace.length + 1), {
        name: values.name,
        value: Buffer.from(values.data, "base64").toString("utf8"),
      });
    }
    return out;
  }

  async secretValue(key: string): Promise<string> {
    const secret = (await this.secrets()).get(key);
    if (!secret) throw new Error(`no docker_secret for ${key} in the state`);
    return secret.value;
  }

  async secretValues(): Promise<string[]> {
    return [...(await this.secrets()).values()].map((s) => s.value);
  }

  secretBase(engineName: string): string {
    return engineName.replace(new RegExp(`_[0-9a-f]{${SECRET_NAME_HASH_LENGTH}}$`), "");
  }

  /** The random_password resource a model secret's value comes from (from the rendered docker_secret). */
  randomPasswordOf(modelSecret: string): string {
    const secret = Object.values<any>(this.config.resource.docker_secret).find(
      (s) => this.secretBase(String(s.name).replace(/_\$\{.*$/, "")) === `${this.namespace}_${modelSecret}`,
    );
    // Its data reads the value from a local (swarm-application.ts), which names the random_password.
    const local = secret && /local\.([\w-]+)/.exec(secret.data)?.[1];
    const match = local && /random_password\.([\w-]+)\.result/.exec(String(this.config.locals?.[local] ?? ""));
    if (!match) throw new Error(`the rendered secret ${modelSecret} is not a random_password's value`);
    return `random_password.${match[1]}`;
  }

  /** A random_password's current value, from the state. */
  async randomValue(address: string): Promise<string> {
    const resource = (await this.tf.resources(this.dirs.good, "random_password")).find((r) => r.address === address);
    if (!resource) throw new Error(`${address} is not in the state`);
    return resource.values.result;
  }
}
