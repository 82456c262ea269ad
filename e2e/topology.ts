/**
 * The e2e cluster: Docker engines in network namespaces of this machine, joined by one host bridge. Every
 * address here exists only inside this machine (the bridge and the namespaces the harness creates).
 */

export interface EngineNode {
  /** Hostname of the engine, and so its Swarm node name. */
  readonly name: string;
  readonly role: "manager" | "worker";
  readonly address: string;
}

export const BRIDGE = { name: "argoe2e0", address: "10.231.0.1", prefixLength: 24 } as const;

/** One manager and four workers: the model's reservations (3.35 CPUs on workers) still fit when one worker stops. */
export const NODES: readonly EngineNode[] = [
  { name: "e2e-m0", role: "manager", address: "10.231.0.10" },
  { name: "e2e-w0", role: "worker", address: "10.231.0.11" },
  { name: "e2e-w1", role: "worker", address: "10.231.0.12" },
  { name: "e2e-w2", role: "worker", address: "10.231.0.13" },
  { name: "e2e-w3", role: "worker", address: "10.231.0.14" },
];

export const MANAGER = NODES.find((n) => n.role === "manager")!;

/**
 * Two test clients on the host bridge: one inside the admin CIDRs, one outside. They play the lab's edge
 * proxy, which appends the client address to X-Forwarded-For.
 */
export const ADMIN_CIDR = "10.231.0.0/30";
export const ADMIN_CLIENT = "10.231.0.2";
export const OUTSIDE_CLIENT = "10.231.0.200";

/** Where each engine keeps its state (outside /run, which each engine gets privately). */
export const STATE_DIR = "/var/tmp/argo-e2e";
export const netnsOf = (node: EngineNode) => `argo-${node.name}`;
export const socketOf = (node: EngineNode) => `${STATE_DIR}/${node.name}/docker.sock`;
