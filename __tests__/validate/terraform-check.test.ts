/**
 * The `terraform validate (real providers)` check on the lab stack, with the real bpg/proxmox provider from the
 * toolchain cache as the only mirror: the hand-written Proxmox bindings pass against the provider's schema, a
 * misspelt argument fails, and the providers that are not in the mirror (random, tls) are reported as not run
 * with the blocks they leave unchecked, while everything else is still validated.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { App, Testing } from "../../constructs/cdktf";
import { selectApplication } from "../../constructs/model";
import { LAB } from "../../environments";
import { LabStack } from "../../stacks";
import { mapInterpolations, reduceConfig, validateStack, type Mirror } from "../../tools/validate/checks/terraform";
import type { SynthesizedStack } from "../../tools/validate/stacks";
import { providerBinaryPath, providerMirror, VERSIONS } from "../../tools/toolchain/paths";

const lab: SynthesizedStack = {
  name: "lab",
  dir: "",
  config: JSON.parse(
    Testing.synth(
      new LabStack(Testing.app() as App, "lab-test", {
        environment: LAB,
        application: selectApplication(LAB.application, LAB.selection),
      }),
    ),
  ),
};

/** The real programs: a missing one fails the test (`npm run toolchain` builds the provider). */
function terraform(): string {
  const found = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("terraform is not on PATH (HashiCorp's release, see docs/validation.md)");
  return found;
}

/** A mirror holding only bpg/proxmox, linked from the toolchain cache. */
function proxmoxOnlyMirror(root: string): Mirror {
  const binary = providerBinaryPath(VERSIONS.terraformProviders.proxmox);
  if (!existsSync(binary))
    throw new Error(
      `bpg/proxmox ${VERSIONS.terraformProviders.proxmox.version} is not installed at ${binary}: run \`npm run toolchain\``,
    );
  const path = join(root, "mirror");
  const link = join(path, relative(providerMirror(), binary));
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(binary, link);
  return { path, label: `a mirror with ${basename(binary)} only` };
}

let workDir: string;
let mirrors: Mirror[];
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "terraform-check-test-"));
  mirrors = [proxmoxOnlyMirror(workDir)];
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const vmAddresses = () =>
  Object.keys((lab.config.resource as any).proxmox_virtual_environment_vm).map(
    (n) => `proxmox_virtual_environment_vm.${n}`,
  );
const withFirstVm = (edit: (vm: Record<string, any>) => void): SynthesizedStack => {
  const config = JSON.parse(JSON.stringify(lab.config));
  const vms = config.resource.proxmox_virtual_environment_vm;
  edit(vms[Object.keys(vms)[0]]);
  return { ...lab, config };
};

describe("terraform validate against bpg/proxmox", () => {
  it("passes on the lab stack, reporting random and tls as not run with the blocks they leave unchecked", () => {
    const { findings } = validateStack(terraform(), lab, workDir, mirrors);
    expect(findings.filter((f) => f.outcome === "failed")).toEqual([]);
    expect(findings.find((f) => f.outcome === "ok")).toMatchObject({
      artifact: "lab",
      detail: expect.stringContaining("bpg/proxmox 0.111.1"),
    });
    const notRun = findings.filter((f) => f.outcome === "not-run");
    expect(notRun.map((f) => f.artifact).sort()).toEqual([
      "lab provider hashicorp/random 3.7.2",
      "lab provider hashicorp/tls 4.1.0",
    ]);
    expect(notRun.find((f) => f.artifact.includes("tls"))?.detail).toMatch(
      /not checked: .*tls_private_key\..*is in no provider mirror/,
    );
    expect(notRun.map((f) => f.detail).join("\n")).not.toMatch(/proxmox_(virtual_environment|download)/);
  }, 120_000);

  it("fails on a misspelt VM argument, naming the resource", () => {
    const broken = withFirstVm((vm) => {
      vm.node_nmae = vm.node_name;
      delete vm.node_name;
    });
    const failed = validateStack(terraform(), broken, workDir, mirrors).findings.filter((f) => f.outcome === "failed");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((f) => f.artifact)).toContain(`lab ${vmAddresses()[0]}`);
    expect(failed.map((f) => f.detail).join("\n")).toMatch(
      /Unsupported argument: .*"node_nmae"|Missing required argument: .*"node_name"/,
    );
  }, 120_000);

  it("fails on a network device written as a block with attributes left out (it is a list(object) attribute)", () => {
    const broken = withFirstVm((vm) => (vm.network_device = [{ bridge: "vmbr0", model: "virtio" }]));
    const failed = validateStack(terraform(), broken, workDir, mirrors).findings.filter((f) => f.outcome === "failed");
    expect(failed).toEqual([
      expect.objectContaining({
        artifact: `lab ${vmAddresses()[0]}`,
        detail: expect.stringMatching(/network_device.*are required/),
      }),
    ]);
  }, 120_000);
});

describe("reducing a stack to the providers that are here", () => {
  it("turns references to removed blocks into variables of type any and drops them from depends_on", () => {
    const { config, removed } = reduceConfig(
      {
        terraform: {
          required_providers: {
            aws: { source: "aws", version: "6.25.0" },
            kubernetes: { source: "kubernetes", version: "2.38.0" },
          },
        },
        provider: { aws: [{ region: "eu-west-1" }], kubernetes: [{ host: "${aws_eks_cluster.c.endpoint}" }] },
        data: { aws_region: { r: {} } },
        resource: {
          aws_eks_cluster: { c: { name: "x" }, cc: { name: "y" } },
          kubernetes_namespace_v1: {
            n: {
              metadata: [
                {
                  name: "${aws_eks_cluster.cc.name}-${data.aws_region.r.name}",
                  labels: { a: "$${aws_eks_cluster.c.id}" },
                },
              ],
              depends_on: ["aws_eks_cluster.c", "kubernetes_namespace_v1.m"],
            },
          },
        },
      },
      new Set(["aws"]),
    );
    expect(removed.get("aws")).toEqual(["aws_eks_cluster.c", "aws_eks_cluster.cc", "data.aws_region.r"]);
    expect(config.provider).toEqual({ kubernetes: [{ host: "${var.unchecked_aws_eks_cluster__c.endpoint}" }] });
    expect(config.terraform?.required_providers).toEqual({ kubernetes: { source: "kubernetes", version: "2.38.0" } });
    expect((config.resource as any).kubernetes_namespace_v1.n).toEqual({
      metadata: [
        {
          name: "${var.unchecked_aws_eks_cluster__cc.name}-${var.unchecked_data__aws_region__r.name}",
          labels: { a: "$${aws_eks_cluster.c.id}" },
        },
      ],
      depends_on: ["kubernetes_namespace_v1.m"],
    });
    expect(Object.keys(config.variable as object).sort()).toEqual([
      "unchecked_aws_eks_cluster__c",
      "unchecked_aws_eks_cluster__cc",
      "unchecked_data__aws_region__r",
    ]);
  });

  it("finds interpolations with nested braces and quoted strings", () => {
    expect(mapInterpolations('a ${jsonencode({"k" = "}"})} b %{ if x }y%{ endif }', (e) => `<${e}>`)).toBe(
      'a ${<jsonencode({"k" = "}"})>} b %{< if x >}y%{< endif >}',
    );
  });
});
