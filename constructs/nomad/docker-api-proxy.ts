import {
  DOCKER_API_PROXY_CONFIG_PATH,
  DOCKER_API_PROXY_IMAGE,
  DOCKER_API_PROXY_RESOURCES,
  ENGINE_SOCKET,
  dockerApiProxyConfig,
} from "../docker-api-proxy";
import type { DockerApiResource, ServiceSpec, VolumeSpec } from "../model";
import type { Task } from "./jobspec";
import { escapeConsulTemplate } from "./observability";
import { nodeVolumeMounts, type NodeMount } from "./node-volumes";

/**
 * The Docker API on Nomad, for a service that only reads it (cadvisor, alloy): a filtering HAProxy as a prestart
 * sidecar task of the service's own group, the only task that mounts the engine's socket. It listens on a Unix
 * socket in the group's shared allocation directory, which only the group's tasks see, and lets through GET and
 * HEAD on the endpoints the model lists (403 for anything else); the service is pointed at that socket.
 */
export const DOCKER_API_PROXY_TASK = "docker-api-proxy";
/** The filtered socket, in the allocation directory every task of the group mounts at /alloc. */
export const NOMAD_DOCKER_API_SOCKET = "/alloc/docker-api.sock";
const CONFIG_TEMPLATE = "local/haproxy.cfg";

type HostVolume = Extract<VolumeSpec, { kind: "host" }>;

/** The host volume through which a service reads the Docker API (and the resources it reads), if any. */
export function dockerApiReadOf(
  service: ServiceSpec,
): { readonly volume: HostVolume; readonly resources: readonly DockerApiResource[] } | undefined {
  for (const v of service.volumes ?? [])
    if (v.kind === "host" && v.dockerApi?.access === "read") return { volume: v, resources: v.dockerApi.resources };
  return undefined;
}

/** The proxy's HAProxy configuration: one frontend, the group's socket; the engine's socket behind it. */
export function nomadDockerApiProxyConfig(service: ServiceSpec, resources: readonly DockerApiResource[]): string {
  return dockerApiProxyConfig([{ key: service.name, resources, socket: NOMAD_DOCKER_API_SOCKET }]);
}

/**
 * The sidecar task. It runs as root to open the engine's socket (root:docker, 0660; the group's id differs per
 * node); the engine's socket reaches it as the clients' read-only host volume, at the path HAProxy dials.
 */
export function dockerApiProxyTask(
  service: ServiceSpec,
  socketMount: NodeMount,
  resources: readonly DockerApiResource[],
  /** Its CPU share in MHz (DOCKER_API_PROXY_RESOURCES on the clients' cores). */
  cpuMhz: number,
): Task {
  return {
    Name: DOCKER_API_PROXY_TASK,
    Driver: "docker",
    User: "root",
    Lifecycle: { Hook: "prestart", Sidecar: true },
    Config: {
      image: DOCKER_API_PROXY_IMAGE,
      args: ["haproxy", "-W", "-db", "-f", DOCKER_API_PROXY_CONFIG_PATH],
      volumes: [`${CONFIG_TEMPLATE}:${DOCKER_API_PROXY_CONFIG_PATH}`],
    },
    Templates: [
      {
        EmbeddedTmpl: escapeConsulTemplate(nomadDockerApiProxyConfig(service, resources)),
        DestPath: CONFIG_TEMPLATE,
        ChangeMode: "restart",
      },
    ],
    Resources: {
      CPU: cpuMhz,
      MemoryMB: DOCKER_API_PROXY_RESOURCES.memoryMiB,
    },
    VolumeMounts: nodeVolumeMounts([{ ...socketMount, mountPath: ENGINE_SOCKET }]),
  };
}
