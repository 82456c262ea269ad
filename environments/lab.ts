import { ARGO } from "../constructs/model/argo";
import type { Environment, LabVm } from "./types";

/**
 * The home lab of seed 004: an HP DL380 Gen9 (pve0) running Proxmox VE and two Raspberry Pi 3B+, on the
 * 192.168.0.0/16 LAN. VM names, addresses and sizes follow seed 004; the Swarm cluster has the thesis' size
 * (3 managers, 5 workers) at addresses we chose.
 */

const vm = (
  vmId: number,
  name: string,
  role: LabVm["role"],
  address: string,
  vcpus: number,
  memoryGiB: number,
  diskGiB: number,
): LabVm => ({
  vmId,
  name,
  role,
  address,
  vcpus,
  memoryMiB: memoryGiB * 1024,
  diskGiB,
});

export const LAB: Environment = {
  name: "lab",
  description: "ARGO on the home lab: Nomad + Consul + Fabio and Docker Swarm on Proxmox VMs.",
  application: ARGO,
  selection: {
    optionalServices: [],
    // The thesis' overlay ranges (192.168.0.0/18 ...) lie inside this lab's LAN: containers on them could not
    // reach lab hosts (the edge proxy, DNS). Same /18 sizes, moved to a free range.
    zoneSubnets: {
      sites: "10.128.0.0/18",
      apis: "10.128.64.0/18",
      dbs: "10.128.128.0/18",
      monitoring: "10.128.192.0/18",
    },
    publicRoutes: {
      "/grafana/":
        "the lab's entrypoint is the edge Pi (rpi1) on the lab LAN, which no one outside the lab reaches; Grafana's own login guards it there",
    },
  },
  adminCidrs: ["192.168.10.0/24"],
  lab: {
    stackName: "lab",
    lanCidr: "192.168.0.0/16",
    gateway: "192.168.10.1",
    dnsServers: ["192.168.10.53"],
    upstreamDnsServers: ["1.1.1.1", "9.9.9.9"],
    domain: "lab.internal",
    proxmox: {
      nodeName: "pve0",
      address: "192.168.10.100",
      bridge: "vmbr0",
      vmDatastore: "local-lvm",
      fileDatastore: "local",
    },
    image: {
      url: "https://cloud-images.ubuntu.com/releases/22.04/release-20240912/ubuntu-22.04-server-cloudimg-amd64.img",
      fileName: "ubuntu-22.04-server-cloudimg-amd64-20240912.qcow2",
      checksumSha256: "5da0b3d37d02ca6c6760caa4041b4df14e08abc7bc9b2db39133eef8ee145f6d",
    },
    admin: { user: "argo-admin" },
    vms: [
      vm(110, "head", "support", "192.168.10.10", 2, 1, 50),
      vm(120, "vb0", "nomad-server", "192.168.10.120", 4, 12, 150),
      vm(121, "vb1", "nomad-server", "192.168.10.121", 4, 12, 150),
      vm(122, "vb2", "nomad-server", "192.168.10.122", 4, 12, 150),
      vm(130, "vs0", "nomad-client", "192.168.10.130", 4, 12, 150),
      vm(131, "vs1", "nomad-client", "192.168.10.131", 4, 12, 150),
      vm(132, "vs2", "nomad-client", "192.168.10.132", 4, 12, 150),
      vm(140, "sm0", "swarm-manager", "192.168.10.140", 2, 4, 50),
      vm(141, "sm1", "swarm-manager", "192.168.10.141", 2, 4, 50),
      vm(142, "sm2", "swarm-manager", "192.168.10.142", 2, 4, 50),
      vm(150, "sw0", "swarm-worker", "192.168.10.150", 4, 8, 100),
      vm(151, "sw1", "swarm-worker", "192.168.10.151", 4, 8, 100),
      vm(152, "sw2", "swarm-worker", "192.168.10.152", 4, 8, 100),
      vm(153, "sw3", "swarm-worker", "192.168.10.153", 4, 8, 100),
      vm(154, "sw4", "swarm-worker", "192.168.10.154", 4, 8, 100),
    ],
    pis: [
      { name: "rpi0", role: "dns", address: "192.168.10.53", sshUser: "argo-admin" },
      { name: "rpi1", role: "edge", address: "192.168.10.80", sshUser: "argo-admin" },
    ],
    edge: { nomadHostname: "argo-nomad.lab.internal", swarmHostname: "argo-swarm.lab.internal" },
  },
  nomad: {
    // Consul's address comes from CONSUL_HTTP_ADDR when deploying, like the token (docs/nomad-lab.md).
    backend: { kind: "consul", pathPrefix: "terraform/argo" },
    region: "lab",
    datacenter: "pve0",
    workloadNodeClass: "workload",
    // Xeon E5-2600 v3/v4 class cores of the DL380 Gen9.
    cpuMhzPerCore: 2400,
    hostVolumes: {
      "postgres-data": { client: "vs0", path: "/srv/argo/postgres" },
      "prometheus-data": { client: "vs1", path: "/srv/argo/prometheus" },
      "grafana-data": { client: "vs1", path: "/srv/argo/grafana" },
      "loki-data": { client: "vs2", path: "/srv/argo/loki" },
      "gitlab-config": { client: "vs2", path: "/srv/argo/gitlab/config" },
      "gitlab-logs": { client: "vs2", path: "/srv/argo/gitlab/logs" },
      "gitlab-data": { client: "vs2", path: "/srv/argo/gitlab/data" },
    },
    consul: { httpsPort: 8501, caFile: "/etc/consul.d/tls/ca.pem", datacenter: "pve0" },
    fabio: { httpPort: 9999, uiPort: 9998 },
    edgeProxies: ["192.168.10.80"],
  },
  swarm: {
    dockerHost: "ssh://argo-admin@192.168.10.140",
    namespace: "argo",
    edgeSubnet: "10.129.64.0/24",
    volumeNodes: {
      "postgres-data": "sw0",
      "prometheus-data": "sw1",
      "grafana-data": "sw1",
      "loki-data": "sw2",
      "gitlab-config": "sw2",
      "gitlab-logs": "sw2",
      "gitlab-data": "sw2",
    },
    ingressPort: 8000,
  },
};
