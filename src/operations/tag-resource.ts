/**
 * TagResource: adds tags to a customer managed key, or replaces the values of tag keys it
 * already has.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html
 */
import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import { tagsFromWire, validateTags } from "../domain/tags.js";
import type { TagResourceRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const tagResource = defineOperation<TagResourceRequest, void>(
  "TagResource",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "TagResource", { allowAlias: false });
    await ctx.services.store.transaction(async (store) => {
      // Locked, so two requests adding tags cannot both fit under the quota with room for one.
      await lockKey(store, key.arn, "TagResource");
      validateTags(input.Tags, await store.tags.list(key.arn));
      await store.tags.put(key.arn, tagsFromWire(input.Tags));
    });
  },
);
