import { ARGO, startOrder } from "../../constructs/model";
import { argoCopy } from "../helpers";

describe("startOrder", () => {
  it("makes each service wait for the services it calls, not for those it scrapes", () => {
    const order = startOrder(ARGO);
    expect(order.get("query-api")!.sort()).toEqual(["memcached", "postgres"]);
    expect(order.get("ot-app")).toEqual(["query-api"]);
    expect(order.get("postgres")).toEqual([]);
    expect(order.get("prometheus")).not.toContain("query-api");
  });

  it("leaves out the call that would close a cycle, and the callees the platform excludes", () => {
    const app = argoCopy();
    app.services.find((s) => s.name === "postgres")!.talksTo = [{ service: "query-api", port: "http" }];
    const order = startOrder(app);
    expect(order.get("query-api")).toContain("postgres");
    expect(order.get("postgres")).toEqual([]);
    expect(startOrder(ARGO, (callee) => callee.name !== "postgres").get("query-api")).toEqual(["memcached"]);
  });
});
