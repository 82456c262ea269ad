import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dockerHealthcheck, probeToolOf } from "../../constructs/docker-healthcheck";
import { ARGO, portNamed, type ServiceSpec } from "../../constructs/model";

/**
 * Every HTTP and TCP health check the Docker engines (Swarm, ECS) run inside containers, executed by the real
 * program the image contains (bash, curl, GNU wget for the busybox one) against a server in a private network
 * namespace: healthy when the path answers, unhealthy when it does not or nothing listens.
 */
type Server = "serving" | "missing-path" | "nothing";

function probe(service: ServiceSpec, server: Server): number | null {
  const check = service.healthCheck!;
  if (check.type === "command") throw new Error(`${service.name}: command checks are run as they are`);
  const test = dockerHealthcheck(service, check).test;
  const argv = test[0] === "CMD-SHELL" ? ["sh", "-c", test[1]] : test.slice(1);
  const port = portNamed(service, check.port).containerPort;
  const docroot = mkdtempSync(join(tmpdir(), "argo-probe-"));
  try {
    if (check.type === "http" && server === "serving") {
      const file = join(docroot, check.path === "/" ? "index.html" : check.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, "ok\n");
    }
    const serve =
      server === "nothing" ? "" : `busybox httpd -f -p 127.0.0.1:${port} -h ${docroot} & server=$!; sleep 0.1;`;
    const script = `busybox ip link set lo up; ${serve} "$@"; status=$?; [ -n "$server" ] && kill $server; exit $status`;
    const child = spawnSync("unshare", ["--net", "--map-root-user", "sh", "-c", script, "probe", ...argv], {
      encoding: "utf8",
      timeout: 20_000,
    });
    return child.status;
  } finally {
    rmSync(docroot, { recursive: true, force: true });
  }
}

const checked = ARGO.services.filter((s) => s.healthCheck && s.healthCheck.type !== "command");

describe("in-container health checks, run by the image's own probe tool", () => {
  it("covers every HTTP and TCP check, and alloy's image (no wget) uses bash", () => {
    expect(checked.length).toBeGreaterThan(5);
    expect(probeToolOf(ARGO.services.find((s) => s.name === "alloy")!)).toBe("bash");
    expect(
      dockerHealthcheck(
        ARGO.services.find((s) => s.name === "alloy")!,
        ARGO.services.find((s) => s.name === "alloy")!.healthCheck!,
      ).test.join(" "),
    ).not.toMatch(/wget|curl/);
  });

  it.each(checked.map((s) => [s.name, s]))("%s: healthy when its endpoint answers", (_name, service: ServiceSpec) => {
    expect(probe(service, "serving")).toBe(0);
  });

  it.each(checked.filter((s) => s.healthCheck!.type === "http").map((s) => [s.name, s]))(
    "%s: unhealthy when its path is missing",
    (_name, service: ServiceSpec) => {
      expect(probe(service, "missing-path")).not.toBe(0);
    },
  );

  it.each(checked.map((s) => [s.name, s]))("%s: unhealthy when nothing listens", (_name, service: ServiceSpec) => {
    expect(probe(service, "nothing")).not.toBe(0);
  });
});
