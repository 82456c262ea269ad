import {
  ConsulBackend,
  FROM_DEPLOYER_ENVIRONMENT,
  LocalBackend,
  S3Backend,
  type TerraformStack,
} from "../constructs/cdktf";
import type { BackendConfig } from "../environments/types";

/**
 * Configures where a stack keeps its state. Without a configuration, state is local, in the project directory
 * next to cdktf.json (`terraform.<stack>.tfstate`, a path relative to cdktf.out/stacks/<stack>, so the
 * synthesized output is the same on every machine and re-synthesizing never touches state).
 * Credentials never appear here: Consul reads CONSUL_HTTP_TOKEN, S3 the AWS credential chain, at deploy time.
 */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig | undefined): void {
  if (!backend || backend.kind === "local") {
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  if (backend.kind === "consul") {
    new ConsulBackend(stack, {
      // Without one, Terraform takes CONSUL_HTTP_ADDR (and CONSUL_CACERT) from the deployer's environment.
      ...(backend.address ? { address: backend.address } : {}),
      scheme: "https",
      path: `${backend.pathPrefix}/${stackName}`,
      lock: true,
      gzip: true,
      caFile: backend.caFile,
      accessToken: FROM_DEPLOYER_ENVIRONMENT, // CONSUL_HTTP_TOKEN
    });
    return;
  }
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: `${backend.keyPrefix}/${stackName}.tfstate`,
    region: backend.region,
    encrypt: true,
    dynamodbTable: backend.lockTable,
  });
  // cdktf 0.21's binding predates S3 native locking; the attribute is passed through as is.
  if (!backend.lockTable) s3.addOverride("use_lockfile", true);
}
