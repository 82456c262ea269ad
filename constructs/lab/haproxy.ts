import type { NomadTarget } from "../nomad/target";
import type { SwarmTarget } from "../swarm/target";
import type { LabInventory } from "./target";

export const HAPROXY_CERT_PATH = "/etc/haproxy/certs/argo.pem";

/**
 * HAProxy on the edge Pi: TLS (1.2 or newer) terminated here, HTTP redirected to HTTPS, and each platform's
 * public name sent to its ingress on every node that runs it, with health checks so a dead node drops out.
 */
export function haproxyConfig(
  lab: LabInventory,
  nomad: NomadTarget | undefined,
  swarm: SwarmTarget | undefined,
): string {
  const clients = lab.vms.filter((v) => v.role === "nomad-client");
  const swarmNodes = lab.vms.filter((v) => v.role === "swarm-manager" || v.role === "swarm-worker");
  const lines = [
    "# Managed by argo-infra (lab stack); changes here are overwritten.",
    "global",
    "  log /dev/log local0",
    "  user haproxy",
    "  group haproxy",
    "  daemon",
    "  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
    "  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
    "  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option forwardfor",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "",
    "frontend http",
    "  bind :80",
    "  http-request redirect scheme https code 301",
    "",
    "frontend https",
    `  bind :443 ssl crt ${HAPROXY_CERT_PATH} alpn h2,http/1.1`,
    "  http-request set-header X-Forwarded-Proto https",
    '  http-response set-header Strict-Transport-Security "max-age=31536000"',
    `  use_backend nomad if { hdr(host) -i ${lab.edge.nomadHostname} }`,
    `  use_backend swarm if { hdr(host) -i ${lab.edge.swarmHostname} }`,
    "  default_backend nomad",
    "",
    "backend nomad",
    "  balance roundrobin",
    "  option httpchk GET /health",
    ...(nomad
      ? clients.map((c) => `  server ${c.name} ${c.address}:${nomad.fabio.httpPort} check port ${nomad.fabio.uiPort}`)
      : []),
    "",
    "backend swarm",
    "  balance roundrobin",
    ...(swarm ? swarmNodes.map((n) => `  server ${n.name} ${n.address}:${swarm.ingressPort} check`) : []),
    "",
  ];
  return lines.join("\n");
}
