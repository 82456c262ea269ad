import { Config } from "@cdktf/provider-docker/lib/config";
import { Network } from "@cdktf/provider-docker/lib/network";
import { Secret } from "@cdktf/provider-docker/lib/secret";
import { Service } from "@cdktf/provider-docker/lib/service";
import * as fs from "fs";
import * as path from "path";
import type { SwarmTarget } from "./target";
import { CapabilityReport, inTransitRecords, type CapabilityRecord, type TransitRealization } from "../capabilities";
import { addCustomSynthesis, Construct, Fn, TerraformLocal, TerraformStack, type ISynthesisSession } from "../cdktf";
import { describeWanted, startOrder, updatePolicyOf, type Application, type ServiceSpec } from "../model";
import { describeProbe } from "../docker-healthcheck";
import { volumeLabel } from "../node-labels";
import { healthCheckRequired, suppressRule } from "../policy";
import { ApplicationSecrets } from "../secrets/application-secrets";
import { alertRulesFor, observabilityRecords } from "../observability";
import {
  planSwarmDeployment,
  SWARM_SERVICE_LABEL,
  TRAEFIK_IMAGE,
  swarmDuration as duration,
  swarmObservability,
  type SwarmDeployment,
  type SwarmSecret,
  type SwarmService,
  type SwarmUpdate,
} from "./deployment";
import { renderStackFile, STACK_FILE } from "./stack-file";
import { DOCKER_API_PROXY_SERVICE, TRAEFIK_DOCKER_API, dockerApiVolume } from "../docker-api-proxy";

export interface SwarmApplicationProps {
  readonly app: Application;
  readonly target: SwarmTarget;
  readonly adminCidrs: readonly string[];
}

const PLATFORM = "swarm";
/** Hex digits of the value's SHA-256 in a Terraform-created secret's name. */
export const SECRET_NAME_HASH_LENGTH = 12;

/**
 * A Terraform-created secret's name: the deployment's name and the start of the value's SHA-256, computed by
 * Terraform at apply time. Swarm secrets are immutable and one in use cannot be removed, so a new value (a
 * replaced random_password, a new TF_VAR_ value) must be a new secret: with this name and create_before_destroy,
 * one apply creates it, moves the services to it (a rolling update) and then removes the old one. The hash
 * prefix of a generated or supplied credential reveals nothing usable about it, so it is shown in plans.
 */
export function terraformSecretName(secret: SwarmSecret, value: string = secret.value): string {
  return `${secret.name}_${Fn.nonsensitive(Fn.substr(Fn.sha256(value), 0, SECRET_NAME_HASH_LENGTH))}`;
}

/**
 * An application on Docker Swarm: one encrypted, non-attachable overlay network per zone, Swarm secrets and
 * configs, one service per model service (global for per-node services), Traefik as the only published port.
 * The same deployment is also written as a stack file next to the synthesized stack.
 */
export class SwarmApplication extends Construct {
  readonly deployment: SwarmDeployment;
  readonly services = new Map<string, Service>();
  readonly networks = new Map<string, Network>();
  readonly secrets = new Map<string, Secret>();

  constructor(scope: Construct, id: string, props: SwarmApplicationProps) {
    super(scope, id);
    const appSecrets = new ApplicationSecrets(this, "secrets", props.app);
    this.deployment = planSwarmDeployment({
      app: props.app,
      target: props.target,
      adminCidrs: props.adminCidrs,
      secretValue: (n) => appSecrets.valueOf(n),
    });
    const d = this.deployment;

    for (const n of d.networks) {
      this.networks.set(
        n.key,
        new Network(this, `network-${n.key}`, {
          name: n.name,
          driver: "overlay",
          attachable: false,
          options: n.encrypted ? { encrypted: "true" } : undefined,
          ipamConfig: [{ subnet: n.subnet, gateway: n.gateway }],
        }),
      );
    }
    for (const s of d.secrets) {
      // The value once, as a local: the data and the name's hash read the same expression (and a composed value,
      // a connection string with references in it, is never re-read inside another function).
      const value = new TerraformLocal(this, `secret-${s.key}-value`, s.value).asString;
      this.secrets.set(
        s.key,
        new Secret(this, `secret-${s.key}`, {
          name: terraformSecretName(s, value),
          data: Fn.base64encode(value),
          lifecycle: { createBeforeDestroy: true },
        }),
      );
    }
    const configs = new Map(
      // Configs hold no secret and no Terraform reference: encoded here, so Terraform never interpolates their text.
      d.configs.map((c) => [
        c.key,
        new Config(this, `config-${c.key}`, {
          name: c.name,
          data: Buffer.from(c.content, "utf8").toString("base64"),
          lifecycle: { createBeforeDestroy: true },
        }),
      ]),
    );
    for (const s of d.services) {
      const service = new Service(this, `service-${s.key}`, this.serviceConfig(s, configs));
      this.services.set(s.key, service);
      const model = props.app.services.find((m) => m.name === s.key);
      if (model && !model.healthCheck && model.healthCheckExemption)
        suppressRule(service, healthCheckRequired, model.healthCheckExemption);
    }
    this.orderByCalls(props.app);

    const report = CapabilityReport.of(this);
    for (const service of props.app.services) for (const entry of capabilities(service, d)) report.record(this, entry);
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "routes",
      wanted: describeWanted.routes(props.app),
      realization: `Traefik (${TRAEFIK_IMAGE}) publishing :${props.target.ingressPort}, routes from service labels read through its node's Docker API proxy (GET ${TRAEFIK_DOCKER_API.join(", ")} only); admin-only routes pass an ipAllowList middleware of the admin CIDRs`,
      support: "native",
    });
    report.record(this, {
      platform: PLATFORM,
      service: "*",
      intent: "secrets",
      wanted: describeWanted.secrets(props.app),
      realization:
        "random_password values as Swarm secrets (encrypted in the Raft log), mounted read-only under /run/secrets in the services that use them",
      support: "native",
    });
    const collector = props.app.services.find((s) => s.collectsMetrics);
    const logCollector = props.app.services.find((s) => s.collectsLogs);
    const records = observabilityRecords(props.app, {
      platform: PLATFORM,
      discovery: `Prometheus resolves tasks.${d.namespace}_<service> (dns_sd_configs): every running task is a target`,
      logs: {
        realization: `${logCollector?.name ?? "a collector"} as a global service on every node reads the node's containers through ${logCollector?.volumes?.some((v) => v.kind === "host" && v.dockerApi?.access === "read") ? "its node's Docker API proxy, read-only" : "the Docker socket"} (discovery.docker, loki.source.docker); service label from the task label ${SWARM_SERVICE_LABEL}`,
        support: "native",
      },
      rules: collector ? alertRulesFor(props.app, collector, swarmObservability(props.app, d.namespace)) : undefined,
    });
    for (const entry of records) report.record(this, entry);
    const overlays: TransitRealization = d.networks.every((n) => n.encrypted)
      ? {
          encrypted: true,
          how: "IPsec between nodes on the encrypted overlay networks (the application speaks plain HTTP/TCP; traffic between tasks on one node does not leave it)",
        }
      : {
          encrypted: false,
          how: "plain HTTP/TCP on overlay networks without encryption (networking.encryptOverlays is off)",
        };
    const inTransit = inTransitRecords(PLATFORM, props.app, {
      edge: {
        encrypted: false,
        how: `Traefik serves plain HTTP on the published :${props.target.ingressPort}: the proxy terminating TLS in front of it (the lab's edge) forwards across the LAN in plaintext`,
      },
      ingress: overlays,
      calls: overlays,
      scrapes: overlays,
      logPushes: overlays,
    });
    for (const entry of inTransit) report.record(this, entry);

    const stack = TerraformStack.of(this);
    addCustomSynthesis(this, {
      onSynthesize: (session: ISynthesisSession) => {
        const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, STACK_FILE), renderStackFile(d));
        for (const c of d.configs) fs.writeFileSync(path.join(dir, c.fileName), c.content);
      },
    });
  }

  /**
   * Services are created and updated after the replicated services they call have converged (healthy at their
   * replicas). Swarm starts a task whatever its callees' state, and an update whose new task exits at start
   * fails and rolls back: updated together, a database restarting on a new secret and its clients (which exit
   * when the database does not answer) would roll the clients back onto the secret the same apply removes. The
   * provider waits (converge_config) only for replicated services, at most the callee's progress deadline.
   */
  private orderByCalls(app: Application): void {
    const after = startOrder(app, (callee) => callee.placement.kind === "replicated");
    const awaited = new Set([...after.values()].flatMap((callees) => [...callees]));
    for (const name of awaited) {
      const callee = app.services.find((s) => s.name === name)!;
      this.services
        .get(name)!
        .putConvergeConfig({ delay: "2s", timeout: duration(updatePolicyOf(callee).progressDeadlineSec) });
    }
    for (const [name, callees] of after) {
      const caller = this.services.get(name);
      if (caller && callees.length)
        caller.dependsOn = [
          ...(caller.dependsOn ?? []),
          ...callees.map((c) => `docker_service.${this.services.get(c)!.friendlyUniqueId}`),
        ];
    }
  }

  private serviceConfig(s: SwarmService, configs: ReadonlyMap<string, Config>) {
    // The ratio as the provider reads it back ("0.0").
    const update = (u: SwarmUpdate) => ({
      parallelism: u.parallelism,
      delay: duration(u.delaySec),
      order: u.order,
      failureAction: u.failureAction,
      monitor: duration(u.monitorSec),
      maxFailureRatio: "0.0",
    });
    return {
      name: s.name,
      // `docker service update --force` (an operator's restart) bumps this counter; like `docker stack deploy`,
      // the next apply leaves it alone instead of undoing it and restarting the service a second time.
      lifecycle: { ignoreChanges: ["task_spec[0].force_update"] },
      labels: Object.entries(s.labels).map(([label, value]) => ({ label, value })),
      mode: s.mode === "global" ? { global: true } : { replicated: { replicas: s.replicas } },
      updateConfig: update(s.update),
      rollbackConfig: update(s.rollback),
      endpointSpec: {
        mode: s.endpointMode,
        ports: s.ports.map((p) => ({
          targetPort: p.target,
          publishedPort: p.published,
          protocol: p.protocol,
          publishMode: p.mode,
        })),
      },
      taskSpec: {
        containerSpec: {
          image: s.image,
          command: s.command ? [...s.command] : undefined,
          args: s.args ? [...s.args] : undefined,
          user: s.user,
          env: Object.keys(s.env).length ? { ...s.env } : undefined,
          secrets: s.secrets.map((x) => {
            const secret = this.secrets.get(x.key)!;
            return { secretId: secret.id, secretName: secret.name, fileName: x.target, fileMode: 0o400 };
          }),
          configs: s.configs.map((x) => {
            const config = configs.get(x.key)!;
            return { configId: config.id, configName: config.name, fileName: x.target, fileMode: 0o444 };
          }),
          healthcheck: s.healthcheck
            ? {
                test: [...s.healthcheck.test],
                interval: duration(s.healthcheck.intervalSec),
                timeout: duration(s.healthcheck.timeoutSec),
                retries: s.healthcheck.retries,
                startPeriod: duration(s.healthcheck.startPeriodSec),
              }
            : undefined,
          stopGracePeriod: duration(s.stopGracePeriodSec),
          mounts: s.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly })),
        },
        networksAdvanced: s.networks.map((n) => ({ name: this.networks.get(n.key)!.id, aliases: [...n.aliases] })),
        placement: s.constraints.length ? { constraints: [...s.constraints] } : undefined,
        resources: {
          limits: { nanoCpus: Math.round(s.limits.cpus * 1e9), memoryBytes: s.limits.memoryBytes },
          reservation: { nanoCpus: Math.round(s.reservations.cpus * 1e9), memoryBytes: s.reservations.memoryBytes },
        },
        restartPolicy: {
          condition: "any",
          delay: duration(s.restart.delaySec),
          maxAttempts: s.restart.maxAttempts,
          window: duration(s.restart.windowSec),
        },
      },
    };
  }
}

function capabilities(service: ServiceSpec, d: SwarmDeployment): CapabilityRecord[] {
  const base = { platform: PLATFORM, service: service.name };
  const s = d.services.find((x) => x.key === service.name)!;
  const update = updatePolicyOf(service);
  const records: CapabilityRecord[] = [
    service.placement.kind === "per-node"
      ? {
          ...base,
          intent: "placement",
          wanted: describeWanted.placement(service),
          realization: "global service on every node",
          support: "native",
        }
      : {
          ...base,
          intent: "placement",
          wanted: describeWanted.placement(service),
          realization: `replicated service (${s.replicas}), workers only`,
          support: "native",
        },
    service.healthCheck
      ? {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `Docker healthcheck inside the container, through ${describeProbe(service)}`,
          support: "native",
        }
      : {
          ...base,
          intent: "health",
          wanted: describeWanted.health(service),
          realization: `restart policy only: ${service.healthCheckExemption}`,
          support: "native",
        },
    {
      ...base,
      intent: "update",
      wanted: describeWanted.update(service),
      realization:
        `update_config { parallelism ${s.update.parallelism}, order ${s.update.order}, failure_action ${s.update.failureAction}, monitor ${s.update.monitorSec}s }` +
        `; Swarm has no progress deadline: each batch must stay healthy for monitor (the model's healthy deadline)` +
        (update.canaries ? "; Swarm has no canary deployments" : ""),
      support: update.canaries ? "partial" : "native",
    },
    {
      ...base,
      intent: "zones",
      wanted: describeWanted.zones(service),
      realization: `overlay networks ${s.networks.map((n) => n.key).join(", ")} (${s.networks.every((n) => d.networks.find((x) => x.key === n.key)?.encrypted) ? "encrypted" : "not encrypted"}, not attachable)`,
      support: "native",
    },
  ];
  if (service.autoscaling) {
    records.push({
      ...base,
      intent: "autoscaling",
      wanted: describeWanted.autoscaling(service),
      realization: `not supported on Swarm: runs a fixed ${s.replicas} replicas (an external scaler driven by Prometheus alerts would be needed)`,
      support: "unsupported",
    });
  }
  for (const volume of service.volumes ?? []) {
    if (volume.kind !== "host" || !volume.dockerApi) continue;
    records.push(
      volume.dockerApi.access === "read"
        ? {
            ...base,
            intent: "docker-api",
            wanted: describeWanted.dockerApi(volume.dockerApi),
            realization: `through the node's Docker API proxy (HAProxy, ${DOCKER_API_PROXY_SERVICE}): its own socket in the volume ${d.namespace}_${dockerApiVolume(service.name)}, mounted read-only; GET and HEAD on those endpoints only, anything else refused with 403; the engine's socket is not mounted`,
            support: "native",
          }
        : {
            ...base,
            intent: "docker-api",
            wanted: describeWanted.dockerApi(volume.dockerApi),
            realization: `the engine's socket ${volume.hostPath} bound into the container: root on its node, as the model grants`,
            support: "native",
          },
    );
  }
  for (const volume of (service.volumes ?? []).filter((v) => v.kind === "persistent")) {
    records.push({
      ...base,
      intent: "persistence",
      wanted: describeWanted.persistence(volume),
      realization: `local named volume ${d.namespace}_${volume.name} on the node labelled ${volumeLabel(volume.name)}=true; the service is constrained to it`,
      support: "native",
    });
  }
  return records;
}
