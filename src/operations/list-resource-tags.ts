/**
 * ListResourceTags: the tags of a key, in the order they were first added.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html
 */
import { resolveKey } from "../domain/key-access.js";
import { pageInMemory, pageSize } from "../domain/paging.js";
import { tagsToWire } from "../domain/tags.js";
import type {
  ListResourceTagsRequest,
  ListResourceTagsResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** "between 1 and 50, inclusive. If you do not include a value, it defaults to 50." */
const limits = { fallback: 50, max: 50 };

export const listResourceTags = defineOperation<ListResourceTagsRequest, ListResourceTagsResponse>(
  "ListResourceTags",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "ListResourceTags", { allowAlias: false });
    const tags = await ctx.services.store.tags.list(key.arn);
    const page = pageInMemory("tags", tags, pageSize(input.Limit, limits), input.Marker);
    return { Tags: tagsToWire(page.items), NextMarker: page.nextMarker, Truncated: page.truncated };
  },
);
