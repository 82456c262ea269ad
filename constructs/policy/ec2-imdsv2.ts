import { resourceRule } from "./rule";
import { single } from "./workloads";

export const ec2Imdsv2 = resourceRule({
  id: "ARGO-EC2-IMDSV2",
  explanation: "instances accept only IMDSv2 session tokens, which a forged request through the instance cannot get",
  level: "error",
  scannerIds: ["CKV_AWS_79"],
  resourceType: "aws_launch_template",
  findings(attributes) {
    const tokens = single(attributes.metadata_options)?.http_tokens;
    return tokens === "required" ? [] : [`${attributes.name} allows IMDSv1 (http_tokens ${tokens ?? "unset"})`];
  },
});
