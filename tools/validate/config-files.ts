/**
 * Every configuration file a stack delivers into a container, as the container sees it: its absolute path
 * there and its content rendered the way its consumer renders it (Terraform's template first; on Nomad,
 * the task template too). One list per platform's way of delivering files: Nomad templates, Swarm configs,
 * Kubernetes ConfigMaps, the ECS init containers.
 */
import { writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { jsonStringQuote, renderTerraformTemplate } from "./terraform-render";
import { runProgram } from "./programs";
import { resourcesOf, type SynthesizedStack } from "./stacks";

export interface DeliveredFile {
  readonly stack: string;
  /** The Terraform resource that carries it. */
  readonly source: string;
  /** Files delivered to the same workload (a configuration may name its neighbours, e.g. rule files). */
  readonly workload: string;
  readonly path: string;
  readonly content: string;
}

export type Rendered = { readonly files: DeliveredFile[]; readonly problems: { artifact: string; detail: string }[] };

const render = (stack: SynthesizedStack, text: string) =>
  renderTerraformTemplate(text, { variables: stack.config.variable as never });

/** Nomad: each task template rendered by text/template (nomad-template) with the job's variables and env. */
export function nomadTemplateFiles(stack: SynthesizedStack, renderer: string, workDir: string): Rendered {
  const files: DeliveredFile[] = [];
  const problems: Rendered["problems"] = [];
  const variables = Object.fromEntries(
    resourcesOf(stack, "nomad_variable").map((v) => [
      String(v.body.path),
      Object.fromEntries(
        Object.keys(v.body.items as object).map((key) => [key, `representative-${key.toLowerCase()}`]),
      ),
    ]),
  );
  for (const job of resourcesOf(stack, "nomad_job")) {
    const spec = JSON.parse(render(stack, String(job.body.jobspec)));
    for (const group of spec.Job.TaskGroups ?? []) {
      for (const task of group.Tasks ?? []) {
        for (const [index, template] of (task.Templates ?? []).entries()) {
          const env = {
            "attr.unique.network.ip-address": "192.0.2.10",
            NOMAD_ALLOC_DIR: "/alloc",
            NOMAD_TASK_DIR: "/local",
            NOMAD_SECRETS_DIR: "/secrets",
            // A task with a Consul block: Nomad's consul hook puts its workload identity's token here first (Nomad 1.8
            // does so for any task with a template; later versions need the block, so the check asks for it).
            ...(task.Consul
              ? { CONSUL_TOKEN: "representative-consul-token", CONSUL_HTTP_TOKEN: "representative-consul-token" }
              : {}),
            ...(task.Env ?? {}),
          };
          const base = join(workDir, `${stack.name}-${job.name}-${task.Name}-${index}`);
          writeFileSync(`${base}.values.json`, JSON.stringify({ env, variables }));
          writeFileSync(`${base}.tmpl`, template.EmbeddedTmpl);
          const run = runProgram(renderer, [`${base}.values.json`, `${base}.tmpl`, `${base}.out`]);
          const artifact = `${stack.name} ${job.address} task ${task.Name} template ${template.DestPath}`;
          if (run.status !== 0) {
            problems.push({ artifact, detail: run.output });
            continue;
          }
          // A task's local/ and secrets/ directories appear at /local and /secrets inside the container, and the
          // Docker driver's `volumes` mount single files elsewhere.
          const mounted = (task.Config?.volumes ?? [])
            .map((v: string) => v.split(":"))
            .find(([from]: string[]) => from === template.DestPath);
          const path = mounted ? mounted[1] : posix.join("/", template.DestPath);
          files.push({
            stack: stack.name,
            source: artifact,
            workload: `${job.address}/${task.Name}`,
            path,
            content: runProgram("cat", [`${base}.out`]).stdout,
          });
        }
      }
    }
  }
  return { files, problems };
}

/** Swarm: docker_config data (base64) at each service's file_name. */
export function swarmConfigFiles(stack: SynthesizedStack): DeliveredFile[] {
  const configs = new Map(resourcesOf(stack, "docker_config").map((c) => [c.name, c]));
  return resourcesOf(stack, "docker_service").flatMap((service) => {
    const spec = (service.body.task_spec as any).container_spec;
    return (spec.configs ?? []).map((mount: any) => {
      const key = /docker_config\.([^.]+)\./.exec(mount.config_id)![1];
      const content = Buffer.from(render(stack, String(configs.get(key)!.body.data)), "base64").toString("utf8");
      return {
        stack: stack.name,
        source: `${stack.name} docker_config.${key}`,
        workload: service.address,
        path: mount.file_name,
        content,
      };
    });
  });
}

/** Kubernetes: each ConfigMap key at the mount path of the workload volume that projects it. */
export function kubernetesConfigMapFiles(stack: SynthesizedStack): DeliveredFile[] {
  // A volume names its ConfigMap literally or by a reference to the resource.
  const maps = new Map(
    resourcesOf(stack, "kubernetes_config_map_v1").flatMap((m) => [
      [first(m.body.metadata).name as string, m],
      [`\${${m.address}.metadata[0].name}`, m],
    ]),
  );
  const workloads = ["kubernetes_deployment_v1", "kubernetes_stateful_set_v1", "kubernetes_daemon_set_v1"].flatMap(
    (type) => resourcesOf(stack, type),
  );
  return workloads.flatMap((workload) => {
    const pod = first(first(first(workload.body.spec).template).spec);
    // Kubernetes mounts the service account's token and CA into every pod that does not opt out.
    const serviceAccount =
      pod.automount_service_account_token === false
        ? []
        : ["token", "ca.crt", "namespace"].map((name) => ({
            stack: stack.name,
            source: `${stack.name} ${workload.address} service account`,
            workload: workload.address,
            path: `/var/run/secrets/kubernetes.io/serviceaccount/${name}`,
            content: `representative-${name}\n`,
          }));
    const volumes = new Map<string, string>(
      (pod.volume ?? []).filter((v: any) => v.config_map).map((v: any) => [v.name, first(v.config_map).name]),
    );
    const projected = (pod.container ?? []).flatMap((container: any) =>
      (container.volume_mount ?? []).flatMap((mount: any) => {
        const mapName = volumes.get(mount.name);
        const map = mapName ? maps.get(mapName) : undefined;
        if (!map) return [];
        return Object.entries(map.body.data as Record<string, string>)
          .filter(([key]) => !mount.sub_path || mount.sub_path === key)
          .map(([key, content]) => ({
            stack: stack.name,
            source: `${stack.name} ${map.address}`,
            workload: workload.address,
            path: mount.sub_path ? mount.mount_path : posix.join(mount.mount_path, key),
            content: render(stack, content),
          }));
      }),
    );
    return [...projected, ...serviceAccount];
  });
}

/** ECS: what each init container writes (`printf '%s' "$VAR" > /config/<i>/<file>`), at the main container's mount. */
export function ecsInitContainerFiles(stack: SynthesizedStack): DeliveredFile[] {
  return resourcesOf(stack, "aws_ecs_task_definition").flatMap((task) => {
    const containers: any[] = JSON.parse(
      renderTerraformTemplate(String(task.body.container_definitions), { quote: jsonStringQuote }),
    );
    return containers
      .filter((c) => c.name.endsWith("-config") && c.command?.[0])
      .flatMap((init) => {
        const main = containers.find((c) => c.essential);
        const env = new Map<string, string>(init.environment.map((e: any) => [e.name, e.value]));
        return [...String(init.command[0]).matchAll(/"\$(\w+)" > (\S+)/g)].map(([, variable, target]) => {
          const initMount = init.mountPoints.find((m: any) => target.startsWith(`${m.containerPath}/`));
          const mainMount = main?.mountPoints.find((m: any) => m.sourceVolume === initMount?.sourceVolume);
          const path = mainMount ? posix.join(mainMount.containerPath, posix.basename(target)) : target;
          return {
            stack: stack.name,
            source: `${stack.name} ${task.address} ${init.name}`,
            workload: task.address,
            path,
            content: env.get(variable) ?? "",
          };
        });
      });
  });
}

function first(value: unknown): any {
  return Array.isArray(value) ? value[0] : value;
}
