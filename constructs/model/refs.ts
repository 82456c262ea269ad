import type { EndpointRef, EnvPart, EnvValue, SecretRef } from "./types";

// The constructors of references (secretRef, hostOf, portOf, hostPortOf) are in ./types, where environments,
// which are data, may import them.

export function isSecretRef(part: EnvPart): part is SecretRef {
  return typeof part === "object" && "secret" in part;
}

export function isEndpointRef(part: EnvPart): part is EndpointRef {
  return typeof part === "object" && "endpoint" in part;
}

export function envParts(value: EnvValue): readonly EnvPart[] {
  return Array.isArray(value) ? (value as readonly EnvPart[]) : [value as EnvPart];
}

export function secretsIn(value: EnvValue): string[] {
  return envParts(value)
    .filter(isSecretRef)
    .map((p) => p.secret);
}

export function endpointsIn(value: EnvValue): EndpointRef[] {
  return envParts(value).filter(isEndpointRef);
}

/** How a platform turns references into text: its own secret syntax and service addresses. */
export interface EnvResolver {
  secret(name: string): string;
  endpoint(service: string, port: string): { host: string; port: number };
}

export function renderEnvValue(value: EnvValue, resolver: EnvResolver): string {
  return envParts(value)
    .map((part) => {
      if (typeof part === "string") return part;
      if (isSecretRef(part)) return resolver.secret(part.secret);
      const { host, port } = resolver.endpoint(part.endpoint.service, part.endpoint.port);
      if (part.part === "host") return host;
      if (part.part === "port") return String(port);
      return `${host}:${port}`;
    })
    .join("");
}
