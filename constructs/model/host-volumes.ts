import type { ServiceSpec, VolumeSpec } from "./types";

/**
 * Where a node keeps the sockets of what runs it: the Docker engine (/run/docker.sock), containerd, systemd. A
 * read-only mount does not stop a client from connecting to a socket, and whoever reaches one of these is root on
 * the node. (/var/run is a symbolic link to it.)
 */
export const NODE_RUNTIME_DIR = "/run";
const NODE_RUNTIME_PATHS = [NODE_RUNTIME_DIR, "/var/run"];

type HostVolume = Extract<VolumeSpec, { kind: "host" }>;

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** The runtime directory a host path lies in (the socket directory itself, or a socket in it), if any. */
export function runtimeDirOf(hostPath: string): string | undefined {
  return NODE_RUNTIME_PATHS.find((dir) => within(hostPath, dir));
}

/**
 * Mount paths inside the container where the node's runtime directory would appear through a host volume that
 * contains it (the host's root at /rootfs shows the engine's socket at /rootfs/run/docker.sock: bind mounts are
 * recursive on every engine). Each platform mounts an empty in-memory directory there, so the volume gives what
 * it is for (filesystems, /proc, /sys) and no socket.
 */
export function runtimeDirCovers(service: ServiceSpec): { readonly volume: HostVolume; readonly mountPath: string }[] {
  return (service.volumes ?? []).flatMap((volume) => {
    if (volume.kind !== "host" || !ancestorOf(volume.hostPath, NODE_RUNTIME_DIR)) return [];
    const rest = NODE_RUNTIME_DIR.slice(volume.hostPath === "/" ? 0 : volume.hostPath.length);
    return [{ volume, mountPath: `${volume.mountPath.replace(/\/$/, "")}${rest}` }];
  });
}

/** Whether `dir` lies strictly below the host path `path`. */
function ancestorOf(path: string, dir: string): boolean {
  return path === "/" ? dir !== "/" : dir.startsWith(`${path.replace(/\/$/, "")}/`);
}
