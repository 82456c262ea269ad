import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "../cdktf";
import { AwsAccount } from "./account";

export interface EncryptionKeyProps {
  /** `alias/<name>` is given to the key. */
  readonly alias: string;
  readonly description: string;
  /**
   * Service principals (e.g. `logs.eu-west-1.amazonaws.com`) allowed to use the key for their resources in
   * this account. IAM policies of the account grant everyone else.
   * @default none
   */
  readonly servicePrincipals?: readonly string[];
  /**
   * The condition on the service principals' use of the key.
   * @default the calling service acts for this account (`aws:SourceAccount`)
   */
  readonly servicePrincipalCondition?: object;
  /**
   * What the service principals may do with the key.
   * @default encrypt, decrypt, re-encrypt, generate data keys and describe the key
   */
  readonly servicePrincipalActions?: readonly string[];
}

/**
 * The condition CloudWatch Logs' documented key policy uses: it names the log group in the encryption context
 * of every call, which does not carry `aws:SourceAccount`.
 */
export function logGroupsOf(account: AwsAccount): object {
  return {
    ArnLike: {
      "kms:EncryptionContext:aws:logs:arn": `arn:${account.partition}:logs:${account.region}:${account.accountId}:log-group:*`,
    },
  };
}

/** A customer-managed KMS key with yearly rotation and a key policy that defers to IAM. */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const account = AwsAccount.of(this);
    const statements: object[] = [
      {
        Sid: "AccountAdministersTheKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${account.partition}:iam::${account.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    if (props.servicePrincipals?.length) {
      statements.push({
        Sid: "ServicesEncryptForThisAccount",
        Effect: "Allow",
        Principal: { Service: [...props.servicePrincipals] },
        Action: props.servicePrincipalActions
          ? [...props.servicePrincipalActions]
          : ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: props.servicePrincipalCondition ?? { StringEquals: { "aws:SourceAccount": account.accountId } },
      });
    }
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }

  get arn(): string {
    return this.key.arn;
  }
}

/** A key CloudWatch Logs may use for this account's log groups (the documented key policy for encrypted groups). */
export function logEncryptionKey(
  scope: Construct,
  id: string,
  props: { readonly alias: string; readonly description: string },
): EncryptionKey {
  const account = AwsAccount.of(scope);
  return new EncryptionKey(scope, id, {
    ...props,
    servicePrincipals: [`logs.${account.region}.${account.dnsSuffix}`],
    servicePrincipalCondition: logGroupsOf(account),
  });
}
