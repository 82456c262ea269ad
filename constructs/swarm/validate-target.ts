import {
  cidrsOverlap,
  DNS_LABEL,
  knownList,
  parseCidr,
  selectApplication,
  type AddProblem,
  type Application,
  type ApplicationSelection,
} from "../model";
import type { SwarmTarget } from "./target";

type Add = AddProblem;

/** What validating a Swarm target reads of the environment around it. */
export interface SwarmTargetContext {
  readonly application: Application;
  readonly selection: ApplicationSelection;
  /** The lab inventory: its LAN, and its VMs with the role swarm-worker (where volumes can live). */
  readonly lab?: {
    readonly lanCidr: string;
    readonly vms: readonly { readonly name: string; readonly role: string }[];
  };
}

/**
 * Every problem of a Swarm target (its backend is checked with the environment's); paths are relative to the
 * environment (`swarm.volumeNodes.x`).
 */
export function validateSwarmTarget(swarm: SwarmTarget, env: SwarmTargetContext, add: Add): void {
  if (
    !/^ssh:\/\/[a-z_][a-z0-9_-]*@[A-Za-z0-9.-]+(:\d+)?$/.test(swarm.dockerHost) &&
    !/^unix:\/\/\/[^\s]+$/.test(swarm.dockerHost)
  ) {
    add(
      "swarm.dockerHost",
      `"${swarm.dockerHost}" is neither ssh://user@host (the Docker API of a Swarm manager, reached over SSH) nor unix:///path (a manager's own socket, for Terraform run on that manager)`,
    );
  }
  if (!DNS_LABEL.test(swarm.namespace)) add("swarm.namespace", `"${swarm.namespace}" is not a lowercase DNS label`);
  if (!Number.isInteger(swarm.ingressPort) || swarm.ingressPort < 1 || swarm.ingressPort > 65535) {
    add("swarm.ingressPort", `must be a port number (got ${swarm.ingressPort})`);
  }
  if (swarm.ingressImage !== undefined) checkPinnedImage(swarm.ingressImage, "swarm.ingressImage", add);
  if (swarm.dockerApiProxyImage !== undefined)
    checkPinnedImage(swarm.dockerApiProxyImage, "swarm.dockerApiProxyImage", add);
  const app = selectApplication(env.application, env.selection);
  const edge = parseCidr(swarm.edgeSubnet);
  if (typeof edge === "string") {
    add("swarm.edgeSubnet", `"${swarm.edgeSubnet}" is not a valid subnet: ${edge}`);
  } else {
    for (const zone of app.zones) {
      const subnet = parseCidr(zone.subnet);
      if (typeof subnet !== "string" && cidrsOverlap(subnet, edge))
        add("swarm.edgeSubnet", `${swarm.edgeSubnet} overlaps zone "${zone.name}" (${zone.subnet})`);
    }
    const lan = env.lab ? parseCidr(env.lab.lanCidr) : undefined;
    if (lan && typeof lan !== "string" && cidrsOverlap(lan, edge))
      add("swarm.edgeSubnet", `${swarm.edgeSubnet} overlaps the lab LAN ${env.lab!.lanCidr}`);
  }
  const nodes = env.lab?.vms.filter((v) => v.role === "swarm-worker").map((v) => v.name);
  const persistent = app.services.flatMap((s) =>
    (s.volumes ?? []).filter((v) => v.kind === "persistent").map((v) => ({ service: s.name, volume: v.name })),
  );
  for (const { service, volume } of persistent) {
    if (!swarm.volumeNodes[volume])
      add(
        "swarm.volumeNodes",
        `has no node for volume "${volume}" of service "${service}": a stateful service must never be placed by chance`,
      );
  }
  for (const [volume, node] of Object.entries(swarm.volumeNodes)) {
    if (nodes && !nodes.includes(node))
      add(`swarm.volumeNodes.${volume}`, `unknown Swarm worker "${node}" (workers: ${knownList(nodes) || "none"})`);
  }
}

/** `[registry[:port]/]repository[:tag][@sha256:digest]`, run by a fixed tag or a digest. */
function checkPinnedImage(ref: string, path: string, add: Add): void {
  const parts =
    /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9][a-z0-9._/-]*?(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      ref,
    );
  if (!parts) add(path, `"${ref}" is not an image reference (repository:tag or repository@sha256:digest)`);
  else if (!parts[2] && (!parts[1] || parts[1] === "latest"))
    add(path, `"${ref}" is not pinned: give a fixed tag or a digest, never latest or none`);
}
