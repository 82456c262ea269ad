import { dockerApiReadOf, NOMAD_DOCKER_API_SOCKET } from "./docker-api-proxy";
import * as path from "path";
import type { NomadTarget } from "./target";
import { portNamed, requirePrimaryPort, type Application, type ServiceSpec } from "../model";
import {
  alloyDockerConfig,
  configFilesOf,
  scrapedExporterOf,
  type ConfigFile,
  type ObservabilityPlatform,
} from "../observability";
import type { Template } from "./jobspec";
import type { ServicePlan } from "./plan";
import { prometheusConfigForNomad } from "./prometheus-config";

/** Nomad names a task's container `<task>-<allocation ID>`; the task is named after the model service. */
export const NOMAD_CONTAINER_NAME = "(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** consul-template (Nomad's `template`) would evaluate `{{` in literal files such as Grafana's `{{path}}` legends. */
export function escapeConsulTemplate(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

export function unescapeConsulTemplate(text: string): string {
  return text.replace(/\{\{ "\{\{" \}\}/g, "{{");
}

/**
 * Observability on Nomad: Prometheus discovers through Consul and reaches Alertmanager through its mesh
 * upstream; every caller (Grafana, the log collector) reaches its stores through its own upstreams on
 * 127.0.0.1; the collector reads the node's containers from the Docker socket and takes the service name
 * from the container name; services Prometheus does not scrape are counted from cadvisor's series of
 * their containers, by the same name.
 */
export function nomadObservability(
  app: Application,
  target: NomadTarget,
  plans: ReadonlyMap<string, ServicePlan>,
): ObservabilityPlatform {
  const upstream = (caller: ServiceSpec, service: string, port: string) => {
    const found = plans.get(caller.name)?.upstreams.find((u) => u.service.name === service && u.port.name === port);
    if (!found) throw new Error(`"${caller.name}" has no upstream for ${service}:${port} (validate the model first)`);
    return { host: "127.0.0.1", port: found.localBindPort };
  };
  const collector = app.services.find((s) => s.collectsMetrics);
  const cadvisor = collector ? scrapedExporterOf(app, collector, "container_last_seen") : undefined;
  return {
    endpoint: (caller, service, port) => {
      portNamed(service, port);
      return upstream(caller, service.name, port);
    },
    prometheusConfig: (c, ruleFiles, alertmanagers): ConfigFile => ({
      id: "config",
      path: c.collectsMetrics!.configFile,
      content: prometheusConfigForNomad(
        app,
        c,
        target,
        ruleFiles,
        alertmanagers.map((a) => {
          const { host, port } = upstream(c, a.name, requirePrimaryPort(a).name);
          return `${host}:${port}`;
        }),
      ),
      isTemplate: true,
    }),
    logCollectorConfig: (c, pushUrl) =>
      alloyDockerConfig(
        {
          sourceLabel: "__meta_docker_container_name",
          regex: `/${NOMAD_CONTAINER_NAME}`,
          extraLabels: { alloc_id: "__meta_docker_container_label_com_hashicorp_nomad_alloc_id" },
        },
        pushUrl,
        // Through its group's filtering proxy (docker-api-proxy.ts) where it reads the API as the model says.
        dockerApiReadOf(c) ? NOMAD_DOCKER_API_SOCKET : undefined,
      ),
    alerting: {
      runningInstances: cadvisor
        ? (service) =>
            `count(container_last_seen{job="${cadvisor.name}",name=~"${NOMAD_CONTAINER_NAME.replace("(.+)", service.name)}"})`
        : undefined,
      noRunningInstancesReason: "it exports no metrics and no container metrics (cadvisor) are scraped",
    },
  };
}

/** The model's configuration files as templates of the task, bound to their paths in the container. */
export function nomadConfigTemplates(
  files: readonly ConfigFile[],
  reloadsOnSighup: boolean,
): { templates: Template[]; volumes: string[] } {
  const templates: Template[] = [];
  const volumes: string[] = [];
  for (const file of files) {
    const local = `local/${file.id}${path.posix.extname(file.path)}`;
    templates.push({
      EmbeddedTmpl: file.isTemplate ? file.content : escapeConsulTemplate(file.content),
      DestPath: local,
      // Prometheus reloads its configuration and rules on SIGHUP; the others read theirs at start.
      ...(reloadsOnSighup
        ? { ChangeMode: "signal" as const, ChangeSignal: "SIGHUP" }
        : { ChangeMode: "restart" as const }),
    });
    volumes.push(`${local}:${file.path}`);
  }
  return { templates, volumes };
}

export { configFilesOf };
