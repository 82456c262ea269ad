/**
 * Where a stack keeps its Terraform state: set per environment, and per target (every platform's target has a
 * `backend`). Read by the stacks (stacks/backend.ts); no platform renders it.
 */
export type BackendConfig =
  | { readonly kind: "local" }
  /** State in Consul's KV store with session locking; the token comes from CONSUL_HTTP_TOKEN at deploy time. */
  | {
      readonly kind: "consul";
      /**
       * host:port of Consul's HTTPS API, fixed in the synthesized backend.
       * @default none: Terraform reads CONSUL_HTTP_ADDR at deploy time (as it reads the token)
       */
      readonly address?: string;
      readonly pathPrefix: string;
      readonly caFile?: string;
    }
  /**
   * State in S3, encrypted, locked by a DynamoDB table when one is named, otherwise by a lock file next to the
   * state (Terraform >= 1.10).
   */
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly keyPrefix: string;
      readonly region: string;
      readonly lockTable?: string;
    };
