import type { ReservedNames } from "../model/reserved";

/**
 * Names the Nomad rendering (NomadApplication) gives its own constructs and jobs beside the services', which
 * are named after the services themselves.
 */
export const NOMAD_RESERVED_NAMES: ReservedNames = {
  services: {
    fabio: "the Fabio router's system job",
    "fabio-secrets": "the Fabio router's Nomad variables",
    "fabio-consul-token": "the Fabio router's Consul token",
    mesh: "the Consul mesh configuration (intentions, service defaults)",
    secrets: "the application's generated secrets",
  },
};
