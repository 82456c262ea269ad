import { Scalar } from "yaml";
import { requirePrimaryPort, type Application, type ServiceSpec } from "../model";
import { prometheusConfigText } from "../observability/prometheus";
import type { NomadTarget } from "./target";
import { consulServiceName } from "./plan";
import { METRICS_PATH_META, METRICS_PORT_META } from "./service-job";

/** Where the Prometheus task finds its Consul token and CA inside the container. */
export const PROMETHEUS_CONSUL_TOKEN_FILE = "/secrets/consul-token";
export const PROMETHEUS_CONSUL_CA_FILE = "/etc/prometheus/consul-ca.pem";

/**
 * Prometheus' configuration on Nomad: one scrape job per scraped service, discovered through Consul so that
 * every healthy instance is a target (the thesis used one static DNS name, which reached a single instance).
 * Each target's address is the node address plus the host port the job advertises in its service metadata.
 *
 * Alertmanagers are reached through Prometheus' Consul Connect upstreams (the mesh picks a healthy instance).
 *
 * The result is a Nomad template: the Consul address is the node's own agent, filled in by Nomad at start.
 */
export function prometheusConfigForNomad(
  app: Application,
  collector: ServiceSpec,
  target: NomadTarget,
  ruleFiles: readonly string[] = [],
  /** Alertmanagers as Prometheus reaches them: its mesh upstreams on 127.0.0.1. */
  alertmanagers: readonly string[] = [],
): string {
  const consulServer = new Scalar(`{{ env "attr.unique.network.ip-address" }}:${target.consul.httpsPort}`);
  consulServer.type = Scalar.QUOTE_SINGLE;
  return prometheusConfigText({
    app,
    collector,
    global: { external_labels: { region: target.region, datacenter: target.datacenter } },
    ruleFiles,
    alertmanagers: alertmanagers.length ? [{ static_configs: [{ targets: [...alertmanagers] }] }] : [],
    discovery: (edge) => ({
      consul_sd_configs: [
        {
          server: consulServer,
          scheme: "https",
          datacenter: target.consul.datacenter,
          services: [consulServiceName(edge.to, requirePrimaryPort(edge.to))],
          authorization: { type: "Bearer", credentials_file: PROMETHEUS_CONSUL_TOKEN_FILE },
          tls_config: { ca_file: PROMETHEUS_CONSUL_CA_FILE },
        },
      ],
      relabel_configs: [
        {
          source_labels: ["__meta_consul_address", `__meta_consul_service_metadata_${METRICS_PORT_META}`],
          separator: ":",
          regex: "(.+):(\\d+)",
          target_label: "__address__",
          replacement: "$1:$2",
        },
        {
          source_labels: [`__meta_consul_service_metadata_${METRICS_PATH_META}`],
          regex: "(.+)",
          target_label: "__metrics_path__",
        },
        { source_labels: ["__meta_consul_service"], target_label: "service" },
        { source_labels: ["__meta_consul_node"], target_label: "node" },
      ],
    }),
  });
}
