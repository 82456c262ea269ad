import * as fs from "fs";
import { addressesOf, formatGolden, GOLDEN_FILE, synthesizedAddresses } from "../tools/resource-addresses";

describe("the golden list of resource addresses", () => {
  it("lists resources and data sources by Terraform address", () => {
    expect(
      addressesOf({
        resource: { aws_vpc: { main: {} }, random_password: { b: {}, a: {} } },
        data: { aws_caller_identity: { current: {} } },
      }),
    ).toEqual(["aws_vpc.main", "data.aws_caller_identity.current", "random_password.a", "random_password.b"]);
  });

  // A differing address is a resource Terraform destroys and creates again: intended changes regenerate the
  // list with `npm run addresses`, and the diff of the fixture shows exactly which addresses changed.
  it("matches every synthesized stack", () => {
    expect(formatGolden(synthesizedAddresses())).toEqual(fs.readFileSync(GOLDEN_FILE, "utf8"));
  });
});
