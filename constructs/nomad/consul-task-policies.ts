import type { Application } from "../model";
import { FABIO_JOB_ID } from "./fabio-job";

/** Read access to Consul's catalog, which discovery clients (Fabio, Prometheus) need once ACLs are on. */
const CATALOG_READ_RULES = [
  'service_prefix "" {',
  '  policy = "read"',
  "}",
  'node_prefix "" {',
  '  policy = "read"',
  "}",
];

/**
 * The Consul ACL rules of the nomad-lab jobs whose tasks read Consul themselves, by job ID: Fabio reads the
 * catalog for its routing table, the agent (it asks for the datacenter at start: /v1/agent/self) and its own key
 * prefix; the metrics collector discovers its scrape targets in the catalog. No other task gets a Consul token.
 * Each task logs in with its workload identity, and the lab's Consul binds the token to its job's policy
 * (lab/workload-identity.ts), so nobody deploying holds a token that can write ACLs.
 */
export function consulReadersOf(app: Application): Record<string, string> {
  const collector = app.services.find((s) => s.collectsMetrics);
  return {
    [FABIO_JOB_ID]: [
      ...CATALOG_READ_RULES,
      'key_prefix "fabio/" {',
      '  policy = "read"',
      "}",
      'agent_prefix "" {',
      '  policy = "read"',
      "}",
    ].join("\n"),
    ...(collector ? { [collector.name]: CATALOG_READ_RULES.join("\n") } : {}),
  };
}
