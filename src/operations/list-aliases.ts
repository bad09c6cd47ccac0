/**
 * ListAliases: the aliases of the caller's account and Region, ordered by name, optionally only
 * those of one key. The predefined AWS aliases (alias/aws/s3, ...) are listed too, without a
 * TargetKeyId until their AWS managed key exists (aws-managed-keys.ts).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
 */
import { aliasListing } from "../domain/aliases.js";
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
    const fetched = await aliasListing(ctx, { limit, after, targetKeyId });
    const page = pageFromLookahead("aliases", fetched, limit, (alias) => alias.AliasName ?? "");
    return {
      Aliases: page.items,
      NextMarker: page.nextMarker,
      Truncated: page.truncated,
    };
  },
);
