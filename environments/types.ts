import type { Application, ApplicationSelection, BackendConfig } from "../constructs/model";
import type { EcsTarget } from "../constructs/ecs/target";
import type { EksTarget } from "../constructs/eks/target";
import type { LabInventory } from "../constructs/lab/target";
import type { NomadTarget } from "../constructs/nomad/target";
import type { SwarmTarget } from "../constructs/swarm/target";

// Each platform owns its target type (constructs/<platform>/target.ts); an environment composes them.
export type { BackendConfig } from "../constructs/model";
export type {
  AwsBinding,
  AwsNetworkConfig,
  AwsTargetBase,
  ElastiCacheBinding,
  RdsBinding,
  WebAclSettings,
} from "../constructs/aws/target";
export type { AlarmSubscription, EcsTarget } from "../constructs/ecs/target";
export type { EksTarget } from "../constructs/eks/target";
export { LAB_VM_ROLES, type LabInventory, type LabPi, type LabVm, type LabVmRole } from "../constructs/lab/target";
export type { NomadTarget } from "../constructs/nomad/target";
export type { SwarmTarget } from "../constructs/swarm/target";

/**
 * One deployment of an application: where it runs and everything that differs between customers.
 * A fork for a new customer is a new file of this type, not a change to the constructs.
 */
export interface Environment {
  /** Lowercase DNS label; stack names default to `<platform>-<name>`. */
  readonly name: string;
  readonly description: string;
  readonly application: Application;
  readonly selection: ApplicationSelection;
  /** Source ranges allowed to reach admin-only routes. Required when the application has any. */
  readonly adminCidrs: readonly string[];
  /** Where Terraform keeps state. @default local state next to each synthesized stack */
  readonly backend?: BackendConfig;
  /** The hardware tier (Proxmox host, VMs, Raspberry Pis); needed by the lab-based targets. */
  readonly lab?: LabInventory;
  /** Deploy to Nomad + Consul + Fabio on the lab's Nomad cluster. */
  readonly nomad?: NomadTarget;
  /** Deploy to Docker Swarm on the lab's Swarm cluster. */
  readonly swarm?: SwarmTarget;
  /** Deploy to AWS EKS: a VPC, an EKS cluster and ARGO as Kubernetes workloads behind an ALB. */
  readonly eks?: EksTarget;
  /** Deploy to AWS ECS on Fargate: a VPC, an ECS cluster and ARGO as Fargate services behind an ALB. */
  readonly ecs?: EcsTarget;
}
