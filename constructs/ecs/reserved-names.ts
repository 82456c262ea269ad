import { hasConfigFiles, type ReservedNames } from "../model/reserved";

/**
 * Names the ECS rendering (EcsApplication) gives its own constructs beside the services' (security groups
 * named after the services, `<service>-logs`, `<service>-task` and so on), and the volumes it adds to a task.
 */
export const ECS_RESERVED_NAMES: ReservedNames = {
  services: {
    alb: "the load balancer's security group",
    endpoints: "the VPC endpoints' security group",
    efs: "the file system's security group",
    exec: "the ECS Exec log group (exec-logs)",
  },
  volumes: {
    tmp: "the writable /tmp of a read-only root filesystem",
    "{service}-config*": { use: "a task volume the configuration writer fills", onlyFor: hasConfigFiles },
  },
};
