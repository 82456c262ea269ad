import { ARGO, type Application } from "../../constructs/model";
import { LAB, type Environment, type LabVm } from "../../environments";

/**
 * The lab on this machine: the lab environment (environments/lab.ts) with only what this machine forces
 * changed, so that the lab stack renders the Nomad and Consul agents' files for hosts that exist here.
 * - Addresses: the lab's 192.168.10.X become 10.232.0.X (same last octet) on the harness' private bridge, and the
 *   LAN 192.168.0.0/16 becomes the bridge's 10.232.0.0/24 (nothing else is reachable from here). The admin CIDR
 *   and the edge proxy follow the same mapping (and nomad-lab's Consul state backend, if it names an address;
 *   the lab's takes CONSUL_HTTP_ADDR at deploy time).
 * - Nomad clients: two (vs0, vs1) instead of three. Every client runs a Docker engine, a Consul and a Nomad agent
 *   on a 2-core machine; vs2's host volumes (loki, gitlab) move to vs1, with the lab's paths.
 * - Stack names: `lab-nomad-e2e` / `nomad-nomad-e2e`, so nothing can be confused with the lab's own stacks.
 * - Images (nomad-lab only): no registry is reachable, so every model image is a local stand-in
 *   `<repository>:<model tag>-stand-in` (as in the Swarm e2e, e2e/images.ts).
 * - Connect sidecars (nomad-lab only): Envoy cannot be obtained here, so each sidecar task runs the stand-in of
 *   e2e/nomad/connect-proxy (Consul's built-in Connect proxy: real mutual TLS and intention checks), set through
 *   the environment's `nomad.connectSidecar`, with the local Consul agent's HTTPS address and the lab CA baked
 *   into that image (CONNECT_PROXY_REF, built by e2e/nomad/deploy.ts).
 * Everything else (region, datacenter, node class, host volume paths, ports, TLS, ACLs, versions) is the lab's.
 */

export const BRIDGE = { name: "argonomad0", address: "10.232.0.1", prefixLength: 24, cidr: "10.232.0.0/24" } as const;

/** 192.168.10.X → 10.232.0.X. */
export const mapAddress = (address: string): string => {
  const match = /^192\.168\.10\.(\d+)$/.exec(address);
  if (!match) throw new Error(`lab address ${address} is outside 192.168.10.0/24: no mapping onto the e2e bridge`);
  return `10.232.0.${match[1]}`;
};
const mapCidr = (cidr: string): string => (cidr === "192.168.10.0/24" ? BRIDGE.cidr : cidr);

/** The Connect sidecar stand-in's image, and where in it the lab's CA certificate is. */
export const CONNECT_PROXY_REF = "argo-e2e/connect-proxy:stand-in";
export const CONNECT_PROXY_CA = "/stand-in/consul-ca.pem";

export const STAND_IN_SUFFIX = "-stand-in";
const standInTags = (app: Application): Record<string, string> =>
  Object.fromEntries(app.services.map((s) => [s.name, `${s.image.tag}${STAND_IN_SUFFIX}`]));

/** The client left out here (see above). */
export const DROPPED_CLIENT = "vs2";
const VOLUMES_MOVED_TO = "vs1";

export function nomadE2eEnvironment(): Environment {
  const lab = LAB.lab!;
  const nomad = LAB.nomad!;
  const backend =
    nomad.backend?.kind === "consul"
      ? { ...nomad.backend, address: nomad.backend.address?.replace(/^[^:]+/, (a) => mapAddress(a)) }
      : nomad.backend;
  return {
    ...LAB,
    name: "nomad-e2e",
    description: "The lab's Nomad + Consul cluster on this machine, proven end to end (npm run test:e2e:nomad).",
    selection: { ...LAB.selection, imageTags: standInTags(ARGO) },
    adminCidrs: LAB.adminCidrs.map(mapCidr),
    lab: {
      ...lab,
      stackName: "lab-nomad-e2e",
      lanCidr: BRIDGE.cidr,
      gateway: mapAddress(lab.gateway),
      dnsServers: lab.dnsServers.map(mapAddress),
      proxmox: { ...lab.proxmox, address: mapAddress(lab.proxmox.address) },
      vms: lab.vms
        .filter((vm) => vm.name !== DROPPED_CLIENT)
        .map((vm): LabVm => ({ ...vm, address: mapAddress(vm.address) })),
      pis: lab.pis.map((pi) => ({ ...pi, address: mapAddress(pi.address) })),
    },
    nomad: {
      ...nomad,
      stackName: "nomad-nomad-e2e",
      backend,
      hostVolumes: Object.fromEntries(
        Object.entries(nomad.hostVolumes).map(([name, placement]) => [
          name,
          placement.client === DROPPED_CLIENT ? { ...placement, client: VOLUMES_MOVED_TO } : placement,
        ]),
      ),
      edgeProxies: nomad.edgeProxies.map(mapAddress),
      connectSidecar: {
        image: CONNECT_PROXY_REF,
        // The node's own Consul agent, as Nomad's Envoy bootstrap reaches it (from inside the allocation).
        env: {
          CONSUL_HTTP_ADDR: `https://\${attr.unique.network.ip-address}:${nomad.consul.httpsPort}`,
          CONSUL_CACERT: CONNECT_PROXY_CA,
        },
      },
    },
    swarm: LAB.swarm
      ? {
          ...LAB.swarm,
          stackName: "swarm-nomad-e2e",
          dockerHost: LAB.swarm.dockerHost.replace(/@(.+)$/, (_, a) => `@${mapAddress(a)}`),
        }
      : undefined,
  };
}

export const NOMAD_E2E = nomadE2eEnvironment();
export const ENVIRONMENTS: readonly Environment[] = [NOMAD_E2E];
