/**
 * Every shell script the stacks hand to a shell, as that shell will receive it (Terraform templates rendered):
 * cloud-init runcmd `sh -c` steps and script files, local-exec commands and remote-exec lines, container
 * entrypoint wrappers (`/bin/sh -c script`) and `CMD-SHELL` health checks, also inside ECS container
 * definitions (a JSON document in a Terraform string).
 */
import { parse as parseYaml } from "yaml";
import type { SynthesizedStack } from "../stacks";
import { jsonStringQuote, renderTerraformTemplate, type RenderOptions } from "../terraform-render";

export type Shell = "sh" | "bash";

export interface ShellScript {
  /** `<stack> <resource address> <where in it>`. */
  readonly artifact: string;
  readonly shell: Shell;
  readonly script: string;
}

/** A cloud-config document: what cloud-init reads from a user-data file. */
export interface CloudConfigFile {
  readonly artifact: string;
  /** The user-data as Terraform renders it (references replaced by representative values). */
  readonly text: string;
}

const shellOf = (program: unknown): Shell | undefined => {
  const name = typeof program === "string" ? program.split("/").pop() : undefined;
  return name === "bash" ? "bash" : name === "sh" || name === "dash" ? "sh" : undefined;
};

/** The shell a `#!` line names (`/bin/bash`, `/usr/bin/env sh`), or undefined when it is not a shell. */
export function shebangShell(text: string): Shell | undefined {
  const line = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
  if (!line) return undefined;
  return line[1].endsWith("/env") ? shellOf(line[2]) : shellOf(line[1]);
}

export const renderOptionsOf = (stack: SynthesizedStack): RenderOptions => ({
  variables: stack.config.variable as RenderOptions["variables"],
});

/** Every user-data with `#cloud-config` content (Proxmox snippets), rendered. */
export function cloudConfigsOf(stack: SynthesizedStack): CloudConfigFile[] {
  const files: CloudConfigFile[] = [];
  for (const [name, body] of Object.entries(stack.config.resource?.proxmox_virtual_environment_file ?? {})) {
    const sources = (body.source_raw ?? []) as { data?: string; file_name?: string }[];
    for (const source of sources) {
      if (typeof source.data !== "string" || !source.data.startsWith("#cloud-config")) continue;
      files.push({
        artifact: `${stack.name} proxmox_virtual_environment_file.${name} (${source.file_name})`,
        text: renderTerraformTemplate(source.data, renderOptionsOf(stack)),
      });
    }
  }
  return files;
}

export function shellScriptsOf(stack: SynthesizedStack): ShellScript[] {
  const scripts: ShellScript[] = [];
  const options = renderOptionsOf(stack);
  for (const file of cloudConfigsOf(stack)) scripts.push(...cloudConfigScripts(file));
  for (const [type, resources] of Object.entries(stack.config.resource ?? {})) {
    for (const [name, body] of Object.entries(resources)) {
      const address = `${stack.name} ${type}.${name}`;
      scripts.push(...provisionerScripts(address, body, options));
      if (type === "aws_ecs_task_definition" && typeof body.container_definitions === "string") {
        const definitions = JSON.parse(
          renderTerraformTemplate(body.container_definitions, { ...options, quote: jsonStringQuote }),
        );
        for (const container of definitions)
          scripts.push(...ecsContainerScripts(`${address} container ${container.name}`, container));
      } else if (type !== "proxmox_virtual_environment_file") {
        scripts.push(...argvScripts(address, body, options));
      }
    }
  }
  return scripts;
}

/** runcmd/bootcmd steps that run a shell script, and write_files that are shell scripts. */
export function cloudConfigScripts(file: CloudConfigFile): ShellScript[] {
  const config = parseYaml(file.text) ?? {};
  const scripts: ShellScript[] = [];
  for (const module of ["bootcmd", "runcmd"]) {
    (config[module] ?? []).forEach((step: unknown, index: number) => {
      const artifact = `${file.artifact} ${module}[${index}]`;
      // cloud-init writes a string step into a /bin/sh script as it is.
      if (typeof step === "string") scripts.push({ artifact, shell: "sh", script: step });
      else if (Array.isArray(step) && shellOf(step[0]) && step[1] === "-c")
        scripts.push({ artifact, shell: shellOf(step[0])!, script: String(step[2]) });
    });
  }
  for (const written of config.write_files ?? []) {
    const content = /^(b64|base64)$/.test(written.encoding ?? "")
      ? Buffer.from(written.content, "base64").toString("utf8")
      : String(written.content ?? "");
    const shell = shebangShell(content);
    if (shell) scripts.push({ artifact: `${file.artifact} write_files ${written.path}`, shell, script: content });
  }
  return scripts;
}

type Provisioner = Record<string, { command?: string; interpreter?: string[]; inline?: string[] }>;

/** local-exec commands (run by their interpreter, `/bin/sh -c` by default) and remote-exec inline lines (one sh script). */
function provisionerScripts(address: string, body: Record<string, unknown>, options: RenderOptions): ShellScript[] {
  const scripts: ShellScript[] = [];
  ((body.provisioner ?? []) as Provisioner[]).forEach((provisioner, index) => {
    const local = provisioner["local-exec"];
    const shell = local && shellOf((local.interpreter ?? ["/bin/sh"])[0]);
    if (local?.command && shell)
      scripts.push({
        artifact: `${address} provisioner[${index}] local-exec`,
        shell,
        script: renderTerraformTemplate(local.command, options),
      });
    const remote = provisioner["remote-exec"];
    // Terraform uploads the inline lines as one script and runs it with the remote user's /bin/sh.
    if (remote?.inline)
      scripts.push({
        artifact: `${address} provisioner[${index}] remote-exec`,
        shell: "sh",
        script: renderTerraformTemplate(remote.inline.join("\n") + "\n", options),
      });
  });
  return scripts;
}

/** Anywhere in a resource: `[<shell>, "-c", script, ...]` argv lists and `["CMD-SHELL", command]` health checks. */
function argvScripts(address: string, body: unknown, options: RenderOptions, path = ""): ShellScript[] {
  if (Array.isArray(body)) {
    const found: ShellScript[] = [];
    const shell = shellOf(body[0]);
    if (shell && body[1] === "-c" && typeof body[2] === "string")
      found.push({ artifact: `${address} ${path}`, shell, script: renderTerraformTemplate(body[2], options) });
    if (body[0] === "CMD-SHELL" && typeof body[1] === "string")
      found.push({ artifact: `${address} ${path}`, shell: "sh", script: renderTerraformTemplate(body[1], options) });
    return [...found, ...body.flatMap((item, i) => argvScripts(address, item, options, `${path}[${i}]`))];
  }
  if (body && typeof body === "object") {
    return Object.entries(body).flatMap(([key, value]) =>
      key === "provisioner" || key === "//" ? [] : argvScripts(address, value, options, path ? `${path}.${key}` : key),
    );
  }
  return [];
}

interface EcsContainer {
  readonly entryPoint?: string[];
  readonly command?: string[];
  readonly healthCheck?: { readonly command?: string[] };
}

/** ECS runs `entryPoint + command`: `["/bin/sh", "-c"]` with the script in `command[0]`, or all in entryPoint. */
function ecsContainerScripts(artifact: string, container: EcsContainer): ShellScript[] {
  const scripts: ShellScript[] = [];
  const argv = [...(container.entryPoint ?? []), ...(container.command ?? [])];
  const shell = shellOf(argv[0]);
  if (shell && argv[1] === "-c" && typeof argv[2] === "string")
    scripts.push({ artifact: `${artifact} entryPoint`, shell, script: argv[2] });
  const check = container.healthCheck?.command;
  if (check?.[0] === "CMD-SHELL" && typeof check[1] === "string")
    scripts.push({ artifact: `${artifact} healthCheck`, shell: "sh", script: check[1] });
  return scripts;
}
