/**
 * The default key policy AWS attaches when CreateKey has no Policy: it gives the account's root
 * principal kms:* on the key, so IAM policies in the account decide who may use it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
import { accountRootArn } from "../../vocabulary/arns.js";

export function defaultKeyPolicy(region: string, accountId: string): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: accountRootArn(region, accountId) },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );
}
