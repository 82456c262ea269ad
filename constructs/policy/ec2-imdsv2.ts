import { resourceRule } from "./rule";
import { single } from "./workloads";

export const ec2Imdsv2 = resourceRule({
  id: "ARGO-EC2-IMDSV2",
  explanation:
    "instances accept only IMDSv2 session tokens, with a hop limit of 1 so containers cannot borrow the instance's role",
  level: "error",
  scannerIds: ["CKV_AWS_79", "CKV_AWS_341"],
  resourceType: "aws_launch_template",
  findings(attributes) {
    const options = single(attributes.metadata_options) ?? {};
    const out: string[] = [];
    if (options.http_tokens !== "required")
      out.push(`${attributes.name} allows IMDSv1 (http_tokens ${options.http_tokens ?? "unset"})`);
    if (options.http_put_response_hop_limit !== 1)
      out.push(`${attributes.name} has metadata hop limit ${options.http_put_response_hop_limit ?? "unset"}, not 1`);
    return out;
  },
});
