/**
 * DescribeKey: the key's metadata, in any key state. Accepts a key id, key ARN, alias name or
 * alias ARN. GrantTokens are accepted and not needed: DescribeKey is not a grant operation.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
 */
import { resolveKey } from "../domain/key-access.js";
import { storedKeyMetadata } from "../domain/key-metadata.js";
import type { DescribeKeyRequest, DescribeKeyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const describeKey = defineOperation<DescribeKeyRequest, DescribeKeyResponse>(
  "DescribeKey",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "DescribeKey");
    return { KeyMetadata: await storedKeyMetadata(ctx.services.store, key) };
  },
);
