import type { AwsTargetBase } from "../aws/target";

/** Deploying to ECS on Fargate, as an environment describes it (`Environment.ecs`, composed in environments/types.ts). */
export interface EcsTarget extends AwsTargetBase {
  /** @default `ecs-<environment name>` */
  readonly stackName?: string;
  /** ECS cluster name. */
  readonly clusterName: string;
  /**
   * Fargate sizes by service name, for services that should get more than the smallest size covering the
   * model's CPU and memory. Each must be a combination Fargate runs (see constructs/ecs/fargate-sizes.ts).
   * @default the smallest Fargate size that covers the model's request
   */
  readonly taskSizes?: Readonly<Record<string, { readonly cpu: number; readonly memoryMiB: number }>>;
  /**
   * Cloud Map private DNS namespace in which services find each other (`query-api.<namespace>`).
   * @default `<application name>.internal`
   */
  readonly serviceDiscoveryNamespace?: string;
  /**
   * Image of the init container that writes the observability services' configuration files into their task
   * volumes (a shell with printf), pinned. In this region's ECR (a mirror), those tasks need no internet egress.
   * @default CONFIG_WRITER_IMAGE of constructs/ecs/ecs-application.ts (busybox from ECR Public)
   */
  readonly configWriterImage?: string;
  /**
   * Who the CloudWatch alarms' SNS topic notifies: e-mail addresses (each confirms from the mail SNS sends) or
   * HTTPS endpoints (which must answer SNS's subscription confirmation).
   * @default none: the alarms change state in CloudWatch and notify nobody
   */
  readonly alarmSubscriptions?: readonly AlarmSubscription[];
}

export interface AlarmSubscription {
  readonly protocol: "email" | "https";
  /** The address, or the `https://` URL. */
  readonly endpoint: string;
}
