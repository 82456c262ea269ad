import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { anchorsOf, brokenLinks, linksOf, markdownFiles } from "../tools/doc-links";
import { NOMAD_DEPLOY_TOKEN_KEY } from "../constructs/lab/acl-bootstrap";
import { RUNBOOK, RUNBOOK_DEPLOY_HEADING, runbookDeployScript } from "../e2e/nomad/deploy";
import { REPO_ROOT } from "../tools/doc-links";

describe("documentation links", () => {
  it("every relative link in README.md and docs/ names an existing file and heading", () => {
    expect(markdownFiles()).toEqual(
      expect.arrayContaining(["README.md", "docs/architecture.md", "docs/adr/README.md"]),
    );
    expect(brokenLinks()).toEqual([]);
  });

  it("finds links in prose only, and anchors as GitHub writes them", () => {
    const markdown = [
      "# Deploying `nomad-lab`",
      'See [the runbook](nomad-lab.md#deploying-nomad-lab) and ![a diagram](img/a.png "title").',
      "Not `[code](x.md)`, nor:",
      "```sh",
      "[inside](fenced.md)",
      "```",
      "## What the Nomad clients must provide",
      "## Notes",
      "## Notes",
    ].join("\n");
    expect(linksOf(markdown)).toEqual([
      { line: 2, target: "nomad-lab.md#deploying-nomad-lab" },
      { line: 2, target: "img/a.png" },
    ]);
    expect([...anchorsOf(markdown)]).toEqual([
      "deploying-nomad-lab",
      "what-the-nomad-clients-must-provide",
      "notes",
      "notes-1",
    ]);
  });

  it("reports every missing file, missing heading and link out of the repository, each with its place", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "doc-links-"));
    try {
      fs.mkdirSync(path.join(root, "docs"));
      fs.writeFileSync(
        path.join(root, "README.md"),
        "# Title\n[ok](docs/a.md#part-one)\n[gone](docs/missing.md)\n[no heading](docs/a.md#part-two)\n[self](#title)\n",
      );
      fs.writeFileSync(path.join(root, "docs", "a.md"), "## Part one\n[up](../README.md)\n[out](../../x.md)\n");
      expect(brokenLinks(root)).toEqual([
        "README.md:3: docs/missing.md: docs/missing.md does not exist",
        "README.md:4: docs/a.md#part-two: docs/a.md has no heading with the anchor #part-two",
        "docs/a.md:3: ../../x.md: ../x.md does not exist",
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the nomad-lab runbook the Nomad e2e executes", () => {
  const runbook = fs.readFileSync(path.join(REPO_ROOT, RUNBOOK), "utf8");

  it("has its deploy steps where the e2e reads them, with every line the e2e adapts", () => {
    expect(runbook).toContain(`\n${RUNBOOK_DEPLOY_HEADING}\n`);
    const { script, labOutputsRead } = runbookDeployScript(runbook, "nomad-e2e", "/deployer.env");
    expect(script).toContain("npx cdktf deploy nomad-e2e --skip-provider-lock --auto-approve");
    expect(script).not.toMatch(/^npm ci/m);
    expect(script).not.toContain("192.168.10.");
    expect(labOutputsRead).toEqual(expect.arrayContaining(["ca_cert_pem", "consul_deploy_token"]));
    // Deploys use the deploy tokens: no management token, and NOMAD_TOKEN from the key the lab's bootstrap writes.
    expect(labOutputsRead).not.toContain("nomad_bootstrap_token");
    expect(labOutputsRead).not.toContain("consul_management_token");
    expect(script).toContain(`"$CONSUL_HTTP_ADDR/v1/kv/${NOMAD_DEPLOY_TOKEN_KEY}?raw"`);
  });

  it("fails loudly when the steps lose a line the e2e adapts", () => {
    expect(() => runbookDeployScript(runbook.replace(/^npm ci$/m, ""), "nomad-e2e", "/deployer.env")).toThrow(
      `${RUNBOOK}'s deploy steps changed: no npm ci line to adapt`,
    );
    expect(() => runbookDeployScript("# nothing here\n", "nomad-e2e", "/deployer.env")).toThrow(
      `${RUNBOOK} has no "${RUNBOOK_DEPLOY_HEADING}" section`,
    );
  });
});
