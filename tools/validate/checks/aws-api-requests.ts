/**
 * Each synthesized AWS resource of the kinds below as the API request the aws provider sends to create it
 * (RegisterTaskDefinition, CreateRule, PutRolePolicy, ...), with every Terraform reference rendered as a value
 * of its kind, and the policy documents it carries. The mapping of an attribute to the API's member is the
 * provider's (its `expand*` functions); an attribute a mapping does not know is reported, never dropped.
 */
import type { ResourceOf } from "../stacks";
import { jsonStringQuote, renderTerraformTemplate } from "../terraform-render";
import type { PolicyKind, PolicyLimits } from "./iam-policy-grammar";

export interface ApiRequest {
  /** botocore's service name and operation, e.g. `ecs`, `RegisterTaskDefinition`. */
  readonly service: string;
  readonly operation: string;
  readonly params: Record<string, unknown>;
}

export interface PolicyDocument {
  /** The request member or attribute that carries it. */
  readonly field: string;
  readonly kind: PolicyKind;
  readonly text: string;
  readonly limits?: PolicyLimits;
}

export interface MappedResource {
  readonly requests: ApiRequest[];
  readonly policies: PolicyDocument[];
  /** Attributes the mapping does not know: the request would miss them. */
  readonly unmapped: string[];
  /** Why a part could not be checked here (a document fetched at deploy time). */
  readonly notChecked: string[];
}

/** Values of the AWS data sources every stack reads, of the right form (an account id is 12 digits). */
const AWS_DATA_VALUES: readonly [RegExp, string][] = [
  [/\$\{data\.aws_caller_identity\.[A-Za-z0-9_-]+\.account_id\}/g, "123456789012"],
  [/\$\{data\.aws_partition\.[A-Za-z0-9_-]+\.partition\}/g, "aws"],
  [/\$\{data\.aws_partition\.[A-Za-z0-9_-]+\.dns_suffix\}/g, "amazonaws.com"],
  [/\$\{data\.aws_region\.[A-Za-z0-9_-]+\.(region|name)\}/g, "eu-west-1"],
];

function withAwsData(text: string): string {
  return AWS_DATA_VALUES.reduce((t, [pattern, value]) => t.replace(pattern, value), text);
}

/** A Terraform string as the provider receives it. */
export function renderValue(text: string): string {
  return renderTerraformTemplate(withAwsData(text));
}

/** A JSON document held in a Terraform string (container definitions, policies), rendered and parsed. */
export function renderJson(text: string): unknown {
  return JSON.parse(renderTerraformTemplate(withAwsData(text), { quote: jsonStringQuote }));
}

/** Every string in `value` rendered; numbers and booleans kept. */
function rendered(value: unknown): unknown {
  if (typeof value === "string") return renderValue(value);
  if (Array.isArray(value)) return value.map(rendered);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rendered(v)]));
  return value;
}

/** Attributes Terraform itself reads, which are no part of any request. */
const META = new Set(["//", "depends_on", "lifecycle", "provider", "count", "for_each", "tags_all"]);

/** Reads a resource's attributes, remembering which were used. */
class Attributes {
  private readonly used = new Set<string>();
  constructor(private readonly body: Record<string, unknown>) {}
  /** The rendered value, or undefined. */
  get(key: string): any {
    this.used.add(key);
    return this.body[key] === undefined ? undefined : rendered(this.body[key]);
  }
  raw(key: string): unknown {
    this.used.add(key);
    return this.body[key];
  }
  /** Attributes only the provider acts on (it makes another call, or keeps them in state). */
  providerOnly(...keys: string[]): void {
    keys.forEach((k) => this.used.add(k));
  }
  unmapped(): string[] {
    return Object.keys(this.body).filter((k) => !META.has(k) && !this.used.has(k));
  }
}

/** The name the provider sends: the given one, or one it generates from the prefix (or "terraform-"). */
function nameOf(a: Attributes): string {
  const given = a.get("name");
  if (given !== undefined) return given;
  const prefix = a.get("name_prefix");
  return `${prefix ?? "terraform-"}20260101000000000000000001`;
}

/** Drops undefined members, as the provider omits unset attributes. */
function defined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

const single = (v: unknown): any => (Array.isArray(v) ? v[0] : v);
const list = (v: unknown): any[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
/** The provider's tri-state booleans (`"true"`, `"false"`, unset) as the API's boolean. */
const bool = (v: unknown): boolean | undefined =>
  v === undefined || v === "" ? undefined : v === true || v === "true";
const tagList = (tags: Record<string, string> | undefined, key = "Key", value = "Value") =>
  tags ? Object.entries(tags).map(([k, v]) => ({ [key]: k, [value]: v })) : undefined;

/** Unknown members of a nested block, reported like unknown attributes. */
function known(block: Record<string, unknown> | undefined, keys: readonly string[], at: string, into: string[]): void {
  for (const k of Object.keys(block ?? {})) if (!keys.includes(k)) into.push(`${at}.${k}`);
}

const IAM_TRUST: PolicyLimits = {
  maxCharacters: 2048,
  ignoresWhitespace: true,
  quota: "IAM's role trust policy length quota (2048 by default)",
};
const IAM_INLINE: PolicyLimits = {
  maxCharacters: 10240,
  ignoresWhitespace: true,
  quota: "IAM's inline role policy size quota (10240, all of a role's inline policies together)",
};
const IAM_MANAGED: PolicyLimits = {
  maxCharacters: 6144,
  ignoresWhitespace: true,
  quota: "IAM's managed policy size quota (6144)",
};
const KMS_KEY: PolicyLimits = {
  maxCharacters: 32768,
  ignoresWhitespace: false,
  quota: "KMS's key policy size (32 KB)",
};
const S3_BUCKET: PolicyLimits = {
  maxCharacters: 20480,
  ignoresWhitespace: false,
  quota: "S3's bucket policy size (20 KB)",
};
const EFS_FILE_SYSTEM: PolicyLimits = {
  maxCharacters: 20000,
  ignoresWhitespace: false,
  quota: "EFS's file system policy size (20000 characters)",
};
const VPC_ENDPOINT: PolicyLimits = {
  maxCharacters: 20480,
  ignoresWhitespace: true,
  quota: "the VPC endpoint policy size (20480 characters)",
};

type Mapper = (a: Attributes, r: ResourceOf, out: MappedResource) => void;

function policy(out: MappedResource, field: string, kind: PolicyKind, text: unknown, limits?: PolicyLimits): void {
  if (typeof text !== "string") return;
  out.policies.push({ field, kind, text, limits });
}

/** The provider's listener actions (expandLbListenerActions) as ELBv2's Action shape. */
function actions(blocks: unknown, at: string, unmapped: string[]): unknown[] | undefined {
  return list(blocks)?.map((b: any, i: number) => {
    const where = `${at}[${i}]`;
    known(b, ["type", "order", "target_group_arn", "forward", "redirect", "fixed_response"], where, unmapped);
    const redirect = single(b.redirect);
    const fixed = single(b.fixed_response);
    const forward = single(b.forward);
    known(redirect, ["host", "path", "port", "protocol", "query", "status_code"], `${where}.redirect`, unmapped);
    known(fixed, ["content_type", "message_body", "status_code"], `${where}.fixed_response`, unmapped);
    known(forward, ["target_group", "stickiness"], `${where}.forward`, unmapped);
    return defined({
      Type: b.type,
      Order: b.order,
      TargetGroupArn: b.target_group_arn,
      RedirectConfig: redirect
        ? defined({
            Host: redirect.host,
            Path: redirect.path,
            Port: redirect.port,
            Protocol: redirect.protocol,
            Query: redirect.query,
            StatusCode: redirect.status_code,
          })
        : undefined,
      FixedResponseConfig: fixed
        ? defined({ ContentType: fixed.content_type, MessageBody: fixed.message_body, StatusCode: fixed.status_code })
        : undefined,
      ForwardConfig: forward
        ? defined({
            TargetGroups: list(forward.target_group)?.map((g: any) =>
              defined({ TargetGroupArn: g.arn, Weight: g.weight }),
            ),
            TargetGroupStickinessConfig: single(forward.stickiness)
              ? defined({
                  Enabled: single(forward.stickiness).enabled,
                  DurationSeconds: single(forward.stickiness).duration,
                })
              : undefined,
          })
        : undefined,
    });
  });
}

/** The provider's rule conditions (expandLbListenerRuleConditions): one field per condition block. */
const CONDITIONS: Readonly<Record<string, (c: any) => Record<string, unknown>>> = {
  path_pattern: (c) => ({ Field: "path-pattern", PathPatternConfig: { Values: c.values } }),
  host_header: (c) => ({ Field: "host-header", HostHeaderConfig: { Values: c.values } }),
  source_ip: (c) => ({ Field: "source-ip", SourceIpConfig: { Values: c.values } }),
  http_request_method: (c) => ({ Field: "http-request-method", HttpRequestMethodConfig: { Values: c.values } }),
  http_header: (c) => ({
    Field: "http-header",
    HttpHeaderConfig: { HttpHeaderName: c.http_header_name, Values: c.values },
  }),
  query_string: (c) => ({
    Field: "query-string",
    QueryStringConfig: { Values: list(c)!.map((q: any) => defined({ Key: q.key, Value: q.value })) },
  }),
};

export const MAPPERS: Readonly<Record<string, Mapper>> = {
  aws_ecs_task_definition(a, _r, out) {
    const volumes = list(a.get("volume"))?.map((v: any, i: number) => {
      known(v, ["name", "efs_volume_configuration", "host_path"], `volume[${i}]`, out.unmapped);
      const efs = single(v.efs_volume_configuration);
      const auth = efs && single(efs.authorization_config);
      return defined({
        name: v.name,
        host: v.host_path ? { sourcePath: v.host_path } : undefined,
        efsVolumeConfiguration: efs
          ? defined({
              fileSystemId: efs.file_system_id,
              rootDirectory: efs.root_directory,
              transitEncryption: efs.transit_encryption,
              transitEncryptionPort: efs.transit_encryption_port,
              authorizationConfig: auth ? defined({ accessPointId: auth.access_point_id, iam: auth.iam }) : undefined,
            })
          : undefined,
      });
    });
    const platform = single(a.get("runtime_platform"));
    const storage = single(a.get("ephemeral_storage"));
    out.requests.push({
      service: "ecs",
      operation: "RegisterTaskDefinition",
      params: defined({
        family: a.get("family"),
        taskRoleArn: a.get("task_role_arn"),
        executionRoleArn: a.get("execution_role_arn"),
        networkMode: a.get("network_mode"),
        containerDefinitions: renderJson(String(a.raw("container_definitions"))),
        volumes,
        requiresCompatibilities: a.get("requires_compatibilities"),
        cpu: a.get("cpu"),
        memory: a.get("memory"),
        pidMode: a.get("pid_mode"),
        ipcMode: a.get("ipc_mode"),
        tags: tagList(a.get("tags"), "key", "value"),
        ephemeralStorage: storage ? { sizeInGiB: storage.size_in_gib } : undefined,
        runtimePlatform: platform
          ? defined({
              cpuArchitecture: platform.cpu_architecture,
              operatingSystemFamily: platform.operating_system_family,
            })
          : undefined,
      }),
    });
    a.providerOnly("skip_destroy", "track_latest");
  },

  aws_iam_role(a, _r, out) {
    const document = a.get("assume_role_policy");
    out.requests.push({
      service: "iam",
      operation: "CreateRole",
      params: defined({
        RoleName: nameOf(a),
        Path: a.get("path"),
        Description: a.get("description"),
        AssumeRolePolicyDocument: document,
        MaxSessionDuration: a.get("max_session_duration"),
        PermissionsBoundary: a.get("permissions_boundary"),
        Tags: tagList(a.get("tags")),
      }),
    });
    policy(out, "AssumeRolePolicyDocument", "trust", document, IAM_TRUST);
    a.providerOnly("force_detach_policies");
  },

  aws_iam_role_policy(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "iam",
      operation: "PutRolePolicy",
      params: defined({ RoleName: a.get("role"), PolicyName: nameOf(a), PolicyDocument: document }),
    });
    policy(out, "PolicyDocument", "identity", document, IAM_INLINE);
  },

  aws_iam_policy(a, r, out) {
    const raw = String(r.body.policy ?? "");
    // A document fetched at deploy time (data.http) has no value before the apply.
    const fetched = /^\$\{data\.http\.[^}]+\.response_body\}$/.test(raw);
    const document = fetched ? "{}" : a.get("policy");
    if (fetched) {
      a.raw("policy");
      out.notChecked.push(`PolicyDocument is ${raw}, downloaded at deploy time: only its request is checked`);
    }
    out.requests.push({
      service: "iam",
      operation: "CreatePolicy",
      params: defined({
        PolicyName: nameOf(a),
        Path: a.get("path"),
        Description: a.get("description"),
        PolicyDocument: document,
        Tags: tagList(a.get("tags")),
      }),
    });
    if (!fetched) policy(out, "PolicyDocument", "identity", document, IAM_MANAGED);
  },

  aws_kms_key(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "kms",
      operation: "CreateKey",
      params: defined({
        Policy: document,
        Description: a.get("description"),
        KeyUsage: a.get("key_usage"),
        KeySpec: a.get("customer_master_key_spec"),
        MultiRegion: a.get("multi_region"),
        BypassPolicyLockoutSafetyCheck: a.get("bypass_policy_lockout_safety_check"),
        Tags: tagList(a.get("tags"), "TagKey", "TagValue"),
      }),
    });
    const rotation = a.get("enable_key_rotation");
    if (rotation)
      out.requests.push({
        service: "kms",
        operation: "EnableKeyRotation",
        params: defined({
          KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
          RotationPeriodInDays: a.get("rotation_period_in_days"),
        }),
      });
    const window = a.get("deletion_window_in_days");
    if (window !== undefined)
      out.requests.push({
        service: "kms",
        operation: "ScheduleKeyDeletion",
        params: { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", PendingWindowInDays: window },
      });
    policy(out, "Policy", "resource", document, KMS_KEY);
  },

  aws_s3_bucket_policy(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "s3",
      operation: "PutBucketPolicy",
      params: defined({ Bucket: a.get("bucket"), Policy: document }),
    });
    policy(out, "Policy", "resource", document, S3_BUCKET);
  },

  aws_efs_file_system_policy(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "efs",
      operation: "PutFileSystemPolicy",
      params: defined({
        FileSystemId: a.get("file_system_id"),
        Policy: document,
        BypassPolicyLockoutSafetyCheck: a.get("bypass_policy_lockout_safety_check"),
      }),
    });
    policy(out, "Policy", "resource", document, EFS_FILE_SYSTEM);
  },

  aws_sns_topic(a, _r, out) {
    const document = a.get("policy");
    const attributes = defined({
      KmsMasterKeyId: a.get("kms_master_key_id"),
      Policy: document,
      DisplayName: a.get("display_name"),
      DeliveryPolicy: a.get("delivery_policy"),
      FifoTopic: a.get("fifo_topic") === undefined ? undefined : String(a.get("fifo_topic")),
    });
    out.requests.push({
      service: "sns",
      operation: "CreateTopic",
      params: defined({
        Name: nameOf(a),
        Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        Tags: tagList(a.get("tags")),
      }),
    });
    policy(out, "Attributes.Policy", "resource", document);
  },

  aws_sns_topic_subscription(a, _r, out) {
    out.requests.push({
      service: "sns",
      operation: "Subscribe",
      params: defined({
        TopicArn: a.get("topic_arn"),
        Protocol: a.get("protocol"),
        Endpoint: a.get("endpoint"),
        ReturnSubscriptionArn: true,
      }),
    });
    a.providerOnly("confirmation_timeout_in_minutes", "endpoint_auto_confirms");
  },

  aws_secretsmanager_secret(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "secretsmanager",
      operation: "CreateSecret",
      params: defined({
        Name: nameOf(a),
        Description: a.get("description"),
        KmsKeyId: a.get("kms_key_id"),
        Tags: tagList(a.get("tags")),
      }),
    });
    if (document) {
      out.requests.push({
        service: "secretsmanager",
        operation: "PutResourcePolicy",
        params: { SecretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", ResourcePolicy: document },
      });
      policy(out, "ResourcePolicy", "resource", document, {
        maxCharacters: 20480,
        ignoresWhitespace: false,
        quota: "Secrets Manager's resource policy size (20480 characters)",
      });
    }
    // Used only when the secret is deleted (DeleteSecret's RecoveryWindowInDays).
    const window = a.get("recovery_window_in_days");
    if (window !== undefined && window !== 0)
      out.requests.push({
        service: "secretsmanager",
        operation: "DeleteSecret",
        params: { SecretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", RecoveryWindowInDays: window },
      });
  },

  aws_vpc_endpoint(a, _r, out) {
    const document = a.get("policy");
    out.requests.push({
      service: "ec2",
      operation: "CreateVpcEndpoint",
      params: defined({
        VpcEndpointType: a.get("vpc_endpoint_type"),
        VpcId: a.get("vpc_id"),
        ServiceName: a.get("service_name"),
        PolicyDocument: document,
        RouteTableIds: a.get("route_table_ids"),
        SubnetIds: a.get("subnet_ids"),
        SecurityGroupIds: a.get("security_group_ids"),
        PrivateDnsEnabled: a.get("private_dns_enabled"),
        TagSpecifications: a.get("tags") ? [{ ResourceType: "vpc-endpoint", Tags: tagList(a.get("tags")) }] : undefined,
      }),
    });
    policy(out, "PolicyDocument", "resource", document, VPC_ENDPOINT);
  },

  aws_lb_listener(a, _r, out) {
    out.requests.push({
      service: "elbv2",
      operation: "CreateListener",
      params: defined({
        LoadBalancerArn: a.get("load_balancer_arn"),
        Protocol: a.get("protocol"),
        Port: a.get("port"),
        SslPolicy: a.get("ssl_policy"),
        Certificates: a.get("certificate_arn") ? [{ CertificateArn: a.get("certificate_arn") }] : undefined,
        DefaultActions: actions(a.get("default_action"), "default_action", out.unmapped),
        AlpnPolicy: a.get("alpn_policy") ? [a.get("alpn_policy")] : undefined,
        Tags: tagList(a.get("tags")),
      }),
    });
  },

  aws_lb_listener_rule(a, _r, out) {
    const conditions = list(a.get("condition"))?.map((c: any, i: number) => {
      const fields = Object.keys(c);
      if (fields.length !== 1 || !CONDITIONS[fields[0]]) {
        out.unmapped.push(
          `condition[${i}] (${fields.join(", ")}): expected exactly one of ${Object.keys(CONDITIONS).join(", ")}`,
        );
        return {};
      }
      return CONDITIONS[fields[0]](single(c[fields[0]]));
    });
    out.requests.push({
      service: "elbv2",
      operation: "CreateRule",
      params: defined({
        ListenerArn: a.get("listener_arn"),
        Conditions: conditions,
        Priority: a.get("priority"),
        Actions: actions(a.get("action"), "action", out.unmapped),
        Tags: tagList(a.get("tags")),
      }),
    });
  },

  aws_eks_node_group(a, _r, out) {
    const scaling = single(a.get("scaling_config"));
    const update = single(a.get("update_config"));
    const template = single(a.get("launch_template"));
    const remote = single(a.get("remote_access"));
    out.requests.push({
      service: "eks",
      operation: "CreateNodegroup",
      params: defined({
        clusterName: a.get("cluster_name"),
        nodegroupName: a.get("node_group_name"),
        scalingConfig: scaling
          ? defined({ minSize: scaling.min_size, maxSize: scaling.max_size, desiredSize: scaling.desired_size })
          : undefined,
        diskSize: a.get("disk_size"),
        subnets: a.get("subnet_ids"),
        instanceTypes: a.get("instance_types"),
        amiType: a.get("ami_type"),
        remoteAccess: remote
          ? defined({ ec2SshKey: remote.ec2_ssh_key, sourceSecurityGroups: remote.source_security_group_ids })
          : undefined,
        nodeRole: a.get("node_role_arn"),
        labels: a.get("labels"),
        taints: list(a.get("taint"))?.map((t: any) => defined({ key: t.key, value: t.value, effect: t.effect })),
        tags: a.get("tags"),
        launchTemplate: template
          ? defined({ id: template.id, name: template.name, version: template.version })
          : undefined,
        updateConfig: update
          ? defined({
              maxUnavailable: update.max_unavailable,
              maxUnavailablePercentage: update.max_unavailable_percentage,
            })
          : undefined,
        capacityType: a.get("capacity_type"),
        releaseVersion: a.get("release_version"),
        version: a.get("version"),
      }),
    });
    a.providerOnly("force_update_version");
  },

  aws_launch_template(a, _r, out) {
    const metadata = single(a.get("metadata_options"));
    const monitoring = single(a.get("monitoring"));
    const data = defined({
      BlockDeviceMappings: list(a.get("block_device_mappings"))?.map((m: any, i: number) => {
        known(m, ["device_name", "ebs", "no_device", "virtual_name"], `block_device_mappings[${i}]`, out.unmapped);
        const ebs = single(m.ebs);
        return defined({
          DeviceName: m.device_name,
          VirtualName: m.virtual_name,
          NoDevice: m.no_device,
          Ebs: ebs
            ? defined({
                DeleteOnTermination: bool(ebs.delete_on_termination),
                Encrypted: bool(ebs.encrypted),
                Iops: ebs.iops,
                KmsKeyId: ebs.kms_key_id,
                SnapshotId: ebs.snapshot_id,
                Throughput: ebs.throughput,
                VolumeSize: ebs.volume_size,
                VolumeType: ebs.volume_type,
              })
            : undefined,
        });
      }),
      ImageId: a.get("image_id"),
      InstanceType: a.get("instance_type"),
      KeyName: a.get("key_name"),
      UserData: a.get("user_data"),
      SecurityGroupIds: a.get("vpc_security_group_ids"),
      Monitoring: monitoring ? { Enabled: monitoring.enabled } : undefined,
      MetadataOptions: metadata
        ? defined({
            HttpEndpoint: metadata.http_endpoint,
            HttpTokens: metadata.http_tokens,
            HttpPutResponseHopLimit: metadata.http_put_response_hop_limit,
            HttpProtocolIpv6: metadata.http_protocol_ipv6,
            InstanceMetadataTags: metadata.instance_metadata_tags,
          })
        : undefined,
      TagSpecifications: list(a.get("tag_specifications"))?.map((t: any) =>
        defined({ ResourceType: t.resource_type, Tags: tagList(t.tags) }),
      ),
    });
    out.requests.push({
      service: "ec2",
      operation: "CreateLaunchTemplate",
      params: defined({
        LaunchTemplateName: nameOf(a),
        VersionDescription: a.get("description"),
        LaunchTemplateData: data,
        TagSpecifications: a.get("tags")
          ? [{ ResourceType: "launch-template", Tags: tagList(a.get("tags")) }]
          : undefined,
      }),
    });
    // The provider makes the new version the default with ModifyLaunchTemplate.
    a.providerOnly("update_default_version");
  },
};

/** The request(s) and policy documents of one resource, or undefined for a type no mapping covers. */
export function mapResource(r: ResourceOf): MappedResource | undefined {
  const mapper = MAPPERS[r.type];
  if (!mapper) return undefined;
  const out: MappedResource = { requests: [], policies: [], unmapped: [], notChecked: [] };
  const attributes = new Attributes(r.body);
  mapper(attributes, r, out);
  out.unmapped.unshift(...attributes.unmapped());
  return out;
}
