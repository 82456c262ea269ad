import { envProblemsOf } from "../helpers";
import { awsCopy, synthAws } from "./synth";

const ecs = synthAws("ecs");
const ACCOUNT = "${data.aws_caller_identity.AwsAccount_caller_BC4E4DF3.account_id}";

describe("ecs: alarm notifications", () => {
  it("encrypts the alarm topic with a key of its own, not the AWS managed SNS key CloudWatch cannot use", () => {
    const [topic] = ecs.list("aws_sns_topic");
    expect(topic).toMatchObject({
      name: "argo-ecs-alarms",
      kms_master_key_id: ecs.ref("aws_kms_key", "alarms_topic-key", "arn"),
    });
    expect(topic.kms_master_key_id).not.toBe("alias/aws/sns");
  });

  it("lets CloudWatch use that key for the alarm topic only, and rotates it", () => {
    const key = ecs.list("aws_kms_key").find((k) => k.description === "Encrypts the alarm notifications of argo-ecs");
    expect(key.enable_key_rotation).toBe(true);
    const statements = JSON.parse(key.policy).Statement;
    expect(statements[1]).toEqual({
      Sid: "ServicesEncryptForThisAccount",
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:EncryptionContext:aws:sns:topicArn": `arn:\${data.aws_partition.AwsAccount_partition_9398575A.partition}:sns:\${data.aws_region.AwsAccount_region_AC079546.region}:${ACCOUNT}:argo-ecs-alarms`,
        },
      },
    });
    // Every alarm notifies the topic.
    for (const alarm of ecs.list("aws_cloudwatch_metric_alarm"))
      expect(alarm.alarm_actions).toEqual([ecs.ref("aws_sns_topic", "alarms_topic", "arn")]);
  });

  it("subscribes nobody by default, and says that the alarms notify nobody", () => {
    expect(ecs.list("aws_sns_topic_subscription")).toEqual([]);
    const record = ecs.stack.node
      .findAll()
      .flatMap((c: any) => c.records ?? [])
      .find((r: any) => r.intent === "notifications");
    expect(record).toMatchObject({ support: "partial" });
    expect(record.realization).toContain("no subscriber (ecs.alarmSubscriptions is empty): the alarms notify nobody");
  });

  it("subscribes the environment's e-mail addresses and HTTPS endpoints", () => {
    const env = awsCopy();
    env.ecs!.alarmSubscriptions = [
      { protocol: "email", endpoint: "oncall@example.com" },
      { protocol: "https", endpoint: "https://events.example.com/sns" },
    ];
    const synth = synthAws("ecs", env);
    expect(synth.list("aws_sns_topic_subscription").map((s) => [s.protocol, s.endpoint, s.topic_arn])).toEqual([
      ["email", "oncall@example.com", synth.ref("aws_sns_topic", "alarms_topic", "arn")],
      ["https", "https://events.example.com/sns", synth.ref("aws_sns_topic", "alarms_topic", "arn")],
    ]);
    const record = synth.stack.node
      .findAll()
      .flatMap((c: any) => c.records ?? [])
      .find((r: any) => r.intent === "notifications");
    expect(record).toMatchObject({ support: "native" });
    expect(record.realization).toContain("it delivers to 1 email and 1 https subscriber(s) of ecs.alarmSubscriptions");
  });

  it("refuses an address that is none and a plain-HTTP endpoint", () => {
    const env = awsCopy();
    env.ecs!.alarmSubscriptions = [
      { protocol: "email", endpoint: "oncall" },
      { protocol: "https", endpoint: "http://events.example.com/sns" },
    ];
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.aws.ecs.alarmSubscriptions[0].endpoint: "oncall" is not an e-mail address',
    );
    expect(problems).toContain(
      'environments.aws.ecs.alarmSubscriptions[1].endpoint: "http://events.example.com/sns" is not an https:// URL (SNS delivers alarms over HTTPS only here)',
    );
  });
});
