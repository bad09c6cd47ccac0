/**
 * ListGrants: the grants of one key, oldest first, a page at a time, optionally only one grant
 * id or one grantee principal (Limit 1–100, default 50; Marker from the previous NextMarker).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
 */
import { assertWellFormedGrantId, grantListEntry, grantPageLimit } from "../domain/grants.js";
import { resolveKey } from "../domain/key-access.js";
import { decodeMarker, pageOf } from "../domain/list-markers.js";
import { grantListKey } from "../vocabulary/grant-records.js";
import type { ListGrantsRequest, ListGrantsResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

const listing = "ListGrants";

export const listGrants = defineOperation<ListGrantsRequest, ListGrantsResponse>(
  "ListGrants",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "ListGrants", { allowAlias: false });
    if (input.GrantId !== undefined) assertWellFormedGrantId(input.GrantId);
    const limit = Math.min(input.Limit ?? grantPageLimit.default, grantPageLimit.max);
    const after = input.Marker === undefined ? undefined : decodeMarker(listing, input.Marker);
    const fetched = await ctx.services.store.grants.listForKey(key.arn, {
      limit: limit + 1,
      after,
      grantId: input.GrantId,
      granteePrincipal: input.GranteePrincipal,
    });
    const page = pageOf(listing, fetched, limit, grantListKey);
    return {
      Grants: page.items.map(grantListEntry),
      NextMarker: page.nextMarker,
      Truncated: page.nextMarker !== undefined,
    };
  },
);
