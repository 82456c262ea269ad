/**
 * Every software version the lab installs, in one place. VMs install exact package versions from the
 * vendors' apt repositories (which keep old versions); the Pis pin the upstream version and take Debian's
 * security revisions of it (`=2.90-*`), since Debian keeps only the newest revision.
 */
export const LAB_VERSIONS = {
  nomad: "1.8.4-1",
  consul: "1.19.2-1",
  dockerCe: "5:27.3.1-1~ubuntu.22.04~jammy",
  containerd: "1.7.22-1",
  cniPlugins: "v1.5.1",
  /** Ubuntu 22.04's HAProxy release, with its security revisions (the servers' JWKS relay). */
  vmHaproxy: "2.4.*",
  piDnsmasq: "2.90-*",
  piHaproxy: "2.6.*",
} as const;

/** Signing keys of the vendor apt repositories (fingerprints published by HashiCorp and Docker). */
export const APT_KEYS = {
  hashicorp: "798AEC654E5C15428C8E42EEAA16FCBCA621E701",
  docker: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
} as const;
