import { TerraformResource, type IConstruct } from "../cdktf";
import { unescapeTerraformTemplate } from "../nomad/terraform-escape";

/**
 * The containers a resource runs, read back from what it will send to the platform, so that policy rules
 * judge the synthesized output rather than the model. Each platform adds its resource types here.
 */
export interface Workload {
  readonly name: string;
  readonly image: string;
  readonly healthChecked: boolean;
  readonly cpu?: number;
  readonly memory?: number;
  readonly env: Readonly<Record<string, string>>;
}

export function attributesOf(node: IConstruct): Record<string, unknown> | undefined {
  if (!(node instanceof TerraformResource)) return undefined;
  return (node as unknown as { synthesizeAttributes(): Record<string, unknown> }).synthesizeAttributes();
}

export function workloadsOf(node: IConstruct): Workload[] {
  if (!(node instanceof TerraformResource)) return [];
  if (node.terraformResourceType === "nomad_job") return nomadWorkloads(attributesOf(node) ?? {});
  if (node.terraformResourceType === "docker_service") return [dockerServiceWorkload(attributesOf(node) ?? {})];
  return [];
}

function dockerServiceWorkload(attributes: Record<string, any>): Workload {
  const task = attributes.task_spec ?? {};
  const container = task.container_spec ?? {};
  const limits = task.resources?.limits ?? {};
  return {
    name: String(attributes.name),
    image: String(container.image ?? ""),
    healthChecked: Array.isArray(container.healthcheck?.test) && container.healthcheck.test.length > 0,
    cpu: limits.nano_cpus,
    memory: limits.memory_bytes,
    env: container.env ?? {},
  };
}

interface NomadCheckHolder {
  Checks?: unknown[];
}

function nomadWorkloads(attributes: Record<string, unknown>): Workload[] {
  const jobspec = attributes.jobspec;
  if (typeof jobspec !== "string" || attributes.json !== true) return [];
  const { Job: job } = JSON.parse(unescapeTerraformTemplate(jobspec)) as {
    Job: {
      TaskGroups?: {
        Services?: NomadCheckHolder[];
        Tasks?: {
          Name: string;
          Config?: { image?: string };
          Services?: NomadCheckHolder[];
          Resources?: { CPU?: number; MemoryMB?: number };
          Env?: Record<string, string>;
        }[];
      }[];
    };
  };
  return (job.TaskGroups ?? []).flatMap((group) => {
    const groupChecked = (group.Services ?? []).some((s) => (s.Checks ?? []).length > 0);
    return (group.Tasks ?? []).map((task) => ({
      name: task.Name,
      image: task.Config?.image ?? "",
      healthChecked: groupChecked || (task.Services ?? []).some((s) => (s.Checks ?? []).length > 0),
      cpu: task.Resources?.CPU,
      memory: task.Resources?.MemoryMB,
      env: task.Env ?? {},
    }));
  });
}
