import {
  DNS_LABEL,
  knownList,
  parseIpv4,
  selectApplication,
  type AddProblem,
  type Application,
  type ApplicationSelection,
} from "../model";
import { nodeVolumeProblems } from "./node-volumes";
import type { NomadTarget } from "./target";

/** What validating a Nomad target reads of the environment around it. */
export interface NomadTargetContext {
  readonly application: Application;
  readonly selection: ApplicationSelection;
  /** The lab inventory: its VMs with the roles nomad-server and nomad-client are the cluster. */
  readonly lab?: { readonly vms: readonly { readonly name: string; readonly role: string }[] };
}

/**
 * Every problem of a Nomad target (its backend is checked with the environment's); paths are relative to the
 * environment (`nomad.hostVolumes.x`).
 */
export function validateNomadTarget(nomad: NomadTarget, env: NomadTargetContext, add: AddProblem): void {
  if (!env.lab) {
    add("nomad", "needs the lab inventory (environment field `lab`) to know its servers and clients");
    return;
  }
  const servers = env.lab.vms.filter((v) => v.role === "nomad-server");
  const clients = env.lab.vms.filter((v) => v.role === "nomad-client");
  if (servers.length < 3) {
    add(
      "lab.vms",
      `has ${servers.length} nomad-server VM${servers.length === 1 ? "" : "s"} (${servers.map((s) => s.name).join(", ") || "none"}); at least 3 are needed to survive losing one (quorum)`,
    );
  } else if (servers.length % 2 === 0) {
    add("lab.vms", `has ${servers.length} nomad-server VMs; Raft needs an odd number (3 or 5) to keep quorum`);
  }
  if (clients.length === 0) add("lab.vms", "has no nomad-client VM to run workloads on");
  for (const field of ["region", "datacenter", "workloadNodeClass"] as const) {
    if (!DNS_LABEL.test(nomad[field])) add(`nomad.${field}`, `"${nomad[field]}" is not a lowercase DNS label`);
  }
  if (!(nomad.cpuMhzPerCore > 0)) add("nomad.cpuMhzPerCore", `must be positive (got ${nomad.cpuMhzPerCore})`);
  for (const [field, port] of [
    ["consul.httpsPort", nomad.consul.httpsPort],
    ["fabio.httpPort", nomad.fabio.httpPort],
    ["fabio.uiPort", nomad.fabio.uiPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      add(`nomad.${field}`, `must be a port number (got ${port})`);
  }
  if (!nomad.consul.caFile.startsWith("/"))
    add("nomad.consul.caFile", `"${nomad.consul.caFile}" must be an absolute path on the clients`);
  nomad.edgeProxies.forEach((address, i) => {
    if (parseIpv4(address) === undefined) add(`nomad.edgeProxies[${i}]`, `"${address}" is not an IPv4 address`);
  });
  if (nomad.connectSidecar && !/^\S+$/.test(nomad.connectSidecar.image)) {
    add(
      "nomad.connectSidecar.image",
      `"${nomad.connectSidecar.image}" is not an image reference (expected e.g. "registry.lab/envoy:v1.29.7")`,
    );
  }

  const app = selectApplication(env.application, env.selection);
  const persistent = app.services.flatMap((s) =>
    (s.volumes ?? []).filter((v) => v.kind === "persistent").map((v) => ({ service: s.name, volume: v.name })),
  );
  const clientNames = clients.map((c) => c.name);
  for (const { service, volume } of persistent) {
    if (!nomad.hostVolumes[volume]) {
      add(
        `nomad.hostVolumes`,
        `has no entry for volume "${volume}" of service "${service}" (add "${volume}": { client, path })`,
      );
    }
  }
  const allVolumes = app.services.flatMap((s) => (s.volumes ?? []).map((v) => v.name));
  for (const [volume, placement] of Object.entries(nomad.hostVolumes)) {
    const path = `nomad.hostVolumes.${volume}`;
    if (!placement) continue; // reported above as a missing entry
    if (
      !env.application.services.some((s) => (s.volumes ?? []).some((v) => v.name === volume && v.kind === "persistent"))
    ) {
      add(path, `no service has a persistent volume "${volume}" (volumes: ${knownList([...new Set(allVolumes)])})`);
    }
    if (!clientNames.includes(placement.client)) {
      add(
        `${path}.client`,
        `unknown Nomad client "${placement.client}" (clients: ${knownList(clientNames) || "none"})`,
      );
    }
    if (!placement.path.startsWith("/")) add(`${path}.path`, `"${placement.path}" must be an absolute path`);
  }
  nodeVolumeProblems(app, nomad, add);
}
