import type { NomadTarget } from "./target";
import { seconds, type JobFile } from "./jobspec";
import { consulCaMount, nodeVolumeMounts, nodeVolumeRequests } from "./node-volumes";
import { consulTokenEnvTemplate, workloadConstraint } from "./service-job";

export const FABIO_JOB_ID = "fabio";
export const FABIO_IMAGE = "fabiolb/fabio:1.6.3";
/** Environment variable (Fabio property registry.consul.token) the job's token template fills in. */
export const FABIO_TOKEN_ENV = "FABIO_registry_consul_token";
const FABIO_CONSUL_CA_FILE = "/etc/fabio/consul-ca.pem";

/**
 * Fabio, the lab's entrypoint behind the TLS edge: a system job on every client, on the host network with the
 * static ports the edge forwards to. It builds its routing table from the `urlprefix-` tags in Consul, reading
 * the catalog over HTTPS with the Consul token of its task's workload identity (consul-task-policies.ts: read
 * only). Fabio does not register itself; Nomad does, with a health check on its UI port.
 */
export function renderFabioJob(target: NomadTarget): JobFile {
  // Fabio takes Consul's scheme only from this prefix (it has no scheme property): without it, plain HTTP to the TLS port.
  const consulCa = consulCaMount(target, FABIO_CONSUL_CA_FILE);
  const consulAddress = `https://\${attr.unique.network.ip-address}:${target.consul.httpsPort}`;
  return {
    Job: {
      ID: FABIO_JOB_ID,
      Name: FABIO_JOB_ID,
      Type: "system",
      Region: target.region,
      Namespace: "default",
      Datacenters: [target.datacenter],
      Constraints: [workloadConstraint(target)],
      Meta: { role: "entrypoint" },
      TaskGroups: [
        {
          Name: "fabio",
          Count: 1,
          Networks: [
            {
              Mode: "host",
              ReservedPorts: [
                { Label: "lb", Value: target.fabio.httpPort },
                { Label: "ui", Value: target.fabio.uiPort },
              ],
            },
          ],
          Services: [
            {
              Name: "fabio",
              PortLabel: "lb",
              Provider: "consul",
              Tags: ["entrypoint"],
              Checks: [
                {
                  Name: "fabio-health",
                  Type: "http",
                  Path: "/health",
                  PortLabel: "ui",
                  Interval: seconds(10),
                  Timeout: seconds(2),
                },
              ],
            },
          ],
          Tasks: [
            {
              Name: "fabio",
              Driver: "docker",
              Config: {
                image: FABIO_IMAGE,
                network_mode: "host",
              },
              Env: {
                FABIO_proxy_addr: `:${target.fabio.httpPort}`,
                FABIO_ui_addr: `:${target.fabio.uiPort}`,
                FABIO_proxy_strategy: "rr",
                FABIO_registry_consul_addr: consulAddress,
                FABIO_registry_consul_tls_cafile: FABIO_CONSUL_CA_FILE,
                FABIO_registry_consul_register_enabled: "false",
              },
              Templates: [consulTokenEnvTemplate(FABIO_TOKEN_ENV)],
              Consul: {},
              Resources: { CPU: 200, MemoryMB: 128 },
              VolumeMounts: nodeVolumeMounts([consulCa]),
            },
          ],
          Volumes: nodeVolumeRequests([consulCa]),
          RestartPolicy: { Attempts: 5, Interval: seconds(120), Delay: seconds(5), Mode: "fail" },
          Update: { MaxParallel: 1, Stagger: seconds(10) },
        },
      ],
    },
  };
}
