import { formatProblem, primaryPortOf, validateApplication, type ServiceSpec } from "../../constructs/model";
import { consulServiceName } from "../../constructs/nomad/plan";
import { argoCopy, serviceOf } from "../helpers";

const twoPorts = (primaryPort?: string): ServiceSpec => ({
  ...serviceOf(argoCopy(), "query-api"),
  ports: [
    { name: "admin", containerPort: 9000, protocol: "http" },
    { name: "http", containerPort: 8080, protocol: "http" },
  ],
  primaryPort,
});

describe("the primary port is the model's", () => {
  it("is the first port by default, or the one the model names", () => {
    expect(primaryPortOf(twoPorts())?.name).toBe("admin");
    expect(primaryPortOf(twoPorts("http"))?.name).toBe("http");
    expect(primaryPortOf({ ...twoPorts(), ports: [] })).toBeUndefined();
  });

  it("names the service's Consul service after it on Nomad", () => {
    const service = twoPorts("http");
    expect(consulServiceName(service, service.ports[1])).toBe("query-api");
    expect(consulServiceName(service, service.ports[0])).toBe("query-api-admin");
  });

  it("must be one of the service's ports", () => {
    const app = argoCopy();
    serviceOf(app, "query-api").primaryPort = "htp";
    expect(validateApplication(app).map(formatProblem)).toEqual([
      'services.query-api.primaryPort: unknown port "htp" on service "query-api": did you mean "http"? (known: http)',
    ]);
  });
});
