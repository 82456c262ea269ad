/**
 * The field names of Nomad's job API structs (hashicorp/nomad `api` package) and the kind of value each holds,
 * for the parts of a job we generate. A field outside this list would be silently ignored by Nomad's JSON
 * decoder, so a misspelt field is a bug the test must catch.
 */
type Kind = "string" | "int" | "bool" | "strings" | "map" | "any" | Shape | [Shape];
interface Shape {
  readonly [field: string]: Kind;
}

const PORT: Shape = { Label: "string", Value: "int", To: "int", HostNetwork: "string", IgnoreCollision: "bool" };
const CONSTRAINT: Shape = { LTarget: "string", RTarget: "string", Operand: "string" };
const CHECK: Shape = {
  Name: "string",
  Type: "string",
  Command: "string",
  Args: "strings",
  Path: "string",
  Protocol: "string",
  PortLabel: "string",
  Expose: "bool",
  AddressMode: "string",
  Advertise: "string",
  Interval: "int",
  Timeout: "int",
  InitialStatus: "string",
  TLSServerName: "string",
  TLSSkipVerify: "bool",
  Header: "map",
  Method: "string",
  TaskName: "string",
  GRPCService: "string",
  GRPCUseTLS: "bool",
  SuccessBeforePassing: "int",
  FailuresBeforeCritical: "int",
  FailuresBeforeWarning: "int",
  Body: "string",
  OnUpdate: "string",
};
const UPSTREAM: Shape = {
  DestinationName: "string",
  DestinationNamespace: "string",
  DestinationPeer: "string",
  DestinationType: "string",
  LocalBindPort: "int",
  Datacenter: "string",
  LocalBindAddress: "string",
  MeshGateway: "any",
  Config: "map",
};
const EXPOSE_PATH: Shape = { Path: "string", Protocol: "string", LocalPathPort: "int", ListenerPort: "string" };
const PROXY: Shape = {
  LocalServiceAddress: "string",
  LocalServicePort: "int",
  Expose: { Paths: [EXPOSE_PATH] },
  Upstreams: [UPSTREAM],
  TransparentProxy: "any",
  Config: "map",
};
const SERVICE: Shape = {
  Name: "string",
  Tags: "strings",
  CanaryTags: "strings",
  EnableTagOverride: "bool",
  PortLabel: "string",
  AddressMode: "string",
  Address: "string",
  Checks: [CHECK],
  Connect: {
    Native: "bool",
    SidecarService: { Tags: "strings", Port: "string", Proxy: PROXY, DisableDefaultTCPCheck: "bool", Meta: "map" },
    SidecarTask: "any",
    Gateway: "any",
  },
  Meta: "map",
  CanaryMeta: "map",
  TaskName: "string",
  OnUpdate: "string",
  Provider: "string",
  Cluster: "string",
};
const TEMPLATE: Shape = {
  SourcePath: "string",
  DestPath: "string",
  EmbeddedTmpl: "string",
  ChangeMode: "string",
  ChangeSignal: "string",
  Splay: "int",
  Perms: "string",
  Uid: "int",
  Gid: "int",
  LeftDelim: "string",
  RightDelim: "string",
  Envvars: "bool",
  ErrMissingKey: "bool",
  Once: "bool",
};
const TASK: Shape = {
  Name: "string",
  Driver: "string",
  User: "string",
  Config: "map",
  Constraints: [CONSTRAINT],
  Env: "map",
  Services: [SERVICE],
  Resources: { CPU: "int", Cores: "int", MemoryMB: "int", MemoryMaxMB: "int", DiskMB: "int" },
  RestartPolicy: "any",
  Meta: "map",
  KillTimeout: "int",
  Lifecycle: { Hook: "string", Sidecar: "bool" },
  LogConfig: "any",
  Templates: [TEMPLATE],
  VolumeMounts: [{ Volume: "string", Destination: "string", ReadOnly: "bool", PropagationMode: "string" }],
  Leader: "bool",
  ShutdownDelay: "int",
  KillSignal: "string",
  Kind: "string",
  Identity: "any",
  Consul: { Namespace: "string", Cluster: "string", Partition: "string" },
};
const GROUP: Shape = {
  Name: "string",
  Count: "int",
  Constraints: [CONSTRAINT],
  Tasks: [TASK],
  Volumes: "map",
  RestartPolicy: { Interval: "int", Attempts: "int", Delay: "int", Mode: "string", RenderTemplates: "bool" },
  ReschedulePolicy: {
    Attempts: "int",
    Interval: "int",
    Delay: "int",
    DelayFunction: "string",
    MaxDelay: "int",
    Unlimited: "bool",
  },
  EphemeralDisk: "any",
  Migrate: "any",
  Meta: "map",
  Services: [SERVICE],
  ShutdownDelay: "int",
  Networks: [
    {
      Mode: "string",
      Device: "string",
      CIDR: "string",
      IP: "string",
      DNS: "any",
      ReservedPorts: [PORT],
      DynamicPorts: [PORT],
      Hostname: "string",
      MBits: "int",
    },
  ],
  Update: {
    Stagger: "int",
    MaxParallel: "int",
    HealthCheck: "string",
    MinHealthyTime: "int",
    HealthyDeadline: "int",
    ProgressDeadline: "int",
    Canary: "int",
    AutoRevert: "bool",
    AutoPromote: "bool",
  },
  Scaling: { Min: "int", Max: "int", Enabled: "bool", Type: "string", Policy: "map" },
};
export const JOB_FILE: Shape = {
  Job: {
    Region: "string",
    Namespace: "string",
    ID: "string",
    Name: "string",
    Type: "string",
    Priority: "int",
    AllAtOnce: "bool",
    Datacenters: "strings",
    NodePool: "string",
    Constraints: [CONSTRAINT],
    TaskGroups: [GROUP],
    Update: "any",
    Meta: "map",
  },
};

/** Every place `value` departs from `shape`: unknown fields and values of the wrong kind. */
export function shapeErrors(value: unknown, shape: Kind, path = ""): string[] {
  if (shape === "any") return [];
  if (shape === "string") return typeof value === "string" ? [] : [`${path}: expected a string`];
  if (shape === "int") return Number.isInteger(value) ? [] : [`${path}: expected an integer`];
  if (shape === "bool") return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
  if (shape === "strings")
    return Array.isArray(value) && value.every((v) => typeof v === "string")
      ? []
      : [`${path}: expected a list of strings`];
  if (shape === "map")
    return value && typeof value === "object" && !Array.isArray(value) ? [] : [`${path}: expected an object`];
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => shapeErrors(item, shape[0], `${path}[${i}]`));
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object`];
  return Object.entries(value).flatMap(([key, child]) =>
    key in shape
      ? shapeErrors(child, shape[key], path ? `${path}.${key}` : key)
      : [`${path ? `${path}.` : ""}${key}: not a field of Nomad's API`],
  );
}
