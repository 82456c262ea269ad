/**
 * The validate checks that judge the lab's generated files (shellcheck, cloud-init schema, haproxy -c,
 * dnsmasq --test): they pass on what the lab stack renders, and fail on a broken case.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { LAB } from "../../environments";
import { LabStack } from "../../stacks";
import { cloudInitSchema } from "../../tools/validate/checks/cloud-init";
import { dnsmasqTest, haproxyCheck, piFilesOf, relayConfigsOf } from "../../tools/validate/checks/pi-configs";
import { cloudConfigsOf, shellScriptsOf, type ShellScript } from "../../tools/validate/checks/shell-scripts";
import { shellcheckScripts } from "../../tools/validate/checks/shellcheck";
import { jsonStringQuote, renderTerraformTemplate } from "../../tools/validate/terraform-render";
import type { SynthesizedStack } from "../../tools/validate/stacks";

function synthLab(): SynthesizedStack {
  const app = Testing.app() as App;
  const stack = new LabStack(app, "lab-test", {
    environment: LAB,
    application: selectApplication(LAB.application, LAB.selection),
  });
  return { name: "lab", dir: "", config: JSON.parse(Testing.synth(stack)) };
}

/** The real program: these checks are the point, so a missing one fails instead of skipping. */
function tool(name: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error(`${name} is not installed (npm run toolchain installs it)`);
  return found;
}

const lab = synthLab();
let workDir: string;
beforeAll(() => (workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-validate-"))));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe("rendering Terraform templates before judging a string", () => {
  it("turns escapes into literals and references into values of their kind", () => {
    expect(renderTerraformTemplate("echo $${HOME} %%{x}")).toBe("echo ${HOME} %{x}");
    expect(renderTerraformTemplate("${random_uuid.a.result}")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(renderTerraformTemplate("${random_uuid.a.result} ${random_uuid.b.result}")).toMatch(/^(\S+) (?!\1)\S+$/);
    expect(
      Buffer.from(renderTerraformTemplate("${base64encode(tls_private_key.k.private_key_pem)}"), "base64").toString(),
    ).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(renderTerraformTemplate('${join("\\n", var.keys)}', { variables: { keys: { type: "list(string)" } } })).toBe(
      "var-keys",
    );
    expect(renderTerraformTemplate('${sha256("x")}')).toMatch(/^[0-9a-f]{64}$/);
    expect(
      JSON.parse(renderTerraformTemplate('{"pem":"${tls_self_signed_cert.ca.cert_pem}"}', { quote: jsonStringQuote }))
        .pem,
    ).toContain("-----BEGIN CERTIFICATE-----\n");
  });

  it("refuses what it cannot render instead of dropping it", () => {
    expect(() => renderTerraformTemplate("${upper(var.x)}")).toThrow(/upper\(\)/);
    expect(() => renderTerraformTemplate("${var.a ? 1 : 2}")).toThrow(/cannot render/);
    expect(() => renderTerraformTemplate("%{ if var.a }x%{ endif }")).toThrow(/directive/);
  });
});

describe("shellcheck on the lab's generated scripts", () => {
  const scripts = shellScriptsOf(lab);

  it("finds every kind of script the lab generates", () => {
    const where = scripts.map((s) => `${s.shell} ${s.artifact.replace(/_[0-9A-F]{8}\b/g, "")}`);
    expect(where).toEqual(
      expect.arrayContaining([
        "sh lab proxmox_virtual_environment_file.lab_vs0-user-data (argo-vs0-user-data.yaml) runcmd[9]",
        "bash lab proxmox_virtual_environment_file.lab_vb0-user-data (argo-vb0-user-data.yaml) write_files /usr/local/sbin/argo-consul-acl-bootstrap",
        "bash lab proxmox_virtual_environment_file.lab_vb0-user-data (argo-vb0-user-data.yaml) write_files /usr/local/sbin/argo-nomad-acl-bootstrap",
        "sh lab terraform_data.lab_rpi1_configure provisioner[3] remote-exec",
        "bash lab terraform_data.lab_swarm_init provisioner[0] local-exec",
        "bash lab terraform_data.lab_swarm_labels-sw1 provisioner[0] local-exec",
      ]),
    );
    // Rendered as Terraform will: no template syntax is left for the shell to see.
    for (const s of scripts) expect(s.script).not.toMatch(/\$\{(?!label_args\[@\]\})/);
  });

  it("has nothing to say about any of them", () => {
    const failed = shellcheckScripts(tool("shellcheck"), scripts, workDir).filter((f) => f.outcome !== "ok");
    expect(failed).toEqual([]);
  });

  it("fails a script with a quoting mistake, as the shell that runs it", () => {
    const broken: ShellScript[] = [
      { artifact: "unquoted", shell: "sh", script: "rm -rf $DIR/cache\n" },
      { artifact: "bashism in sh", shell: "sh", script: "[[ -x /opt/cni/bin/bridge ]] && exit 0\n" },
      { artifact: "fine in bash", shell: "bash", script: "[[ -x /opt/cni/bin/bridge ]] && exit 0\n" },
    ];
    const findings = shellcheckScripts(tool("shellcheck"), broken, workDir);
    expect(findings.map((f) => f.outcome)).toEqual(["failed", "failed", "ok"]);
    expect(findings[0].detail).toContain("SC2086");
    expect(findings[1].detail).toContain("SC3010");
  });
});

describe("cloud-init schema on the lab's user-data", () => {
  const files = cloudConfigsOf(lab);

  it("accepts every VM's rendered cloud-config", () => {
    expect(files).toHaveLength(LAB.lab!.vms.length);
    expect(cloudInitSchema(tool("cloud-init"), files, workDir).filter((f) => f.outcome !== "ok")).toEqual([]);
  });

  it("rejects a cloud-config whose keys have the wrong shape", () => {
    const broken = files[0].text.replace(/^runcmd:$/m, "runcmd: systemctl restart ssh\nbootcmd:");
    const [finding] = cloudInitSchema(tool("cloud-init"), [{ artifact: "broken", text: broken }], workDir);
    expect(finding.outcome).toBe("failed");
    expect(finding.detail).toMatch(/runcmd: 'systemctl restart ssh' is not of type 'array'/);
  });
});

describe("the Pis' configuration files, judged by the programs the Pis run", () => {
  const files = piFilesOf(lab);
  const haproxyCfg = files.filter((f) => f.path === "/etc/haproxy/haproxy.cfg");
  const dnsmasqConf = files.filter((f) => f.path === "/etc/dnsmasq.d/argo-lab.conf");

  it("maps each staged file to where the Pi installs it", () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      "/etc/dnsmasq.d/argo-lab.conf",
      "/etc/haproxy/certs/argo.pem",
      "/etc/haproxy/haproxy.cfg",
    ]);
  });

  it("haproxy -c accepts the edge's configuration and rejects a broken one", () => {
    expect(haproxyCheck(tool("haproxy"), tool("openssl"), haproxyCfg, workDir).map((f) => f.outcome)).toEqual(["ok"]);
    const broken = [
      { ...haproxyCfg[0], content: haproxyCfg[0].content.replace("balance roundrobin", "balance sometimes") },
    ];
    expect(haproxyCheck(tool("haproxy"), tool("openssl"), broken, workDir).map((f) => f.outcome)).toEqual(["failed"]);
  });

  it("haproxy -c accepts each Nomad server's JWKS relay and rejects a broken one", () => {
    const relays = relayConfigsOf(lab);
    expect(relays).toHaveLength(LAB.lab!.vms.filter((vm) => vm.role === "nomad-server").length);
    expect(haproxyCheck(tool("haproxy"), tool("openssl"), relays, workDir).map((f) => f.outcome)).toEqual(
      relays.map(() => "ok"),
    );
    const broken = [{ ...relays[0], content: relays[0].content.replace("verify required", "verify sometimes") }];
    expect(haproxyCheck(tool("haproxy"), tool("openssl"), broken, workDir).map((f) => f.outcome)).toEqual(["failed"]);
  });

  it("dnsmasq --test accepts the lab DNS configuration and rejects a broken one", () => {
    expect(dnsmasqTest(tool("dnsmasq"), dnsmasqConf, workDir).map((f) => f.outcome)).toEqual(["ok"]);
    const broken = [{ ...dnsmasqConf[0], content: dnsmasqConf[0].content.replace("no-resolv", "no-resolve-at-all") }];
    expect(dnsmasqTest(tool("dnsmasq"), broken, workDir).map((f) => f.outcome)).toEqual(["failed"]);
  });
});
