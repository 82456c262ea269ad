/**
 * nomad-lab's resources in model terms: nomad_job (a service: image, count, scaling, checks, update, zones, Fabio
 * routes from its urlprefix- tags, mesh upstreams, host volumes), consul_config_entry service-intentions (who may
 * call whom), nomad_variable (the secret values a job reads), random_password (the model's generated secrets).
 * The one place that knows how constructs/nomad renders the model.
 */
import { digest, randomReadBack, seconds, type Fact, type ReadBack, type ServiceAspect } from "./facts";

const NS = 1e9;

interface NomadService {
  Name?: string;
  Tags?: string[];
  Checks?: { Type?: string; Path?: string; Command?: string; Args?: string[]; Interval?: number; Timeout?: number }[];
  Connect?: { SidecarService?: { Proxy?: { Upstreams?: { DestinationName: string }[] } } };
}
interface NomadGroup {
  Name: string;
  Count?: number;
  Services?: NomadService[];
  Tasks?: { Name: string; Config?: { image?: string }; Services?: NomadService[]; Lifecycle?: unknown }[];
  Update?: Record<string, number | boolean | string>;
  Scaling?: { Enabled?: boolean; Min?: number; Max?: number; Policy?: any };
  Volumes?: Record<string, { Type?: string; Source?: string }>;
  Meta?: Record<string, string>;
}
interface NomadJob {
  ID: string;
  Type?: string;
  TaskGroups?: NomadGroup[];
}

/** The job as the plan shows it: `jobspec` is the JSON Nomad receives (cdktf writes `json = true`). */
function parsedJob(values: Record<string, any>): NomadJob | undefined {
  if (typeof values.jobspec !== "string" || values.json !== true) return undefined;
  const parsed = JSON.parse(values.jobspec);
  return (parsed.Job ?? parsed) as NomadJob;
}

function checkText(check: NonNullable<NomadService["Checks"]>[number]): string {
  const what =
    check.Type === "http" ? `http ${check.Path}` : check.Type === "script" ? `command ${check.Command}` : check.Type;
  return `${what} every ${seconds((check.Interval ?? 0) / NS)}, timeout ${seconds((check.Timeout ?? 0) / NS)}`;
}

function updateText(update: NomadGroup["Update"]): string {
  if (!update) return "none";
  const d = (key: string) => seconds(Number(update[key] ?? 0) / NS);
  return [
    `${update.MaxParallel} at a time`,
    `healthy after ${d("MinHealthyTime")}`,
    `deadline ${d("HealthyDeadline")}`,
    `progress deadline ${Number(update.ProgressDeadline ?? 0) === 0 ? "none (fail fast)" : d("ProgressDeadline")}`,
    update.AutoRevert ? "auto-revert" : "no auto-revert",
    `canaries ${update.Canary ?? 0}${update.Canary ? (update.AutoPromote ? " auto-promoted" : " promoted by hand") : ""}`,
  ].join(", ");
}

function scalingText(scaling: NomadGroup["Scaling"]): string {
  if (!scaling?.Enabled) return "off";
  const target = JSON.stringify(scaling.Policy ?? {}).match(/"target":(\d+(?:\.\d+)?)/)?.[1];
  return `${scaling.Min}–${scaling.Max} instances${target ? `, target CPU ${target}%` : ""}`;
}

/** `urlprefix-/api/add allow=ip:10.0.0.0/8,ip:...`: Fabio's route, admin-only when it has an allow list. */
function routeOf(tag: string, service: string): Fact | undefined {
  const match = /^urlprefix-(\S+)(?:\s+(.*))?$/.exec(tag);
  if (!match) return undefined;
  const allow = /(?:^|\s)allow=(\S+)/.exec(match[2] ?? "")?.[1];
  const cidrs = allow
    ? allow
        .split(",")
        .map((entry) => entry.replace(/^ip:/, ""))
        .sort()
    : [];
  return { kind: "route", path: match[1], service, adminOnly: allow !== undefined, cidrs };
}

function jobFacts(values: Record<string, any>, unknown: Record<string, any> | undefined): Fact[] | undefined {
  if (unknown?.jobspec === true) return undefined;
  const job = parsedJob(values);
  if (!job) return undefined;
  const service = job.ID;
  const facts: Fact[] = [{ kind: "service", service, aspect: "exists", value: job.Type ?? "service" }];
  // Counts as Nomad reports them (task_groups, refreshed from the cluster) win over the submitted jobspec's.
  const reported = new Map<string, number>(
    ((values.task_groups ?? []) as { name: string; count: number }[]).map((g) => [g.name, g.count]),
  );
  for (const group of job.TaskGroups ?? []) {
    const services = [...(group.Services ?? []), ...(group.Tasks ?? []).flatMap((t) => t.Services ?? [])];
    const main = (group.Tasks ?? []).find((t) => t.Name === service) ?? (group.Tasks ?? [])[0];
    const suffix = (job.TaskGroups ?? []).length > 1 ? ` (${group.Name})` : "";
    const add = (aspect: ServiceAspect, value: string) =>
      facts.push({ kind: "service", service, aspect, value: `${value}${suffix}` });
    if (main?.Config?.image) add("image", main.Config.image);
    add("replicas", job.Type === "system" ? "one per node" : String(reported.get(group.Name) ?? group.Count ?? 1));
    add("autoscaling", scalingText(group.Scaling));
    const checks = services.flatMap((s) => s.Checks ?? []).map(checkText);
    add("health", checks.length ? checks.join("; ") : "none");
    if (job.Type !== "system") add("update", updateText(group.Update));
    if (group.Meta?.zones) add("zones", group.Meta.zones.split(",").sort().join(", "));
    for (const s of services) {
      for (const tag of s.Tags ?? []) {
        const route = routeOf(tag, service);
        if (route) facts.push(route);
      }
      for (const upstream of s.Connect?.SidecarService?.Proxy?.Upstreams ?? [])
        facts.push({ kind: "edge", from: service, to: upstream.DestinationName, via: "mesh upstream" });
    }
    for (const volume of Object.values(group.Volumes ?? {}))
      if (volume.Type === "host" && volume.Source)
        facts.push({
          kind: "data",
          name: volume.Source,
          service,
          where: `Nomad host volume ${volume.Source}`,
          survivesResource: true,
        });
  }
  return facts;
}

function intentionFacts(values: Record<string, any>): Fact[] | undefined {
  if (values.kind !== "service-intentions" || typeof values.config_json !== "string") return undefined;
  const config = JSON.parse(values.config_json) as { Sources?: { Name: string; Action?: string }[] };
  const facts: Fact[] = [];
  for (const source of config.Sources ?? []) {
    if (source.Action === "allow")
      facts.push({ kind: "edge", from: source.Name, to: String(values.name), via: "Consul intention" });
    if (source.Action === "deny" && source.Name === "*" && values.name === "*")
      facts.push({ kind: "protection", what: "mesh denies every pair not allowed (Consul intention * → *)", on: true });
  }
  return facts;
}

export const nomadReadBack: ReadBack = (resource, context) => {
  const { type, values, unknown } = resource;
  if (type === "nomad_job") return jobFacts(values, unknown);
  if (type === "consul_config_entry") return intentionFacts(values);
  if (type === "nomad_variable") {
    // nomad/jobs/<job>: the secret values that job's tasks read (a digest, to see a new value, never the value).
    const service = /^nomad\/jobs\/([^/]+)$/.exec(String(values.path))?.[1];
    if (!service) return undefined;
    const value = unknown?.items === true ? "(known after apply)" : digest(values.items);
    return [{ kind: "service", service, aspect: "secret values", value }];
  }
  return randomReadBack(resource, context);
};

/** For tests: the job facts of a jobspec, through the same path a plan takes. */
export const nomadJobFacts = (values: Record<string, any>) => jobFacts(values, undefined) ?? [];
