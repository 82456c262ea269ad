import type { NomadTarget } from "../nomad/target";
import type { LabEnvironment, LabInventory, LabVm } from "./target";
import { Construct, Fn, TerraformOutput, TerraformVariable } from "../cdktf";
import { parseCidr } from "../model";
import { VirtualEnvironmentDownloadFile } from "../proxmox/virtual-environment-download-file";
import { VirtualEnvironmentFile } from "../proxmox/virtual-environment-file";
import { VirtualEnvironmentVm } from "../proxmox/virtual-environment-vm";
import { consulCertificateNames, nomadCertificateNames } from "./agent-config";
import { renderCloudConfig } from "./cloud-init";
import { NOMAD_DEPLOY_TOKEN_KEY } from "./acl-bootstrap";
import { ClusterSecrets } from "./cluster-secrets";
import { dnsmasqConfig } from "./dnsmasq";
import { HAPROXY_CERT_PATH, haproxyConfig } from "./haproxy";
import { LabCertificateAuthority } from "./pki";
import { RaspberryPi } from "./raspberry-pi";
import { SwarmCluster } from "./swarm-cluster";
import { isNomadVm, vmCloudConfig, type VmBootstrapContext } from "./vm-bootstrap";
import { LAB_VERSIONS } from "./versions";
import { volumeLabel } from "../node-labels";

/**
 * The Consul KV key of the nomad-lab stack's state (stacks/backend.ts: `<pathPrefix>/<stack>`, the stack named as
 * stacks/synth.ts names it), or undefined when its state is not in Consul.
 */
function nomadLabStateKey(env: LabEnvironment): string | undefined {
  const backend = env.nomad?.backend ?? env.backend;
  if (!env.nomad || backend?.kind !== "consul") return undefined;
  return `${backend.pathPrefix}/${env.nomad.stackName ?? `nomad-${env.name}`}`;
}

/** The node labels that pin each persistent volume (and its service) to the Swarm node holding it. */
function swarmNodeLabels(env: LabEnvironment): Record<string, string[]> {
  const labels: Record<string, string[]> = {};
  for (const [volume, node] of Object.entries(env.swarm?.volumeNodes ?? {}))
    (labels[node] ??= []).push(`${volumeLabel(volume)}=true`);
  return labels;
}

export interface LabInfrastructureProps {
  readonly environment: LabEnvironment;
  /** Persistent volumes of the application and the user its image writes as (for host-volume directories). */
  readonly hostVolumeOwners: Readonly<Record<string, number | undefined>>;
  /** The node paths the application's Nomad jobs mount, by host volume name (each client offers them read-only). */
  readonly nodeVolumes: Readonly<Record<string, string>>;
  /** Consul ACL rules of the application's Nomad jobs whose tasks read Consul, by job ID. */
  readonly consulReaders: Readonly<Record<string, string>>;
}

/** Terraform variable holding the admins' SSH public keys when the environment does not list them. */
export const ADMIN_KEYS_VARIABLE = "admin_ssh_public_keys";

/**
 * The lab's hardware tier: Proxmox VMs bootstrapped by cloud-init into a Nomad/Consul cluster and a Swarm,
 * the Swarm formed over SSH, and the two Raspberry Pis (lab DNS, TLS edge) configured over SSH.
 */
export class LabInfrastructure extends Construct {
  readonly vms = new Map<string, VirtualEnvironmentVm>();
  readonly userData = new Map<string, VirtualEnvironmentFile>();
  readonly ca: LabCertificateAuthority;
  readonly secrets: ClusterSecrets;
  readonly pis = new Map<string, RaspberryPi>();
  readonly swarm?: SwarmCluster;

  constructor(scope: Construct, id: string, props: LabInfrastructureProps) {
    super(scope, id);
    const env = props.environment;
    const lab = env.lab!;
    const nomad = env.nomad;
    this.ca = new LabCertificateAuthority(this, "ca", { commonName: `argo lab CA (${lab.domain})` });
    this.secrets = new ClusterSecrets(this, "cluster-secrets");

    const image = new VirtualEnvironmentDownloadFile(this, "base-image", {
      nodeName: lab.proxmox.nodeName,
      datastoreId: lab.proxmox.fileDatastore,
      contentType: "import",
      url: lab.image.url,
      fileName: lab.image.fileName,
      checksum: lab.image.checksumSha256,
      checksumAlgorithm: "sha256",
      overwrite: false,
    });

    const context: Omit<VmBootstrapContext, "certificates"> = {
      lab,
      nomad: nomad!,
      secrets: this.secrets,
      hostVolumeOwners: props.hostVolumeOwners,
      nodeVolumes: props.nodeVolumes,
      adminCidrs: env.adminCidrs,
      swarm: env.swarm,
      caCertPem: this.ca.certPem,
      authorizedKeys: this.authorizedKeys(lab),
      deploy: {
        stateKey: nomadLabStateKey(env),
        hostVolumes: Object.keys(nomad?.hostVolumes ?? {}),
        nodeVolumes: Object.keys(props.nodeVolumes),
        consulReaders: props.consulReaders,
      },
    };
    for (const vm of lab.vms) {
      const certificates = isNomadVm(vm)
        ? {
            consul: this.ca.issue(`${vm.name}-consul`, {
              commonName: `${vm.name} consul`,
              ...consulCertificateNames(vm, { lab, nomad: nomad! }),
            }),
            nomad: this.ca.issue(`${vm.name}-nomad`, {
              commonName: `${vm.name} nomad`,
              ...nomadCertificateNames(vm, { lab, nomad: nomad! }),
            }),
          }
        : undefined;
      const userData = new VirtualEnvironmentFile(this, `${vm.name}-user-data`, {
        nodeName: lab.proxmox.nodeName,
        datastoreId: lab.proxmox.fileDatastore,
        contentType: "snippets",
        sourceRaw: [
          {
            data: renderCloudConfig(vmCloudConfig(vm, { ...context, certificates })),
            fileName: `argo-${vm.name}-user-data.yaml`,
          },
        ],
      });
      this.userData.set(vm.name, userData);
      this.vms.set(vm.name, this.vm(vm, lab, nomad, image, userData));
    }

    const managers = lab.vms.filter((v) => v.role === "swarm-manager");
    if (managers.length > 0) {
      this.swarm = new SwarmCluster(this, "swarm", {
        adminUser: lab.admin.user,
        managers,
        workers: lab.vms.filter((v) => v.role === "swarm-worker"),
        dependsOn: [...lab.vms.filter((v) => v.role.startsWith("swarm-")).map((v) => this.vms.get(v.name)!)],
        nodeLabels: swarmNodeLabels(env),
      });
    }

    for (const pi of lab.pis) {
      if (pi.role === "dns") {
        this.pis.set(
          pi.name,
          new RaspberryPi(this, pi.name, {
            pi,
            packageSpec: `dnsmasq=${LAB_VERSIONS.piDnsmasq}`,
            files: [{ path: "/etc/dnsmasq.d/argo-lab.conf", content: dnsmasqConfig(lab), mode: "0644" }],
            checkCommand: "sudo dnsmasq --test",
            service: "dnsmasq",
          }),
        );
      } else {
        const cert = this.ca.issue(`${pi.name}-edge`, {
          commonName: lab.edge.nomadHostname,
          dnsNames: [lab.edge.nomadHostname, lab.edge.swarmHostname],
          ipAddresses: [pi.address],
        });
        this.pis.set(
          pi.name,
          new RaspberryPi(this, pi.name, {
            pi,
            packageSpec: `haproxy=${LAB_VERSIONS.piHaproxy}`,
            files: [
              { path: "/etc/haproxy/haproxy.cfg", content: haproxyConfig(lab, nomad, env.swarm), mode: "0644" },
              // HAProxy reads certificate, key and chain from one file.
              {
                path: HAPROXY_CERT_PATH,
                content: Fn.join("", [cert.certPem, cert.privateKeyPem, this.ca.certPem]),
                mode: "0600",
              },
            ],
            checkCommand: "sudo haproxy -c -q -f /etc/haproxy/haproxy.cfg",
            service: "haproxy",
          }),
        );
      }
    }

    const operator = this.ca.issue("operator", {
      commonName: "lab operator",
      dnsNames: nomad ? [`cli.${nomad.region}.nomad`] : ["operator"],
    });
    const outputs: [string, string, string, boolean][] = [
      [
        "ca_cert_pem",
        this.ca.certPem,
        "The lab CA: NOMAD_CACERT / CONSUL_CACERT, and the issuer of the edge certificate",
        false,
      ],
      [
        "operator_cert_pem",
        operator.certPem,
        "Client certificate for the Nomad and Consul APIs (NOMAD_CLIENT_CERT, CONSUL_CLIENT_CERT)",
        false,
      ],
      ["operator_key_pem", operator.privateKeyPem, "Its key (NOMAD_CLIENT_KEY, CONSUL_CLIENT_KEY)", true],
      [
        "consul_deploy_token",
        this.secrets.consulDeployToken.secretId,
        `CONSUL_HTTP_TOKEN for deploying nomad-lab (policy argo-deploy); it also reads NOMAD_TOKEN's secret at Consul KV ${NOMAD_DEPLOY_TOKEN_KEY}`,
        true,
      ],
      [
        "consul_management_token",
        this.secrets.consulManagementToken,
        "Consul's management token: administration only (deploys use consul_deploy_token)",
        true,
      ],
      [
        "nomad_bootstrap_token",
        this.secrets.nomadBootstrapToken,
        "Nomad's management token: administration only (deploys use the deploy token in Consul KV)",
        true,
      ],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive }).overrideLogicalId(name);
    }
  }

  private authorizedKeys(lab: LabInventory): string {
    if (lab.admin.sshPublicKeys) return lab.admin.sshPublicKeys.join("\n") + "\n";
    const variable = new TerraformVariable(this, ADMIN_KEYS_VARIABLE, {
      type: "list(string)",
      nullable: false,
      description: `OpenSSH public keys of ${lab.admin.user}, the only way into the lab VMs (JSON list)`,
      validation: [
        {
          condition: `\${length(var.${ADMIN_KEYS_VARIABLE}) > 0 && alltrue([for key in var.${ADMIN_KEYS_VARIABLE} : can(regex("^(ssh-|ecdsa-|sk-)", key))])}`,
          errorMessage: "Give at least one OpenSSH public key (ssh-ed25519 AAAA... user@host).",
        },
      ],
    });
    variable.overrideLogicalId(ADMIN_KEYS_VARIABLE);
    return Fn.join("\n", variable.listValue);
  }

  private vm(
    vm: LabVm,
    lab: LabInventory,
    nomad: NomadTarget | undefined,
    image: VirtualEnvironmentDownloadFile,
    userData: VirtualEnvironmentFile,
  ) {
    const lan = parseCidr(lab.lanCidr);
    const prefix = typeof lan === "string" ? 24 : lan.prefixLength;
    const holdsData = nomad ? Object.values(nomad.hostVolumes).some((p) => p.client === vm.name) : false;
    return new VirtualEnvironmentVm(this, vm.name, {
      nodeName: lab.proxmox.nodeName,
      name: vm.name,
      vmId: vm.vmId,
      description: `argo-infra lab: ${vm.role}`,
      tags: ["argo", vm.role],
      onBoot: true,
      started: true,
      agent: [{ enabled: true, trim: true }],
      cpu: [{ cores: vm.vcpus, sockets: 1, type: "x86-64-v2-AES" }],
      memory: [{ dedicated: vm.memoryMiB }],
      scsiHardware: "virtio-scsi-single",
      disk: [
        {
          interface: "virtio0",
          datastoreId: lab.proxmox.vmDatastore,
          importFrom: image.id,
          size: vm.diskGiB,
          discard: "on",
          iothread: true,
        },
      ],
      networkDevice: [{ bridge: lab.proxmox.bridge, model: "virtio" }],
      initialization: [
        {
          datastoreId: lab.proxmox.vmDatastore,
          ipConfig: [{ ipv4: [{ address: `${vm.address}/${prefix}`, gateway: lab.gateway }] }],
          dns: [{ domain: lab.domain, servers: [...lab.dnsServers] }],
          userDataFileId: userData.id,
        },
      ],
      operatingSystem: [{ type: "l26" }],
      serialDevice: [{ device: "socket" }],
      // A VM that holds persistent data (a Nomad host volume) is never destroyed by accident.
      lifecycle: holdsData ? { preventDestroy: true } : undefined,
    });
  }
}
