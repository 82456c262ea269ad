/** A host firewall rule: a port or range, a protocol, and the sources allowed to reach it. */
export interface FirewallRule {
  readonly comment: string;
  /** `22`, or a range `4646:4648`; absent for protocols without ports (ESP). */
  readonly ports?: string;
  readonly proto: "tcp" | "udp" | "esp";
  readonly from: readonly string[];
}

/**
 * ufw commands for a deny-by-default host firewall that allows only `rules`. Running them again changes
 * nothing (ufw skips existing rules; `--force enable` on an enabled firewall is a no-op).
 */
export function ufwCommands(rules: readonly FirewallRule[]): string[][] {
  const commands: string[][] = [
    ["ufw", "default", "deny", "incoming"],
    ["ufw", "default", "allow", "outgoing"],
    // Nomad's bridge networking and Docker forward container traffic through the host.
    ["ufw", "default", "allow", "routed"],
  ];
  for (const rule of rules) {
    for (const source of rule.from) {
      const target = rule.ports ? ["to", "any", "port", rule.ports] : [];
      commands.push(["ufw", "allow", "proto", rule.proto, "from", source, ...target, "comment", rule.comment]);
    }
  }
  commands.push(["ufw", "--force", "enable"]);
  return commands;
}
