import { ARGO, type Application } from "../constructs/model";
import { TRAEFIK_IMAGE } from "../constructs/swarm/deployment";
import { DOCKER_API_PROXY_IMAGE } from "../constructs/docker-api-proxy";
import { LAB, type Environment } from "../environments";
import { ADMIN_CIDR, MANAGER, socketOf } from "./topology";

/**
 * ARGO on the e2e cluster: the lab's Swarm deployment with four differences, each forced by this machine.
 * - Images: no registry is reachable, so every model image is replaced by a stand-in built locally under the
 *   same repository with the tag `<model tag>-stand-in` (the ingress by `traefik:<tag>-stand-in`, the Docker API
 *   proxy by `haproxy:<tag>-stand-in`, which is Debian's real HAProxy).
 * - networking: the kernel has no IPVS (no VIPs, no routing mesh), so endpoints are `dnsrr` and the ingress
 *   publishes in `host` mode; it cannot install IPsec SAs, so overlays are not encrypted here (traffic between
 *   engines would be dropped). The lab's stack file keeps `encrypted`; the e2e run asserts that on it.
 * - Placement and admin CIDRs name the test engines and the test clients.
 * - The docker provider (the Terraform rendering) reaches the manager's engine on its Unix socket: no SSH
 *   server runs in the engines' namespaces (the lab's `ssh://` host needs one on the manager).
 * Networks, subnets, secrets, health checks, resources, update/rollback/restart policies and routes are the
 * lab's.
 */

export const STAND_IN_SUFFIX = "-stand-in";
/** The thesis' broken release: ot-app v1.2 crashes at start. */
export const BROKEN_OT_APP_TAG = `v1.2${STAND_IN_SUFFIX}`;

const standInTags = (app: Application): Record<string, string> =>
  Object.fromEntries(app.services.map((s) => [s.name, `${s.image.tag}${STAND_IN_SUFFIX}`]));

export const ingressStandInImage = (lab: Environment = LAB): string => {
  const [repository, tag] = (lab.swarm!.ingressImage ?? TRAEFIK_IMAGE).split(":");
  return `${repository}:${tag}${STAND_IN_SUFFIX}`;
};

/** The Docker API proxy's stand-in: Debian's HAProxy under the pinned image's name, tagged as a stand-in. */
export const dockerApiProxyStandInImage = (lab: Environment = LAB): string =>
  `${lab.swarm!.dockerApiProxyImage ?? DOCKER_API_PROXY_IMAGE}${STAND_IN_SUFFIX}`;

export function e2eEnvironment(options: { readonly otAppTag?: string } = {}): Environment {
  const swarm = LAB.swarm!;
  return {
    name: "e2e",
    description: "ARGO's swarm-lab deployment on local Docker engines, proven end to end (npm run test:e2e).",
    application: ARGO,
    selection: {
      ...LAB.selection,
      imageTags: { ...standInTags(ARGO), ...(options.otAppTag ? { "ot-app": options.otAppTag } : {}) },
    },
    adminCidrs: [ADMIN_CIDR],
    swarm: {
      ...swarm,
      stackName: "swarm-e2e",
      backend: { kind: "local" },
      dockerHost: `unix://${socketOf(MANAGER)}`,
      // As in the lab: postgres alone on one worker, prometheus and grafana together on another, loki on a third.
      volumeNodes: {
        "postgres-data": "e2e-w0",
        "prometheus-data": "e2e-w1",
        "grafana-data": "e2e-w1",
        "loki-data": "e2e-w2",
      },
      networking: { endpointMode: "dnsrr", publishMode: "host", encryptOverlays: false },
      ingressImage: ingressStandInImage(),
      dockerApiProxyImage: dockerApiProxyStandInImage(),
    },
  };
}

export const E2E = e2eEnvironment();
export const ENVIRONMENTS: readonly Environment[] = [E2E];
