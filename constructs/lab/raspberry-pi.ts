import { createHash } from "crypto";
import type { LabPi } from "./target";
import { TerraformData } from "../builtin/terraform-data";
import { Construct, Fn } from "../cdktf";
import { assertNoTemplateSyntax } from "./cloud-init";

export interface PiFile {
  /** Final path on the Pi. */
  readonly path: string;
  readonly content: string;
  readonly mode: string;
}

export interface RaspberryPiProps {
  readonly pi: LabPi;
  /** Debian package to install, with a version pattern (`dnsmasq=2.90-*`). */
  readonly packageSpec: string;
  readonly files: readonly PiFile[];
  /** Command that checks the installed configuration before the service is restarted. */
  readonly checkCommand: string;
  readonly service: string;
}

/** Where files are staged on the Pi before they are installed with the right owner and mode. */
export const STAGING_DIR = "/tmp/argo-infra";

/**
 * Configures a Raspberry Pi over SSH (the deployer's agent): stage the rendered files, install the pinned
 * package, install the files, check the configuration, restart the service. Every step converges, so it is
 * safe to run twice; the step re-runs whenever a rendered file changes (its hash is in `triggers_replace`).
 */
export class RaspberryPi extends Construct {
  readonly step: TerraformData;
  /** The script the step runs, for review and tests. */
  readonly script: string[];

  constructor(scope: Construct, id: string, props: RaspberryPiProps) {
    super(scope, id);
    const { pi } = props;
    for (const file of props.files) assertNoTemplateSyntax(file.content, `${file.path} of ${pi.name}`);
    const staged = (file: PiFile) => `${STAGING_DIR}/${file.path.replace(/\//g, "_")}`;
    this.script = [
      "set -eu",
      "sudo apt-get update -qq",
      `sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '${props.packageSpec}'`,
      ...props.files.map((f) => `sudo install -D -o root -g root -m ${f.mode} ${staged(f)} ${f.path}`),
      props.checkCommand,
      `sudo systemctl enable ${props.service}`,
      `sudo systemctl restart ${props.service}`,
      `rm -rf ${STAGING_DIR}`,
    ];
    this.step = new TerraformData(this, "configure", {
      triggersReplace: Object.fromEntries(props.files.map((f) => [f.path, contentHash(f.content)])),
      connection: { type: "ssh", host: pi.address, user: pi.sshUser, agent: "true" },
      provisioners: [
        { type: "remote-exec", inline: [`mkdir -p ${STAGING_DIR}`, `chmod 700 ${STAGING_DIR}`] },
        ...props.files.map((f) => ({ type: "file" as const, content: f.content, destination: staged(f) })),
        { type: "remote-exec", inline: [this.script.join("\n")] },
      ],
    });
  }
}

/**
 * SHA-256 of a file's content: computed here for plain text, by Terraform when the content holds references
 * (a certificate issued at deploy time).
 */
function contentHash(content: string): string {
  return /\$\{TfToken\[/.test(content) ? Fn.sha256(content) : createHash("sha256").update(content).digest("hex");
}
