/**
 * Node labels are a contract of two platforms: the lab sets them when it forms the Swarm
 * (constructs/lab/lab-infrastructure.ts), and the Swarm platform constrains services to them
 * (constructs/swarm/deployment.ts). They live below both, so neither imports the other.
 */

/** Node label that marks the node holding a persistent volume (set by the lab stack's Swarm formation). */
export function volumeLabel(volume: string): string {
  return `argo.volume.${volume}`;
}
