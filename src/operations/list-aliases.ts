/**
 * ListAliases: the aliases of the caller's account and Region, ordered by name, optionally only
 * those of one key. Trent has no AWS managed keys, so it lists no alias/aws/ aliases.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
 */
import { toAliasListEntry } from "../domain/aliases.js";
import { resolveKey } from "../domain/key-access.js";
import { decodeMarker, pageFromLookahead, pageSize } from "../domain/paging.js";
import type { ListAliasesRequest, ListAliasesResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** "between 1 and 100, inclusive. If you do not include a value, it defaults to 50." */
const limits = { fallback: 50, max: 100 };

export const listAliases = defineOperation<ListAliasesRequest, ListAliasesResponse>(
  "ListAliases",
  async (input, ctx) => {
    const limit = pageSize(input.Limit, limits);
    const after = input.Marker === undefined ? undefined : decodeMarker("aliases", input.Marker);
    const targetKeyId =
      input.KeyId === undefined
        ? undefined
        : (await resolveKey(ctx, input.KeyId, "ListAliases", { allowAlias: false })).keyId;
    const { accountId, region } = ctx.caller;
    const fetched = await ctx.services.store.aliases.list(accountId, region, {
      limit: limit + 1,
      after,
      targetKeyId,
    });
    const page = pageFromLookahead("aliases", fetched, limit, (alias) => alias.aliasName);
    return {
      Aliases: page.items.map(toAliasListEntry),
      NextMarker: page.nextMarker,
      Truncated: page.truncated,
    };
  },
);
