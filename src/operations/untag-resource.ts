/**
 * UntagResource: removes tags from a customer managed key by tag key. Keys the key does not
 * have are ignored, as in KMS.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html
 */
import { resolveKey } from "../domain/key-access.js";
import { validateTagKeysToRemove } from "../domain/tags.js";
import type { UntagResourceRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const untagResource = defineOperation<UntagResourceRequest, void>(
  "UntagResource",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "UntagResource", { allowAlias: false });
    validateTagKeysToRemove(input.TagKeys);
    await ctx.services.store.tags.remove(key.arn, input.TagKeys);
  },
);
