import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { Construct } from "../cdktf";

export interface IssuedCertificate {
  readonly certPem: string;
  readonly privateKeyPem: string;
}

export interface CertificateRequest {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/**
 * The lab's certificate authority, made by the `tls` provider at deploy time: its key and every issued key
 * live only in Terraform state and in the files cloud-init writes on each machine.
 */
export class LabCertificateAuthority extends Construct {
  readonly certPem: string;
  private readonly keyPem: string;

  constructor(scope: Construct, id: string, props: { readonly commonName: string }) {
    super(scope, id);
    const key = new PrivateKey(this, "key", { algorithm: "ECDSA", ecdsaCurve: "P384" });
    const cert = new SelfSignedCert(this, "cert", {
      privateKeyPem: key.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 10 * 365 * 24,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      subject: [{ commonName: props.commonName, organization: "argo-infra lab" }],
    });
    this.keyPem = key.privateKeyPem;
    this.certPem = cert.certPem;
  }

  /** A key and a one-year certificate for both server and client authentication, renewed a month early. */
  issue(id: string, request: CertificateRequest): IssuedCertificate {
    const scope = new Construct(this, id);
    const key = new PrivateKey(scope, "key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const csr = new CertRequest(scope, "csr", {
      privateKeyPem: key.privateKeyPem,
      subject: [{ commonName: request.commonName, organization: "argo-infra lab" }],
      dnsNames: [...request.dnsNames],
      ipAddresses: request.ipAddresses ? [...request.ipAddresses] : undefined,
    });
    const cert = new LocallySignedCert(scope, "cert", {
      certRequestPem: csr.certRequestPem,
      caPrivateKeyPem: this.keyPem,
      caCertPem: this.certPem,
      validityPeriodHours: 365 * 24,
      earlyRenewalHours: 30 * 24,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    });
    return { certPem: cert.certPem, privateKeyPem: key.privateKeyPem };
  }
}
