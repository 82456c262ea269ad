/**
 * What the engine holds for one deployment of swarm-lab, read back from the manager's API: every service's
 * spec, every network, secret and config, with only what cannot or need not be equal between two deployments
 * normalized away (each named below). Two renderings deployed one after the other compare equal when they
 * asked the engine for the same thing.
 */
import type { Engine } from "./docker";

export interface EngineSnapshot {
  readonly services: Record<string, unknown>;
  readonly networks: Record<string, unknown>;
  readonly secrets: Record<string, unknown>;
  readonly configs: Record<string, unknown>;
}

/** Labels `docker stack deploy` adds to mark its objects (com.docker.stack.namespace, .image): not asked for. */
const withoutStackLabels = (labels: Record<string, string> | undefined | null): Record<string, string> =>
  Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !k.startsWith("com.docker.stack.")));

const byKey = <T>(items: readonly T[] | undefined | null, key: (item: T) => string): T[] =>
  [...(items ?? [])].sort((a, b) => key(a).localeCompare(key(b)));

/**
 * Reads the deployment's objects. `secretBase` maps a secret's engine name to the name both renderings share
 * (the Terraform rendering appends a hash of the value, so a rotation creates a new secret).
 */
export async function snapshot(
  manager: Engine,
  names: { readonly services: readonly string[]; readonly networks: readonly string[]; readonly prefix: string },
  secretBase: (name: string) => string,
): Promise<EngineSnapshot> {
  const [services, networks, secrets, configs] = await Promise.all([
    manager.api<any[]>("/services"),
    manager.api<any[]>("/networks"),
    manager.api<any[]>("/secrets"),
    manager.api<any[]>("/configs"),
  ]);
  const networkName = new Map(networks.map((n) => [n.Id, n.Name]));
  const secretName = new Map(secrets.map((s) => [s.ID, secretBase(s.Spec.Name)]));
  const configName = new Map(configs.map((c) => [c.ID, c.Spec.Name]));

  const serviceSpecs: Record<string, unknown> = {};
  for (const service of services.filter((s) => names.services.includes(s.Spec.Name))) {
    const spec = structuredClone(service.Spec);
    const task = spec.TaskTemplate;
    const container = task.ContainerSpec;
    spec.Labels = withoutStackLabels(spec.Labels);
    container.Labels = withoutStackLabels(container.Labels);
    // The engine keeps the order each client sent; order means nothing in these lists.
    container.Env = [...(container.Env ?? [])].sort();
    // IDs differ per deployment: networks, secrets and configs by name.
    task.Networks = byKey(
      (task.Networks ?? [])
        .map((n: any) => ({
          ...n,
          Target: networkName.get(n.Target) ?? n.Target,
          // The CLI adds the service's key as an alias besides the file's own (the same name): a set, not a list.
          Aliases: [...new Set<string>(n.Aliases ?? [])].sort(),
        }))
        // `docker stack deploy` attaches a service that declares no network (the Docker API proxy) to the stack's
        // default network, which the deployment does not ask for; the Terraform rendering leaves it on none.
        .filter((n: any) => !(n.Target === `${names.prefix}default` && !names.networks.includes(n.Target))),
      (n: any) => n.Target,
    );
    container.Secrets = byKey(
      (container.Secrets ?? []).map(({ SecretID, SecretName: _name, ...rest }: any) => ({
        ...rest,
        Secret: secretName.get(SecretID) ?? `missing ${SecretID}`,
      })),
      (s: any) => s.File.Name,
    );
    container.Configs = byKey(
      (container.Configs ?? []).map(({ ConfigID, ConfigName: _name, ...rest }: any) => ({
        ...rest,
        Config: configName.get(ConfigID) ?? `missing ${ConfigID}`,
      })),
      (c: any) => c.File.Name,
    );
    container.Mounts = byKey(
      (container.Mounts ?? []).map((m: any) => {
        if (!m.VolumeOptions) return m;
        const labels = withoutStackLabels(m.VolumeOptions.Labels);
        const { Labels: _labels, ...options } = m.VolumeOptions;
        const rest = Object.keys(labels).length ? { ...options, Labels: labels } : options;
        return Object.keys(rest).length
          ? { ...m, VolumeOptions: rest }
          : (({ VolumeOptions: _v, ...plain }) => plain)(m);
      }),
      (m: any) => m.Target,
    );
    // The provider always sends a HealthConfig; empty, it means the image's own check, as an absent one does.
    if (container.Healthcheck && !container.Healthcheck.Test) delete container.Healthcheck;
    // The provider always sends a DNSConfig; empty (no nameservers, search domains or options), the engine's own.
    const dns = container.DNSConfig;
    if (dns && !(dns.Nameservers ?? []).length && !(dns.Search ?? []).length && !(dns.Options ?? []).length)
      delete container.DNSConfig;
    // The CLI always sends Privileges; all empty, it asks for nothing.
    const p = container.Privileges;
    if (p && !p.CredentialSpec && !p.SELinuxContext && !p.NoNewPrivileges && Object.keys(p).length <= 3)
      delete container.Privileges;
    serviceSpecs[spec.Name] = spec;
  }

  const networkSpecs: Record<string, unknown> = {};
  for (const n of networks.filter((x) => names.networks.includes(x.Name))) {
    // The VXLAN ID is allocated by the engine per network.
    const options = Object.fromEntries(
      Object.entries<string>(n.Options ?? {}).filter(([k]) => k !== "com.docker.network.driver.overlay.vxlanid_list"),
    );
    networkSpecs[n.Name] = {
      Driver: n.Driver,
      Scope: n.Scope,
      EnableIPv6: n.EnableIPv6,
      IPAM: n.IPAM,
      Internal: n.Internal,
      Attachable: n.Attachable,
      Ingress: n.Ingress,
      ConfigOnly: n.ConfigOnly,
      Options: options,
      Labels: withoutStackLabels(n.Labels),
    };
  }
  const secretSpecs: Record<string, unknown> = {};
  for (const s of secrets.filter((x) => x.Spec.Name.startsWith(names.prefix))) {
    secretSpecs[secretBase(s.Spec.Name)] = {
      Labels: withoutStackLabels(s.Spec.Labels),
      Driver: s.Spec.Driver ?? null,
      Templating: s.Spec.Templating ?? null,
    };
  }
  const configSpecs: Record<string, unknown> = {};
  for (const c of configs.filter((x) => x.Spec.Name.startsWith(names.prefix))) {
    configSpecs[c.Spec.Name] = {
      Labels: withoutStackLabels(c.Spec.Labels),
      Data: c.Spec.Data,
      Templating: c.Spec.Templating ?? null,
    };
  }
  return { services: serviceSpecs, networks: networkSpecs, secrets: secretSpecs, configs: configSpecs };
}

/** Every path where two snapshots differ, with both values (`a`, `b` named by the caller). */
export function differences(a: EngineSnapshot, b: EngineSnapshot, labels: readonly [string, string]): string[] {
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? "absent" : JSON.stringify(v).slice(0, 160));
  const walk = (x: unknown, y: unknown, at: string) => {
    if (x && y && typeof x === "object" && typeof y === "object" && Array.isArray(x) === Array.isArray(y)) {
      const keys = Array.isArray(x)
        ? [...Array(Math.max(x.length, (y as unknown[]).length)).keys()].map(String)
        : [...new Set([...Object.keys(x), ...Object.keys(y as object)])].sort();
      for (const k of keys) walk((x as any)[k], (y as any)[k], Array.isArray(x) ? `${at}[${k}]` : `${at}.${k}`);
    } else if (JSON.stringify(x) !== JSON.stringify(y))
      out.push(`${at}: ${labels[0]} ${show(x)}, ${labels[1]} ${show(y)}`);
  };
  for (const kind of ["services", "networks", "secrets", "configs"] as const) walk(a[kind], b[kind], kind);
  return out;
}
