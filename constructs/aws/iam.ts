/** IAM policy documents as JSON text; Terraform references inside them resolve at plan time. */

export type IamPrincipal =
  { readonly Service: string | readonly string[] } | { readonly Federated: string } | { readonly AWS: string };

export function assumeRolePolicy(
  principal: IamPrincipal,
  options: { action?: string | readonly string[]; condition?: object } = {},
): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: principal,
        Action: options.action ?? "sts:AssumeRole",
        ...(options.condition ? { Condition: options.condition } : {}),
      },
    ],
  });
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: object;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The confused-deputy condition of a service's trust policy: the service may assume the role only when acting
 * for this account (`aws:SourceAccount`) and for a resource matching `sourceArn`. Only for services whose
 * documentation says they send these keys when they assume a role.
 */
export function actingFor(account: string, sourceArn: string): object {
  return { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sourceArn } };
}
