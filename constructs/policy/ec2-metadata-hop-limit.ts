import { resourceRule } from "./rule";
import { single } from "./workloads";

export const ec2MetadataHopLimit = resourceRule({
  id: "ARGO-EC2-METADATA-HOP-LIMIT",
  explanation: "the instance metadata hop limit is 1, so containers cannot borrow the instance's role",
  level: "error",
  scannerIds: ["CKV_AWS_341"],
  resourceType: "aws_launch_template",
  findings(attributes) {
    const limit = single(attributes.metadata_options)?.http_put_response_hop_limit;
    return limit === 1 ? [] : [`${attributes.name} has metadata hop limit ${limit ?? "unset"}, not 1`];
  },
});
