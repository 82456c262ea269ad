import type { LabVm } from "./target";
import { TerraformData } from "../builtin/terraform-data";
import { Construct, type ITerraformDependable } from "../cdktf";

/** SSH options of the deployer's machine: its agent's keys, no prompts, host keys learnt on first contact. */
const SSH = "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10";

/**
 * How often Swarm's workers report to the managers (Docker's default is 5 s). A node that misses a few
 * reports is marked down and its tasks move: at 2 s a lost worker's tasks run elsewhere within seconds. The
 * cost is one small message per node every 2 s; a node cut off for that long has its tasks started elsewhere.
 */
export const SWARM_DISPATCHER_HEARTBEAT_SEC = 2;

/**
 * Initializes the Swarm on the first manager, unless it already is in a swarm. Runs on the deployer's
 * machine over SSH; waits for cloud-init (which installs Docker) to finish first.
 */
export const SWARM_INIT_SCRIPT = `set -eu
${SSH} "$ADMIN@$MANAGER" sudo cloud-init status --wait >/dev/null
state=$(${SSH} "$ADMIN@$MANAGER" sudo docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" != "active" ]; then
  ${SSH} "$ADMIN@$MANAGER" sudo docker swarm init --advertise-addr "$MANAGER" --dispatcher-heartbeat ${SWARM_DISPATCHER_HEARTBEAT_SEC}s
else
  ${SSH} "$ADMIN@$MANAGER" sudo docker swarm update --dispatcher-heartbeat ${SWARM_DISPATCHER_HEARTBEAT_SEC}s >/dev/null
fi
`;

/**
 * Joins one node to the Swarm as a manager or worker, unless it already is in a swarm. The join token is
 * read from the first manager at that moment and piped straight into the join: it never enters Terraform
 * state or any file.
 */
export const SWARM_JOIN_SCRIPT = `set -eu
${SSH} "$ADMIN@$NODE" sudo cloud-init status --wait >/dev/null
state=$(${SSH} "$ADMIN@$NODE" sudo docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" = "active" ]; then
  exit 0
fi
token=$(${SSH} "$ADMIN@$MANAGER" sudo docker swarm join-token -q "$ROLE")
${SSH} "$ADMIN@$NODE" sudo docker swarm join --token "$token" --advertise-addr "$NODE" "$MANAGER:2377"
`;

/**
 * Sets node labels from the first manager (the node is named by its hostname); `--label-add` of a label that
 * is already there changes nothing. LABELS is split into words explicitly (`$${` is Terraform's escape of `${`).
 */
export const SWARM_LABEL_SCRIPT = `set -eu
read -r -a label_args <<<"$LABELS"
${SSH} "$ADMIN@$MANAGER" sudo docker node update "$\${label_args[@]}" "$NODE" >/dev/null
`;

export interface SwarmClusterProps {
  readonly adminUser: string;
  readonly managers: readonly LabVm[];
  readonly workers: readonly LabVm[];
  /** The VMs must exist (and boot) before the steps run. */
  readonly dependsOn: readonly ITerraformDependable[];
  /** Node labels by node name, e.g. the label that pins a persistent volume's service to its node. */
  readonly nodeLabels?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Forms the lab's Swarm: `terraform_data` steps with local-exec provisioners, one per node, re-run when a
 * node is replaced. Join tokens exist only after `swarm init`, so they are fetched at apply time, never planned.
 */
export class SwarmCluster extends Construct {
  readonly init: TerraformData;
  readonly joins: TerraformData[] = [];

  constructor(scope: Construct, id: string, props: SwarmClusterProps) {
    super(scope, id);
    const [first, ...otherManagers] = props.managers;
    if (!first) throw new Error("a Swarm needs at least one manager");
    this.init = new TerraformData(this, "init", {
      triggersReplace: { manager: first.address },
      dependsOn: [...props.dependsOn],
      provisioners: [
        {
          type: "local-exec",
          command: SWARM_INIT_SCRIPT,
          interpreter: ["/bin/bash", "-c"],
          environment: { ADMIN: props.adminUser, MANAGER: first.address },
        },
      ],
    });
    const join = (vm: LabVm, role: "manager" | "worker", after: ITerraformDependable) =>
      new TerraformData(this, `join-${vm.name}`, {
        triggersReplace: { node: vm.address, role, manager: first.address },
        dependsOn: [after],
        provisioners: [
          {
            type: "local-exec",
            command: SWARM_JOIN_SCRIPT,
            interpreter: ["/bin/bash", "-c"],
            environment: { ADMIN: props.adminUser, MANAGER: first.address, NODE: vm.address, ROLE: role },
          },
        ],
      });
    // Managers join one after another, so the Raft group grows one member at a time; workers in parallel.
    let previous: ITerraformDependable = this.init;
    for (const vm of otherManagers) {
      previous = join(vm, "manager", previous);
      this.joins.push(previous as TerraformData);
    }
    for (const vm of props.workers) this.joins.push(join(vm, "worker", previous));
    for (const [node, labels] of Object.entries(props.nodeLabels ?? {})) {
      const labelArgs = labels.map((l) => `--label-add ${l}`).join(" ");
      new TerraformData(this, `labels-${node}`, {
        triggersReplace: { node, labels: labelArgs },
        dependsOn: [...this.joins],
        provisioners: [
          {
            type: "local-exec",
            command: SWARM_LABEL_SCRIPT,
            interpreter: ["/bin/bash", "-c"],
            environment: { ADMIN: props.adminUser, MANAGER: first.address, NODE: node, LABELS: labelArgs },
          },
        ],
      });
    }
  }
}
