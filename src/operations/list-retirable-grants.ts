/**
 * ListRetirableGrants: the grants in the caller's Region, on keys of any account, whose
 * retiring principal is the given principal, which must belong to the caller's account.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html
 */
import { grantListEntry, grantPageLimit, principalAccount } from "../domain/grants.js";
import { decodeMarker, pageOf } from "../domain/list-markers.js";
import { accessDeniedError } from "../domain/policy/authorize.js";
import { grantListKey } from "../vocabulary/grant-records.js";
import type {
  ListGrantsResponse,
  ListRetirableGrantsRequest,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

const listing = "ListRetirableGrants";

export const listRetirableGrants = defineOperation<ListRetirableGrantsRequest, ListGrantsResponse>(
  "ListRetirableGrants",
  async (input, ctx) => {
    // The resource this operation authorizes is the retiring principal: a caller may list the
    // grants retirable by principals of its own account only.
    if (principalAccount(input.RetiringPrincipal) !== ctx.caller.accountId)
      throw accessDeniedError(
        ctx,
        "kms:ListRetirableGrants",
        input.RetiringPrincipal,
        "noIdentityAllow",
      );
    const limit = Math.min(input.Limit ?? grantPageLimit.default, grantPageLimit.max);
    const after = input.Marker === undefined ? undefined : decodeMarker(listing, input.Marker);
    const fetched = await ctx.services.store.grants.listRetirable(
      input.RetiringPrincipal,
      ctx.caller.region,
      { limit: limit + 1, after },
    );
    const page = pageOf(listing, fetched, limit, grantListKey);
    return {
      Grants: page.items.map(grantListEntry),
      NextMarker: page.nextMarker,
      Truncated: page.nextMarker !== undefined,
    };
  },
);
