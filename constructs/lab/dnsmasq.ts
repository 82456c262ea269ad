import type { LabInventory } from "./target";
import { CONSUL_DNS_PORT, nomadServers } from "./agent-config";

/**
 * dnsmasq configuration of the lab DNS Pi: a name for every lab machine under the lab domain, `.consul`
 * forwarded to the Consul servers' DNS, the edge names pointing at the edge Pi, everything else upstream.
 */
export function dnsmasqConfig(lab: LabInventory): string {
  const edge = lab.pis.find((p) => p.role === "edge");
  const hosts = [
    { name: lab.proxmox.nodeName, address: lab.proxmox.address },
    ...lab.vms.map((v) => ({ name: v.name, address: v.address })),
    ...lab.pis.map((p) => ({ name: p.name, address: p.address })),
  ];
  const lines = [
    "# Managed by argo-infra (lab stack); changes here are overwritten.",
    "domain-needed",
    "bogus-priv",
    "no-resolv",
    "no-hosts",
    `domain=${lab.domain}`,
    `local=/${lab.domain}/`,
    ...lab.upstreamDnsServers.map((s) => `server=${s}`),
    ...nomadServers(lab).map((s) => `server=/consul/${s.address}#${CONSUL_DNS_PORT}`),
    ...hosts.map((h) => `host-record=${h.name}.${lab.domain},${h.name},${h.address}`),
    ...(edge
      ? [lab.edge.nomadHostname, lab.edge.swarmHostname].map((name) => `host-record=${name},${edge.address}`)
      : []),
    "",
  ];
  return lines.join("\n");
}
