import { LAB } from "../../environments";
import { envProblemsOf, labCopy } from "../helpers";

describe("the lab environment", () => {
  it("is valid", () => {
    expect(envProblemsOf(LAB)).toEqual([]);
  });

  it("holds the seed 004 inventory", () => {
    const byName = new Map(LAB.lab!.vms.map((vm) => [vm.name, vm]));
    expect(["vb0", "vb1", "vb2"].map((n) => byName.get(n)?.address)).toEqual([
      "192.168.10.120",
      "192.168.10.121",
      "192.168.10.122",
    ]);
    expect(["vs0", "vs1", "vs2"].map((n) => byName.get(n)?.role)).toEqual([
      "nomad-client",
      "nomad-client",
      "nomad-client",
    ]);
    expect(byName.get("head")).toMatchObject({ address: "192.168.10.10", vcpus: 2, memoryMiB: 1024, diskGiB: 50 });
    expect(LAB.lab!.pis.map((p) => `${p.name}=${p.address}/${p.role}`)).toEqual([
      "rpi0=192.168.10.53/dns",
      "rpi1=192.168.10.80/edge",
    ]);
  });
});

describe("environment validation", () => {
  it("requires admin CIDRs when the application has admin-only routes", () => {
    const env = labCopy();
    env.adminCidrs = [];
    expect(envProblemsOf(env)).toContain(
      "environments.lab.adminCidrs: is empty, but the application has admin-only routes (/admin/, /api/get, /api/list, /api/add, ...); list the CIDRs allowed to reach them",
    );
  });

  it("accepts a pinned ingress image and rejects one that is not pinned", () => {
    const env = labCopy();
    env.swarm!.ingressImage = "registry.lab.internal:5000/traefik:v3.1.6";
    expect(envProblemsOf(env)).toEqual([]);
    env.swarm!.ingressImage = "traefik:latest";
    expect(envProblemsOf(env)).toContain(
      'environments.lab.swarm.ingressImage: "traefik:latest" is not pinned: give a fixed tag or a digest, never latest or none',
    );
    env.swarm!.ingressImage = "Traefik v3";
    expect(envProblemsOf(env)).toContain(
      'environments.lab.swarm.ingressImage: "Traefik v3" is not an image reference (repository:tag or repository@sha256:digest)',
    );
  });

  it("reaches the Swarm manager over SSH or on its own socket, nothing else", () => {
    const env = labCopy();
    env.swarm!.dockerHost = "unix:///var/run/docker.sock";
    expect(envProblemsOf(env)).toEqual([]);
    env.swarm!.dockerHost = "tcp://192.168.10.140:2375";
    expect(envProblemsOf(env)).toContain(
      'environments.lab.swarm.dockerHost: "tcp://192.168.10.140:2375" is neither ssh://user@host (the Docker API of a Swarm manager, reached over SSH) nor unix:///path (a manager\'s own socket, for Terraform run on that manager)',
    );
  });

  it("rejects an invalid admin CIDR", () => {
    const env = labCopy();
    env.adminCidrs = ["192.168.10.0/24", "10.0.0.0/33"];
    expect(envProblemsOf(env)).toContain(
      'environments.lab.adminCidrs[1]: "10.0.0.0/33" is not a valid CIDR: expected an IPv4 CIDR block like 10.0.0.0/16',
    );
  });

  it("rejects zone subnets that overlap the lab LAN", () => {
    const env = labCopy();
    env.selection.zoneSubnets = {};
    expect(envProblemsOf(env)).toContain(
      'environments.lab.selection.zoneSubnets.sites: zone "sites" uses 192.168.0.0/18, which overlaps the lab LAN 192.168.0.0/16: containers could not reach lab hosts in it (choose a free range)',
    );
  });

  it("rejects unknown and non-optional services in the selection", () => {
    const env = labCopy();
    env.selection.optionalServices = ["gitlab", "grafana", "gitlabb"];
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.lab.selection.optionalServices[1]: "grafana" is not optional; it always runs',
    );
    expect(problems).toContain(
      'environments.lab.selection.optionalServices[2]: unknown service "gitlabb": did you mean "gitlab"? (optional services: gitlab, gitlab-runner, debug)',
    );
  });

  it("rejects an optional service whose dependency is left out", () => {
    const env = labCopy();
    env.selection.optionalServices = ["gitlab-runner"];
    expect(
      envProblemsOf(env).some((p) => p.startsWith('services.gitlab-runner.talksTo[0]: unknown service "gitlab"')),
    ).toBe(true);
  });

  it("rejects addresses outside the LAN and addresses used twice", () => {
    const env = labCopy();
    env.lab!.vms[1].address = "10.0.0.5";
    env.lab!.vms[2].address = "192.168.10.10";
    const problems = envProblemsOf(env);
    expect(problems).toContain("environments.lab.lab.vms[1].address: 10.0.0.5 is outside the lab LAN 192.168.0.0/16");
    expect(problems).toContain("environments.lab.lab.vms[2].address: 192.168.10.10 is already used by head");
  });

  it("rejects fewer than 3 Nomad servers, and an even number", () => {
    const env = labCopy();
    env.lab!.vms = env.lab!.vms.filter((vm) => vm.name !== "vb2");
    expect(envProblemsOf(env)).toContain(
      "environments.lab.lab.vms: has 2 nomad-server VMs (vb0, vb1); at least 3 are needed to survive losing one (quorum)",
    );
    const even = labCopy();
    even.lab!.vms.push({ ...even.lab!.vms[1], name: "vb3", vmId: 123, address: "192.168.10.123" });
    expect(envProblemsOf(even)).toContain(
      "environments.lab.lab.vms: has 4 nomad-server VMs; Raft needs an odd number (3 or 5) to keep quorum",
    );
  });

  it("requires a host volume for every persistent volume, on a known client", () => {
    const env = labCopy();
    const volumes = env.nomad!.hostVolumes as Record<string, { client: string; path: string }>;
    delete volumes["postgres-data"];
    volumes["grafana-data"] = { client: "vb0", path: "srv/grafana" };
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.lab.nomad.hostVolumes: has no entry for volume "postgres-data" of service "postgres" (add "postgres-data": { client, path })',
    );
    expect(problems).toContain(
      'environments.lab.nomad.hostVolumes.grafana-data.client: unknown Nomad client "vb0" (clients: vs0, vs1, vs2)',
    );
    expect(problems).toContain(
      'environments.lab.nomad.hostVolumes.grafana-data.path: "srv/grafana" must be an absolute path',
    );
  });

  it("rejects a Connect sidecar image that is not an image reference", () => {
    const env = labCopy();
    (env.nomad as { connectSidecar?: unknown }).connectSidecar = { image: "envoy proxy" };
    expect(envProblemsOf(env)).toContain(
      'environments.lab.nomad.connectSidecar.image: "envoy proxy" is not an image reference (expected e.g. "registry.lab/envoy:v1.29.7")',
    );
  });

  it("rejects a malformed state backend", () => {
    const env = labCopy();
    env.nomad!.backend = { kind: "consul", address: "https://192.168.10.120", pathPrefix: "/terraform" };
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      'environments.lab.nomad.backend.address: "https://192.168.10.120" is not host:port (e.g. 192.168.10.120:8501)',
    );
    expect(problems).toContain(
      'environments.lab.nomad.backend.pathPrefix: "/terraform" must be a non-empty KV path without a leading /',
    );
  });

  it("rejects a moving image tag in the selection", () => {
    const env = labCopy();
    env.selection.imageTags = { "query-api": "latest" };
    expect(envProblemsOf(env)).toContain(
      'environments.lab.selection.imageTags.query-api: "latest" is not a pinned tag (expected a fixed version)',
    );
  });
});
