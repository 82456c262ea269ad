import type { ReservedNames } from "../model/reserved";
import { EDGE_NETWORK, INGRESS_SERVICE } from "./deployment";
import { DOCKER_API_PROXY_SERVICE } from "../docker-api-proxy";

/** Names the Swarm rendering gives its own services and networks beside the application's. */
export const SWARM_RESERVED_NAMES: ReservedNames = {
  services: {
    [INGRESS_SERVICE]: "the ingress proxy's service",
    [DOCKER_API_PROXY_SERVICE]: "the Docker API proxy on every node",
  },
  zones: { [EDGE_NETWORK]: "the overlay network of the ingress proxy and the services it routes to" },
};
