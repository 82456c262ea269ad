import { runtimeDirCovers } from "../model/host-volumes";
import { hasConfigFiles, type ReservedNames } from "../model/reserved";

/** The empty volume over the node's /run inside a host volume that holds it (one per such volume). */
export const RUNTIME_COVER_VOLUME_PREFIX = "hide-run-";

/**
 * Names the Kubernetes rendering (KubernetesApplication) gives its own constructs beside the services' (named
 * after the services), and the volumes it adds to a service's pod.
 */
export const KUBERNETES_RESERVED_NAMES: ReservedNames = {
  services: {
    namespace: "the application's namespace",
    "storage-class": "the encrypted storage class",
    "network-policies": "the network policies' scope",
    ingress: "the ALB ingress",
    "default-deny": "the default-deny network policy",
    dns: "the network policy that allows DNS",
  },
  volumes: {
    tmp: "the writable /tmp of a read-only root filesystem",
    config: { use: "the volume of the service's configuration files", onlyFor: hasConfigFiles },
    "config-*": { use: "a volume of the service's configuration files", onlyFor: hasConfigFiles },
    [`${RUNTIME_COVER_VOLUME_PREFIX}*`]: {
      use: "the empty volume over the node's /run inside a host volume",
      onlyFor: (service) => runtimeDirCovers(service).length > 0,
    },
  },
};
