import {
  cidrContains,
  cidrsOverlap,
  DNS_LABEL,
  knownList,
  parseCidr,
  parseIpv4,
  selectApplication,
  type AddProblem,
  type Application,
  type ApplicationSelection,
} from "../model";
import type { NomadTarget } from "../nomad/target";
import { LAB_VM_ROLES, type LabInventory } from "./target";

/** What validating the lab inventory reads of the environment around it. */
export interface LabTargetContext {
  readonly application: Application;
  readonly selection: ApplicationSelection;
  /** The environment's Nomad target, which the lab's Nomad VMs need. */
  readonly nomad?: NomadTarget;
}

/** Every problem of the lab inventory; paths are relative to the environment (`lab.vms[0].address`). */
export function validateLabTarget(lab: LabInventory, env: LabTargetContext, add: AddProblem): void {
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
