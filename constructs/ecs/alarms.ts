import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { AlarmSubscription } from "./target";
import { AwsAccount } from "../aws/account";
import { EncryptionKey } from "../aws/kms-key";
import { Construct } from "../cdktf";
import { DEFAULT_ERROR_RATIO } from "../observability/alert-rules";

export interface EcsAlarmsProps {
  /** Prefix of alarm and topic names (the cluster's). */
  readonly name: string;
  readonly clusterName: string;
  /** ECS service name → the number of tasks below which it alarms (its replicas, or its autoscaling minimum). */
  readonly services: ReadonlyMap<string, number>;
  /** `arn_suffix` of the load balancer. */
  readonly loadBalancer: string;
  /** The RDS instance identifier and its storage, when the database is RDS. */
  readonly database?: { readonly identifier: string; readonly allocatedStorageGiB: number };
  /** Who the topic notifies. @default nobody */
  readonly subscriptions?: readonly AlarmSubscription[];
}

const MINUTE = 60;

/**
 * The alerts of the other platforms' Alertmanager, as CloudWatch alarms on what AWS measures itself: running
 * tasks of every service (Container Insights), the load balancer's 5xx ratio, and the database's CPU and free
 * storage. They notify an SNS topic encrypted with a key of its own, which CloudWatch may use for this topic
 * only (the AWS managed SNS key cannot be granted to CloudWatch, so alarms could not publish to a topic it
 * encrypts), and the topic delivers to the environment's subscribers.
 */
export class EcsAlarms extends Construct {
  readonly topic: SnsTopic;
  readonly key: EncryptionKey;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: EcsAlarmsProps) {
    super(scope, id);
    const account = AwsAccount.of(this);
    const topicName = `${props.name}-alarms`;
    // Named, not referenced: the topic refers to the key.
    const topicArn = `arn:${account.partition}:sns:${account.region}:${account.accountId}:${topicName}`;
    this.key = new EncryptionKey(this, "topic-key", {
      alias: `${props.name}-alarms`,
      description: `Encrypts the alarm notifications of ${props.name}`,
      servicePrincipals: ["cloudwatch.amazonaws.com"],
      servicePrincipalActions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      // SNS names the topic in the encryption context of every data key it asks for.
      servicePrincipalCondition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": topicArn } },
    });
    this.topic = new SnsTopic(this, "topic", { name: topicName, kmsMasterKeyId: this.key.arn });
    (props.subscriptions ?? []).forEach((subscription, i) => {
      new SnsTopicSubscription(this, `subscription-${i}`, {
        topicArn: this.topic.arn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
      });
    });
    const notify = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
    for (const [service, minimum] of props.services) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${service}-running-tasks`, {
          alarmName: `${props.name}-${service}-running-tasks`,
          alarmDescription: `${service} runs fewer than ${minimum} task(s)`,
          namespace: "ECS/ContainerInsights",
          metricName: "RunningTaskCount",
          dimensions: { ClusterName: props.clusterName, ServiceName: service },
          statistic: "Minimum",
          period: MINUTE,
          evaluationPeriods: 3,
          comparisonOperator: "LessThanThreshold",
          threshold: minimum,
          // No data means no tasks reporting: as bad as too few.
          treatMissingData: "breaching",
          ...notify,
        }),
      );
    }
    const lbMetric = (id: string, metricName: string) => ({
      id,
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: { LoadBalancer: props.loadBalancer },
        stat: "Sum",
        period: 5 * MINUTE,
      },
    });
    this.alarms.push(
      new CloudwatchMetricAlarm(this, "http-5xx-ratio", {
        alarmName: `${props.name}-http-5xx-ratio`,
        alarmDescription: `more than ${DEFAULT_ERROR_RATIO * 100} % of requests answered 5xx by the targets`,
        metricQuery: [
          lbMetric("errors", "HTTPCode_Target_5XX_Count"),
          lbMetric("requests", "RequestCount"),
          { id: "ratio", expression: "IF(requests > 0, errors / requests, 0)", label: "5xx ratio", returnData: true },
        ],
        evaluationPeriods: 2,
        comparisonOperator: "GreaterThanThreshold",
        threshold: DEFAULT_ERROR_RATIO,
        treatMissingData: "notBreaching",
        ...notify,
      }),
    );
    if (props.database) {
      const db = {
        namespace: "AWS/RDS",
        dimensions: { DBInstanceIdentifier: props.database.identifier },
        statistic: "Average",
        period: 5 * MINUTE,
      };
      this.alarms.push(
        new CloudwatchMetricAlarm(this, "database-cpu", {
          alarmName: `${props.name}-postgres-cpu`,
          alarmDescription: "PostgreSQL CPU above 80 % for 15 minutes",
          ...db,
          metricName: "CPUUtilization",
          evaluationPeriods: 3,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 80,
          ...notify,
        }),
        new CloudwatchMetricAlarm(this, "database-storage", {
          alarmName: `${props.name}-postgres-free-storage`,
          alarmDescription: "PostgreSQL has less than 10 % of its allocated storage free",
          ...db,
          metricName: "FreeStorageSpace",
          evaluationPeriods: 1,
          comparisonOperator: "LessThanThreshold",
          threshold: props.database.allocatedStorageGiB * 0.1 * 1024 ** 3,
          ...notify,
        }),
      );
    }
  }
}
