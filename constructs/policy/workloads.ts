import { TerraformResource, type IConstruct } from "../cdktf";
import { unescapeTerraformTemplate } from "../builtin/terraform-escape";

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
  /** A container that runs to completion before the others start (an init step) needs no health check. @default true */
  readonly longRunning?: boolean;
}

export function attributesOf(node: IConstruct): Record<string, unknown> | undefined {
  if (!(node instanceof TerraformResource)) return undefined;
  return (node as unknown as { synthesizeAttributes(): Record<string, unknown> }).synthesizeAttributes();
}

export function workloadsOf(node: IConstruct): Workload[] {
  if (!(node instanceof TerraformResource)) return [];
  if (node.terraformResourceType === "nomad_job") return nomadWorkloads(attributesOf(node) ?? {});
  if (node.terraformResourceType === "docker_service") return [dockerServiceWorkload(attributesOf(node) ?? {})];
  if (KUBERNETES_WORKLOADS.includes(node.terraformResourceType))
    return kubernetesContainers(attributesOf(node) ?? {}).map(kubernetesWorkload);
  if (node.terraformResourceType === "aws_ecs_task_definition") return ecsWorkloads(attributesOf(node) ?? {});
  return [];
}

/** Resource types whose pod template runs containers. */
export const KUBERNETES_WORKLOADS = [
  "kubernetes_deployment_v1",
  "kubernetes_stateful_set_v1",
  "kubernetes_daemon_set_v1",
];

/** Blocks of at most one item synthesize as an object, others as a list: read either. */
export function single<T = any>(value: unknown): T | undefined {
  return (Array.isArray(value) ? value[0] : value) as T | undefined;
}

/** Every container of a Kubernetes workload, with the pod's security context beside it. */
export function kubernetesContainers(
  attributes: Record<string, any>,
): { container: any; pod: any; workload: string }[] {
  const podSpec = single(single(single(attributes.spec)?.template)?.spec) ?? {};
  const workload = String(single(attributes.metadata)?.name ?? "");
  return (podSpec.container ?? []).map((container: any) => ({
    container,
    pod: single(podSpec.security_context) ?? {},
    workload,
  }));
}

function kubernetesWorkload({ container }: { container: any }): Workload {
  const limits = single(container.resources)?.limits ?? {};
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) if (typeof entry.value === "string") env[entry.name] = entry.value;
  return {
    name: String(container.name),
    image: String(container.image ?? ""),
    healthChecked: Boolean(single(container.readiness_probe) || single(container.liveness_probe)),
    cpu: quantity(limits.cpu),
    memory: quantity(limits.memory),
    env,
  };
}

/** A Kubernetes quantity (`500m`, `128Mi`, `2`) as a number, enough to tell zero or missing from set. */
function quantity(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const number = parseFloat(value);
  return Number.isFinite(number) ? number : undefined;
}

/** An ECS container definition, as far as the policy rules read it. */
export interface EcsContainer {
  readonly name: string;
  readonly image?: string;
  readonly essential?: boolean;
  readonly cpu?: number;
  readonly memory?: number;
  readonly environment?: readonly { readonly name: string; readonly value: string }[];
  readonly healthCheck?: { readonly command?: readonly string[] };
  readonly readonlyRootFilesystem?: boolean;
  readonly privileged?: boolean;
}

/** The containers of an `aws_ecs_task_definition` (its `container_definitions` JSON); none for other resources. */
export function ecsContainersOf(node: IConstruct): EcsContainer[] {
  if (!(node instanceof TerraformResource) || node.terraformResourceType !== "aws_ecs_task_definition") return [];
  const text = attributesOf(node)?.container_definitions;
  return typeof text === "string" ? (JSON.parse(text) as EcsContainer[]) : [];
}

function ecsWorkloads(attributes: Record<string, unknown>): Workload[] {
  const text = attributes.container_definitions;
  if (typeof text !== "string") return [];
  const taskCpu = Number(attributes.cpu) || undefined;
  const taskMemory = Number(attributes.memory) || undefined;
  return (JSON.parse(text) as EcsContainer[]).map((c) => ({
    name: c.name,
    image: c.image ?? "",
    healthChecked: (c.healthCheck?.command ?? []).length > 0,
    cpu: c.cpu ?? taskCpu,
    memory: c.memory ?? taskMemory,
    env: Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])),
    longRunning: c.essential !== false,
  }));
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
