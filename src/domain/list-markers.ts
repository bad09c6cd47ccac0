/**
 * The first name of the List* paging helpers, kept for the modules that import it (ListGrants,
 * ListRetirableGrants). The markers and their rules live in paging.ts; this only adapts names.
 */
import { decodeMarker, encodeMarker, pageFromLookahead } from "./paging.js";

export { decodeMarker, encodeMarker };

export interface PageOf<T> {
  readonly items: T[];
  /** Set when more items follow: the marker of the next page. */
  readonly nextMarker: string | undefined;
}

/** A page of a store listing fetched with limit + 1 rows; see pageFromLookahead. */
export function pageOf<T>(
  listing: string,
  fetched: readonly T[],
  limit: number,
  sortKey: (item: T) => string,
): PageOf<T> {
  const { items, nextMarker } = pageFromLookahead(listing, fetched, limit, sortKey);
  return { items, nextMarker };
}
