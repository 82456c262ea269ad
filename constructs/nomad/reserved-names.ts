import type { ReservedNames } from "../model/reserved";
import { CONSUL_CA_VOLUME } from "./node-volumes";

/**
 * Names the Nomad rendering (NomadApplication) gives its own constructs and jobs beside the services', which
 * are named after the services themselves.
 */
export const NOMAD_RESERVED_NAMES: ReservedNames = {
  services: {
    fabio: "the Fabio router's system job",
    mesh: "the Consul mesh configuration (intentions, service defaults)",
    secrets: "the application's generated secrets",
  },
  volumes: {
    [CONSUL_CA_VOLUME]: {
      use: "the Consul CA that a Consul-discovering task mounts from its client",
      onlyFor: (service) => Boolean(service.collectsMetrics),
    },
  },
};
