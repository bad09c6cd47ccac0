/**
 * ListKeys: the key ids and ARNs of the caller's account and Region, in key id order, a page
 * at a time (Limit 1–1000, default 100; Marker from the previous page's NextMarker).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
 */
import { decodeMarker, pageFromLookahead, pageSize } from "../domain/paging.js";
import type { ListKeysRequest, ListKeysResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** "between 1 and 1000, inclusive. If you do not include a value, it defaults to 100." */
const limits = { fallback: 100, max: 1000 };

export const listKeys = defineOperation<ListKeysRequest, ListKeysResponse>(
  "ListKeys",
  async (input, ctx) => {
    const { accountId, region } = ctx.caller;
    const limit = pageSize(input.Limit, limits);
    const after = input.Marker === undefined ? undefined : decodeMarker("keys", input.Marker);
    const fetched = await ctx.services.store.keys.list(accountId, region, {
      limit: limit + 1,
      after,
    });
    const page = pageFromLookahead("keys", fetched, limit, (key) => key.keyId);
    return {
      Keys: page.items.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })),
      NextMarker: page.nextMarker,
      Truncated: page.truncated,
    };
  },
);
