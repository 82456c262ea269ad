import { dockerHealthcheck } from "../docker-healthcheck";
import {
  envParts,
  imageRef,
  isSecretRef,
  renderEnvValue,
  secretsIn,
  type EnvResolver,
  type EnvValue,
  type ServiceSpec,
} from "../model";
import type { FargateSize } from "./fargate-sizes";
import { exportNonEmpty, NEED_FUNCTION, requireNonEmpty } from "../shell-script";

/** The fields of an ECS container definition this project sets (ECS's own JSON shape, camelCase). */
export interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly essential: boolean;
  readonly cpu?: number;
  readonly memory?: number;
  readonly user?: string;
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly portMappings: readonly {
    readonly name: string;
    readonly containerPort: number;
    readonly protocol: "tcp" | "udp";
  }[];
  readonly logConfiguration: { readonly logDriver: "awslogs"; readonly options: Readonly<Record<string, string>> };
  readonly healthCheck?: {
    readonly command: readonly string[];
    readonly interval: number;
    readonly timeout: number;
    readonly retries: number;
    readonly startPeriod: number;
  };
  readonly readonlyRootFilesystem: boolean;
  readonly privileged: false;
  readonly linuxParameters: {
    readonly initProcessEnabled: boolean;
    readonly capabilities?: { readonly drop: readonly string[] };
  };
  readonly mountPoints: readonly {
    readonly sourceVolume: string;
    readonly containerPath: string;
    readonly readOnly: boolean;
  }[];
  readonly dependsOn?: readonly {
    readonly containerName: string;
    readonly condition: "SUCCESS" | "START" | "COMPLETE" | "HEALTHY";
  }[];
}

/** Where each secret comes from on ECS. */
export interface EcsSecretSource {
  /** `valueFrom` of a declared secret: a Secrets Manager ARN, with `:<json key>::` for a key inside a JSON secret. */
  valueFrom(secret: string): string;
  /** The value as a Terraform reference when Terraform knows it (generated or supplied); `undefined` when only Secrets Manager does. */
  terraformValue(secret: string): string | undefined;
  /** Stores a value composed in Terraform as a secret of its own; returns its ARN. */
  storeComposed(service: string, variable: string, value: string): string;
}

/** The shell that composes variables at start needs these in the image: sh, and for URLs od, tr and sed. */
const URLENCODE = `urlencode() { printf %s "$1" | od -An -v -tx1 | tr -d " \\n" | sed "s/../%&/g"; }`;

export interface EcsSecretEnv {
  readonly secrets: { name: string; valueFrom: string }[];
  /** Shell statements that compose variables at start, when a value mixes text with a secret only Secrets Manager holds. */
  readonly exports: string[];
}

/**
 * The service's secret environment as ECS delivers it, never as text in the task definition:
 * - a variable that is exactly one secret is injected by ECS from Secrets Manager (`valueFrom`);
 * - a value composed of text and secrets Terraform knows is stored whole as a secret of its own;
 * - a value composed with a secret only Secrets Manager knows (the RDS-managed password) gets each such secret
 *   as its own variable, and a wrapper around the stated command composes it at start, percent-encoding the
 *   secret inside URLs (the managed password may contain `#`, `%`, `?` and other URL delimiters).
 */
export function secretEnvOf(service: ServiceSpec, resolver: EnvResolver, source: EcsSecretSource): EcsSecretEnv {
  const secrets: { name: string; valueFrom: string }[] = [];
  const exports: string[] = [];
  for (const [variable, value] of Object.entries(service.secretEnv ?? {})) {
    const parts = envParts(value);
    if (parts.length === 1 && isSecretRef(parts[0])) {
      secrets.push({ name: variable, valueFrom: source.valueFrom(parts[0].secret) });
    } else if (secretsIn(value).every((s) => source.terraformValue(s) !== undefined)) {
      const rendered = renderEnvValue(value, { ...resolver, secret: (s) => source.terraformValue(s)! });
      secrets.push({ name: variable, valueFrom: source.storeComposed(service.name, variable, rendered) });
    } else {
      for (const secret of secretsIn(value)) {
        const name = secretVariable(secret);
        if (!secrets.some((s) => s.name === name)) secrets.push({ name, valueFrom: source.valueFrom(secret) });
      }
      exports.push(composeAtStart(variable, value, resolver));
    }
  }
  return { secrets, exports };
}

/** The variable a secret arrives in when a wrapper composes it into another. */
export function secretVariable(secret: string): string {
  return `ARGO_SECRET_${secret.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

const shellQuoted = (text: string) => text.replace(/[\\"`$]/g, (c) => `\\${c}`);

function composeAtStart(variable: string, value: EnvValue, resolver: EnvResolver): string {
  const parts = envParts(value);
  const isUrl = typeof parts[0] === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(parts[0]);
  const text = parts
    .map((part) => {
      if (isSecretRef(part))
        return isUrl ? `$(urlencode "$${secretVariable(part.secret)}")` : `$${secretVariable(part.secret)}`;
      // Endpoints are DNS names and port numbers (possibly Terraform references, which must stay as they are).
      if (typeof part !== "string") return renderEnvValue(part, resolver);
      return shellQuoted(part);
    })
    .join("");
  const required = parts
    .filter(isSecretRef)
    .map((part) => requireNonEmpty(secretVariable(part.secret), `secret ${part.secret}`));
  return [...required, exportNonEmpty(variable, text, variable)].join(" && ");
}

/** The shortest container health check interval ECS accepts. */
export const ECS_MIN_HEALTH_INTERVAL_SEC = 5;

export interface ContainerInputs {
  readonly service: ServiceSpec;
  readonly size: FargateSize;
  readonly environment: Readonly<Record<string, string>>;
  readonly secretEnv: EcsSecretEnv;
  readonly logGroup: string;
  readonly region: string;
  /** Run the model's health check inside the container (otherwise the load balancer's check is the one). */
  readonly containerHealthCheck: boolean;
  readonly readonlyRootFilesystem: boolean;
  readonly mountPoints: ContainerDefinition["mountPoints"];
  readonly dependsOn?: ContainerDefinition["dependsOn"];
}

/** The service's main container: the whole task size, the model's image, command, ports and check. */
export function mainContainer(inputs: ContainerInputs): ContainerDefinition {
  const { service, secretEnv } = inputs;
  const wrapped = secretEnv.exports.length > 0;
  const check =
    inputs.containerHealthCheck && service.healthCheck ? dockerHealthcheck(service, service.healthCheck) : undefined;
  return {
    name: service.name,
    image: imageRef(service),
    essential: true,
    cpu: inputs.size.cpu,
    memory: inputs.size.memoryMiB,
    // ECS's entryPoint replaces the image's entrypoint (the model's command), its command the arguments.
    entryPoint: wrapped
      ? ["/bin/sh", "-c", [URLENCODE, NEED_FUNCTION, ...secretEnv.exports, 'exec "$@"'].join(" && "), "secret-env"]
      : service.command,
    command: wrapped ? [...(service.command ?? []), ...(service.args ?? [])] : service.args,
    environment: Object.entries(inputs.environment)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    secrets: [...secretEnv.secrets].sort((a, b) => a.name.localeCompare(b.name)),
    portMappings: service.ports.map((p) => ({
      name: p.name,
      containerPort: p.containerPort,
      protocol: p.protocol === "udp" ? "udp" : "tcp",
    })),
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": inputs.logGroup,
        "awslogs-region": inputs.region,
        "awslogs-stream-prefix": service.name,
        mode: "non-blocking",
        "max-buffer-size": "4m",
      },
    },
    healthCheck: check && {
      command: check.test,
      // ECS accepts 5-300 s: a shorter model interval runs at ECS' minimum.
      interval: Math.max(check.intervalSec, ECS_MIN_HEALTH_INTERVAL_SEC),
      timeout: check.timeoutSec,
      retries: check.retries,
      startPeriod: check.startPeriodSec,
    },
    readonlyRootFilesystem: inputs.readonlyRootFilesystem,
    privileged: false,
    linuxParameters: { initProcessEnabled: true },
    mountPoints: inputs.mountPoints,
    dependsOn: inputs.dependsOn,
  };
}
