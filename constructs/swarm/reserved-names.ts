import type { ReservedNames } from "../model/reserved";
import { EDGE_NETWORK, INGRESS_SERVICE } from "./deployment";

/** Names the Swarm rendering gives its own services and networks beside the application's. */
export const SWARM_RESERVED_NAMES: ReservedNames = {
  services: { [INGRESS_SERVICE]: "the ingress proxy's service" },
  zones: { [EDGE_NETWORK]: "the overlay network of the ingress proxy and the services it routes to" },
};
