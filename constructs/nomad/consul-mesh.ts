import { ConfigEntry } from "@cdktf/provider-consul/lib/config-entry";
import { Construct } from "../cdktf";
import type { Application } from "../model";
import { consulServiceName, type ServicePlan } from "./plan";

export interface ConsulMeshProps {
  readonly app: Application;
  readonly plans: ReadonlyMap<string, ServicePlan>;
}

/**
 * Consul service-mesh policy from the model's talks-to pairs: a wildcard intention that denies everything,
 * one `service-intentions` entry per called service allowing exactly its callers, and `service-defaults`
 * declaring HTTP services as such (so Envoy applies L7 handling and metrics).
 */
export class ConsulMesh extends Construct {
  readonly serviceDefaults: ConfigEntry[] = [];
  readonly intentions: ConfigEntry[] = [];

  constructor(scope: Construct, id: string, props: ConsulMeshProps) {
    super(scope, id);
    this.intentions.push(
      new ConfigEntry(this, "deny-all", {
        kind: "service-intentions",
        name: "*",
        configJson: JSON.stringify({ Sources: [intentionSource("*", "*", "deny")] }),
      }),
    );
    const callers = new Map<string, Set<string>>();
    for (const plan of props.plans.values()) {
      for (const upstream of plan.upstreams) {
        const set = callers.get(upstream.destinationName) ?? new Set<string>();
        set.add(plan.service.name);
        callers.set(upstream.destinationName, set);
      }
    }
    for (const [destination, sources] of [...callers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      this.intentions.push(
        new ConfigEntry(this, `intentions-${destination}`, {
          kind: "service-intentions",
          name: destination,
          configJson: JSON.stringify({
            Sources: [...sources].sort().map((name) => intentionSource(name, destination, "allow")),
          }),
        }),
      );
    }
    for (const plan of props.plans.values()) {
      const port = plan.primaryPort;
      if (!plan.inMesh || !port || (port.protocol !== "http" && port.protocol !== "grpc")) continue;
      this.serviceDefaults.push(
        new ConfigEntry(this, `defaults-${plan.service.name}`, {
          kind: "service-defaults",
          name: consulServiceName(plan.service, port),
          // With the empty blocks Consul adds on write, so a plan after an apply shows no change.
          configJson: JSON.stringify({ Protocol: port.protocol, Expose: {}, MeshGateway: {}, TransparentProxy: {} }),
        }),
      );
    }
  }
}

/**
 * One intention source as Consul stores it: with the type and the precedence Consul computes on write (exact
 * source and destination 9, wildcard source 8, wildcard destination 6, both wildcards 5), so that the consul
 * provider, which compares the entry it reads back, plans no change after an apply.
 */
function intentionSource(source: string, destination: string, action: "allow" | "deny") {
  const precedence = source === "*" ? (destination === "*" ? 5 : 8) : destination === "*" ? 6 : 9;
  return { Name: source, Action: action, Precedence: precedence, Type: "consul" };
}
