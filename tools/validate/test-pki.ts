/**
 * A throwaway CA and one certificate and key signed by it (openssl), for the places where a validator parses
 * the PEM files a stack delivers: the stack's own are made by Terraform at apply time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export interface TestPki {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export function makeTestPki(workDir: string, names: readonly string[]): TestPki {
  const dir = mkdtempSync(join(workDir, "pki-"));
  const openssl = (...args: string[]) => {
    const child = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${child.stderr}`);
  };
  try {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=validation CA",
    );
    openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "agent.key",
      "-out",
      "agent.csr",
      "-subj",
      `/CN=${names[0]}`,
    );
    const san = `subjectAltName=${names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}`;
    spawnSync("sh", ["-c", `printf '%s\\nextendedKeyUsage=serverAuth,clientAuth\\n' '${san}' > ext.cnf`], { cwd: dir });
    openssl(
      "x509",
      "-req",
      "-in",
      "agent.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "agent.pem",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    );
    return {
      caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
      certPem: readFileSync(join(dir, "agent.pem"), "utf8"),
      keyPem: readFileSync(join(dir, "agent.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
