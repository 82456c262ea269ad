import {
  cidrContains,
  cidrsOverlap,
  knownList,
  parseCidr,
  parseIpv4,
  reservedNameProblems,
  selectApplication,
  unknownName,
  validateApplication,
  type Problem,
} from "../constructs/model";
import { alertReceiverProblems } from "../constructs/model/alert-receivers";
import { ECS_RESERVED_NAMES } from "../constructs/ecs/reserved-names";
import { KUBERNETES_RESERVED_NAMES } from "../constructs/kubernetes/reserved-names";
import { NOMAD_RESERVED_NAMES } from "../constructs/nomad/reserved-names";
import { SWARM_RESERVED_NAMES } from "../constructs/swarm/reserved-names";
import { checkEcsBase, checkEks } from "./validate-aws";
import {
  LAB_VM_ROLES,
  type BackendConfig,
  type Environment,
  type LabInventory,
  type NomadTarget,
  type SwarmTarget,
} from "./types";

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Every problem of an environment and of the application as it selects it. Paths of environment fields start
 * with `environments.<name>.`; paths of the model start with `services.`, `zones.`, `routes.` or `secrets.`.
 */
export function validateEnvironment(env: Environment): Problem[] {
  const problems: Problem[] = [];
  const base = `environments.${env.name}`;
  const add = (path: string, message: string) => problems.push({ path: `${base}.${path}`, message });

  if (!DNS_LABEL.test(env.name)) {
    problems.push({
      path: `environments[${JSON.stringify(env.name)}].name`,
      message: `"${env.name}" is not a lowercase DNS label`,
    });
  }
  checkSelection(env, add);
  problems.push(
    ...alertReceiverProblems(env.application, env.selection.alertReceivers ?? [], `${base}.selection.alertReceivers`),
  );
  const modelProblems = [
    ...validateApplication(env.application),
    ...validateApplication(selectApplication(env.application, env.selection)),
  ];
  const seen = new Set<string>();
  for (const p of modelProblems) {
    const key = `${p.path}\u0000${p.message}`;
    if (!seen.has(key)) problems.push(p);
    seen.add(key);
  }

  const adminRoutes = env.application.routes.filter((r) => r.adminOnly).map((r) => r.pathPrefix);
  if (adminRoutes.length > 0 && env.adminCidrs.length === 0) {
    add(
      "adminCidrs",
      `is empty, but the application has admin-only routes (${knownList(adminRoutes, 4)}); list the CIDRs allowed to reach them`,
    );
  }
  env.adminCidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (/\/0+$/.test(cidr.trim()) && (cidr.includes(":") || typeof parsed !== "string"))
      add(
        `adminCidrs[${i}]`,
        `"${cidr}" admits every address to the admin-only routes (${knownList(adminRoutes, 4) || "none yet"}); list your administrators' ranges (expected e.g. "198.51.100.32/28")`,
      );
    else if (typeof parsed === "string") add(`adminCidrs[${i}]`, `"${cidr}" is not a valid CIDR: ${parsed}`);
  });
  checkReservedNames(env, problems);

  if (env.backend) checkBackend(env.backend, "backend", add);
  if (env.lab) checkLab(env.lab, env, add);
  if (env.nomad) checkNomad(env.nomad, env, add);
  if (env.swarm) checkSwarm(env.swarm, env, add);
  if (env.eks) {
    if (env.eks.backend) checkBackend(env.eks.backend, "eks.backend", add);
    checkEks(env.eks, env, add);
  }
  if (env.ecs) {
    if (env.ecs.backend) checkBackend(env.ecs.backend, "ecs.backend", add);
    checkEcsBase(env.ecs, env, add);
  }
  return problems;
}

type Add = (path: string, message: string) => void;

/** Names each enabled platform keeps for its own objects, declared next to that platform's rendering. */
const RESERVED_NAMES_BY_TARGET = {
  nomad: NOMAD_RESERVED_NAMES,
  swarm: SWARM_RESERVED_NAMES,
  eks: KUBERNETES_RESERVED_NAMES,
  ecs: ECS_RESERVED_NAMES,
} as const;

function checkReservedNames(env: Environment, problems: Problem[]): void {
  const app = selectApplication(env.application, env.selection);
  for (const [target, reserved] of Object.entries(RESERVED_NAMES_BY_TARGET)) {
    if (env[target as keyof typeof RESERVED_NAMES_BY_TARGET])
      problems.push(...reservedNameProblems(app, target, reserved));
  }
}

function checkSelection(env: Environment, add: Add): void {
  const app = env.application;
  const optional = app.services.filter((s) => s.optional).map((s) => s.name);
  env.selection.optionalServices.forEach((name, i) => {
    const service = app.services.find((s) => s.name === name);
    if (!service) {
      add(`selection.optionalServices[${i}]`, unknownName("service", name, optional, "optional services"));
    } else if (!service.optional) {
      add(`selection.optionalServices[${i}]`, `"${name}" is not optional; it always runs`);
    }
  });
  for (const zone of Object.keys(env.selection.zoneSubnets ?? {})) {
    if (!app.zones.some((z) => z.name === zone)) {
      add(
        `selection.zoneSubnets.${zone}`,
        unknownName(
          "zone",
          zone,
          app.zones.map((z) => z.name),
        ),
      );
    }
  }
  for (const [service, digest] of Object.entries(env.selection.imageDigests ?? {})) {
    if (!app.services.some((s) => s.name === service)) {
      add(
        `selection.imageDigests.${service}`,
        unknownName(
          "service",
          service,
          app.services.map((s) => s.name),
        ),
      );
    } else if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
      add(
        `selection.imageDigests.${service}`,
        `"${digest}" is not a digest (expected sha256: followed by 64 hex digits, as \`docker buildx imagetools inspect\` prints it)`,
      );
    }
  }
  for (const [prefix, reason] of Object.entries(env.selection.publicRoutes ?? {})) {
    const route = app.routes.find((r) => r.pathPrefix === prefix);
    const adminRoutes = app.routes.filter((r) => r.adminOnly).map((r) => r.pathPrefix);
    if (!route) add(`selection.publicRoutes.${prefix}`, unknownName("route", prefix, adminRoutes, "admin-only routes"));
    else if (!route.adminOnly)
      add(`selection.publicRoutes.${prefix}`, `route "${prefix}" is not admin-only; it is public already`);
    else if (!reason.trim())
      add(
        `selection.publicRoutes.${prefix}`,
        `needs a reason: say why everyone may reach ${prefix} in this environment`,
      );
  }
  for (const [service, tag] of Object.entries(env.selection.imageTags ?? {})) {
    if (!app.services.some((s) => s.name === service)) {
      add(
        `selection.imageTags.${service}`,
        unknownName(
          "service",
          service,
          app.services.map((s) => s.name),
        ),
      );
    } else if (!tag || tag === "latest") {
      add(`selection.imageTags.${service}`, `"${tag}" is not a pinned tag (expected a fixed version)`);
    }
  }
}

function checkBackend(backend: BackendConfig, path: string, add: Add): void {
  if (backend.kind === "consul") {
    if (backend.address !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(backend.address)) {
      add(`${path}.address`, `"${backend.address}" is not host:port (e.g. 192.168.10.120:8501)`);
    }
    if (!backend.pathPrefix || backend.pathPrefix.startsWith("/")) {
      add(`${path}.pathPrefix`, `"${backend.pathPrefix}" must be a non-empty KV path without a leading /`);
    }
  }
  if (backend.kind === "s3") {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(backend.bucket)) {
      add(`${path}.bucket`, `"${backend.bucket}" is not a valid S3 bucket name`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(backend.region))
      add(`${path}.region`, `"${backend.region}" is not an AWS region such as eu-west-1`);
  }
}

function checkLab(lab: LabInventory, env: Environment, add: Add): void {
  const lan = parseCidr(lab.lanCidr);
  if (typeof lan === "string") {
    add("lab.lanCidr", `"${lab.lanCidr}" is not a valid CIDR: ${lan}`);
  }
  const addressOwners = new Map<string, string>();
  const checkAddress = (path: string, address: string, owner: string) => {
    const ip = parseIpv4(address);
    if (ip === undefined) {
      add(path, `"${address}" is not an IPv4 address`);
      return;
    }
    if (typeof lan !== "string" && !cidrContains(lan, ip))
      add(path, `${address} is outside the lab LAN ${lab.lanCidr}`);
    const other = addressOwners.get(address);
    if (other) add(path, `${address} is already used by ${other}`);
    addressOwners.set(address, owner);
  };
  checkAddress("lab.gateway", lab.gateway, "the gateway");
  checkAddress("lab.proxmox.address", lab.proxmox.address, lab.proxmox.nodeName);
  lab.dnsServers.forEach((dns, i) => {
    if (parseIpv4(dns) === undefined) add(`lab.dnsServers[${i}]`, `"${dns}" is not an IPv4 address`);
  });

  const names = new Set<string>();
  const checkName = (path: string, name: string) => {
    if (!DNS_LABEL.test(name)) add(path, `"${name}" is not a lowercase DNS label`);
    if (names.has(name)) add(path, `duplicate machine name "${name}"`);
    names.add(name);
  };
  const vmIds = new Map<number, string>();
  lab.vms.forEach((vm, i) => {
    const path = `lab.vms[${i}]`;
    checkName(`${path}.name`, vm.name);
    checkAddress(`${path}.address`, vm.address, vm.name);
    if (!LAB_VM_ROLES.includes(vm.role)) {
      add(`${path}.role`, `${vm.name}: unknown role "${vm.role}" (expected one of ${LAB_VM_ROLES.join(", ")})`);
    }
    for (const field of ["vcpus", "memoryMiB", "diskGiB"] as const) {
      if (!Number.isInteger(vm[field]) || vm[field] < 1)
        add(`${path}.${field}`, `${vm.name}: must be a positive whole number (got ${vm[field]})`);
    }
    if (!Number.isInteger(vm.vmId) || vm.vmId < 100 || vm.vmId > 999999999) {
      add(`${path}.vmId`, `${vm.name}: ${vm.vmId} is not a Proxmox VM ID (a whole number from 100)`);
    } else if (vmIds.has(vm.vmId)) {
      add(`${path}.vmId`, `${vm.name}: VM ID ${vm.vmId} is already used by ${vmIds.get(vm.vmId)}`);
    }
    vmIds.set(vm.vmId, vm.name);
  });
  lab.pis.forEach((pi, i) => {
    checkName(`lab.pis[${i}].name`, pi.name);
    // A Pi may also be the DNS server listed above; that is the same machine, not a clash.
    if (!lab.dnsServers.includes(pi.address)) checkAddress(`lab.pis[${i}].address`, pi.address, pi.name);
    if (!["dns", "edge"].includes(pi.role))
      add(`lab.pis[${i}].role`, `${pi.name}: unknown role "${pi.role}" (expected dns or edge)`);
    if (!pi.sshUser?.trim())
      add(`lab.pis[${i}].sshUser`, `${pi.name}: missing; name the user the deployer's SSH agent logs in as`);
  });
  for (const role of ["dns", "edge"] as const) {
    const count = lab.pis.filter((p) => p.role === role).length;
    if (count !== 1) add("lab.pis", `needs exactly one Pi with role "${role}" (found ${count})`);
  }
  lab.upstreamDnsServers.forEach((dns, i) => {
    if (parseIpv4(dns) === undefined) add(`lab.upstreamDnsServers[${i}]`, `"${dns}" is not an IPv4 address`);
  });
  if (!DNS_LABEL.test(lab.admin.user)) add("lab.admin.user", `"${lab.admin.user}" is not a valid user name`);
  if (lab.admin.sshPublicKeys) {
    if (lab.admin.sshPublicKeys.length === 0) {
      add(
        "lab.admin.sshPublicKeys",
        `is empty: no one could log in to ${knownList(
          lab.vms.map((v) => v.name),
          4,
        )}; add a public key, or leave the field out to supply keys at deploy time`,
      );
    }
    lab.admin.sshPublicKeys.forEach((key, i) => {
      if (
        !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/.test(
          key,
        )
      ) {
        add(
          `lab.admin.sshPublicKeys[${i}]`,
          `is not an OpenSSH public key (expected e.g. "ssh-ed25519 AAAA... user@host")`,
        );
      }
    });
  }
  if (!/^https:\/\/\S+$/.test(lab.image.url)) add("lab.image.url", `"${lab.image.url}" must be an https URL`);
  if (!/^[a-f0-9]{64}$/.test(lab.image.checksumSha256))
    add("lab.image.checksumSha256", "must be the image's SHA-256 (64 hex digits)");
  if (!/^[\w.-]+\.(qcow2|img|raw)$/.test(lab.image.fileName))
    add("lab.image.fileName", `"${lab.image.fileName}" must end in .qcow2, .img or .raw`);

  const managers = lab.vms.filter((v) => v.role === "swarm-manager").length;
  const workers = lab.vms.filter((v) => v.role === "swarm-worker").length;
  if ((managers > 0 || workers > 0) && managers % 2 === 0) {
    add("lab.vms", `has ${managers} swarm-manager VMs; Swarm's Raft needs an odd number (1, 3 or 5)`);
  }
  if (lab.vms.some((v) => v.role.startsWith("nomad-")) && !env.nomad) {
    add(
      "nomad",
      "is missing: the lab has Nomad VMs, whose agents need the target's region, datacenter and host volumes",
    );
  }

  if (typeof lan !== "string") {
    for (const zone of selectApplication(env.application, env.selection).zones) {
      const subnet = parseCidr(zone.subnet);
      if (typeof subnet !== "string" && cidrsOverlap(subnet, lan)) {
        add(
          `selection.zoneSubnets.${zone.name}`,
          `zone "${zone.name}" uses ${zone.subnet}, which overlaps the lab LAN ${lab.lanCidr}: containers could not reach lab hosts in it (choose a free range)`,
        );
      }
    }
  }
}

function checkNomad(nomad: NomadTarget, env: Environment, add: Add): void {
  if (nomad.backend) checkBackend(nomad.backend, "nomad.backend", add);
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
}

function checkSwarm(swarm: SwarmTarget, env: Environment, add: Add): void {
  if (swarm.backend) checkBackend(swarm.backend, "swarm.backend", add);
  if (
    !/^ssh:\/\/[a-z_][a-z0-9_-]*@[A-Za-z0-9.-]+(:\d+)?$/.test(swarm.dockerHost) &&
    !/^unix:\/\/\/[^\s]+$/.test(swarm.dockerHost)
  ) {
    add(
      "swarm.dockerHost",
      `"${swarm.dockerHost}" is neither ssh://user@host (the Docker API of a Swarm manager, reached over SSH) nor unix:///path (a manager's own socket, for Terraform run on that manager)`,
    );
  }
  if (!DNS_LABEL.test(swarm.namespace)) add("swarm.namespace", `"${swarm.namespace}" is not a lowercase DNS label`);
  if (!Number.isInteger(swarm.ingressPort) || swarm.ingressPort < 1 || swarm.ingressPort > 65535) {
    add("swarm.ingressPort", `must be a port number (got ${swarm.ingressPort})`);
  }
  if (swarm.ingressImage !== undefined) checkPinnedImage(swarm.ingressImage, "swarm.ingressImage", add);
  const app = selectApplication(env.application, env.selection);
  const edge = parseCidr(swarm.edgeSubnet);
  if (typeof edge === "string") {
    add("swarm.edgeSubnet", `"${swarm.edgeSubnet}" is not a valid subnet: ${edge}`);
  } else {
    for (const zone of app.zones) {
      const subnet = parseCidr(zone.subnet);
      if (typeof subnet !== "string" && cidrsOverlap(subnet, edge))
        add("swarm.edgeSubnet", `${swarm.edgeSubnet} overlaps zone "${zone.name}" (${zone.subnet})`);
    }
    const lan = env.lab ? parseCidr(env.lab.lanCidr) : undefined;
    if (lan && typeof lan !== "string" && cidrsOverlap(lan, edge))
      add("swarm.edgeSubnet", `${swarm.edgeSubnet} overlaps the lab LAN ${env.lab!.lanCidr}`);
  }
  const nodes = env.lab?.vms.filter((v) => v.role === "swarm-worker").map((v) => v.name);
  const persistent = app.services.flatMap((s) =>
    (s.volumes ?? []).filter((v) => v.kind === "persistent").map((v) => ({ service: s.name, volume: v.name })),
  );
  for (const { service, volume } of persistent) {
    if (!swarm.volumeNodes[volume])
      add(
        "swarm.volumeNodes",
        `has no node for volume "${volume}" of service "${service}": a stateful service must never be placed by chance`,
      );
  }
  for (const [volume, node] of Object.entries(swarm.volumeNodes)) {
    if (nodes && !nodes.includes(node))
      add(`swarm.volumeNodes.${volume}`, `unknown Swarm worker "${node}" (workers: ${knownList(nodes) || "none"})`);
  }
}

/** `[registry[:port]/]repository[:tag][@sha256:digest]`, run by a fixed tag or a digest. */
function checkPinnedImage(ref: string, path: string, add: Add): void {
  const parts =
    /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9][a-z0-9._/-]*?(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      ref,
    );
  if (!parts) add(path, `"${ref}" is not an image reference (repository:tag or repository@sha256:digest)`);
  else if (!parts[2] && (!parts[1] || parts[1] === "latest"))
    add(path, `"${ref}" is not pinned: give a fixed tag or a digest, never latest or none`);
}
