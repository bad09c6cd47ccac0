/**
 * DescribeCustomKeyStores: the caller's custom key stores in this Region, in id order, a page at
 * a time; or the one named by CustomKeyStoreId or CustomKeyStoreName (not both). Entries show
 * the XKS proxy's access key id, never its secret.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeCustomKeyStores.html
 */
import {
  customKeyStoreEntry,
  customKeyStoreNotFound,
  loadCustomKeyStore,
} from "../domain/custom-key-stores.js";
import { decodeMarker, pageFromLookahead, pageSize } from "../domain/paging.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  DescribeCustomKeyStoresRequest,
  DescribeCustomKeyStoresResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** Limit is 1–1000; Trent pages like ListKeys when the request has none. */
const limits = { fallback: 100, max: 1000 };

export const describeCustomKeyStores = defineOperation<
  DescribeCustomKeyStoresRequest,
  DescribeCustomKeyStoresResponse
>("DescribeCustomKeyStores", async (input, ctx) => {
  const { accountId, region } = ctx.caller;
  const { store } = ctx.services;
  if (input.CustomKeyStoreId !== undefined && input.CustomKeyStoreName !== undefined)
    throw new KmsError(
      "ValidationException",
      "You cannot specify both CustomKeyStoreId and CustomKeyStoreName in the same request.",
    );
  if (input.CustomKeyStoreId !== undefined) {
    const found = await loadCustomKeyStore(ctx, store, input.CustomKeyStoreId);
    return { CustomKeyStores: [customKeyStoreEntry(found)], Truncated: false };
  }
  if (input.CustomKeyStoreName !== undefined) {
    const found = await store.customKeyStores.findByName(
      accountId,
      region,
      input.CustomKeyStoreName,
    );
    if (!found) throw customKeyStoreNotFound(input.CustomKeyStoreName);
    return { CustomKeyStores: [customKeyStoreEntry(found)], Truncated: false };
  }
  const limit = pageSize(input.Limit, limits);
  const after =
    input.Marker === undefined ? undefined : decodeMarker("custom-key-stores", input.Marker);
  const fetched = await store.customKeyStores.list(accountId, region, { limit: limit + 1, after });
  const page = pageFromLookahead("custom-key-stores", fetched, limit, (entry) => entry.id);
  return {
    CustomKeyStores: page.items.map(customKeyStoreEntry),
    NextMarker: page.nextMarker,
    Truncated: page.truncated,
  };
});
