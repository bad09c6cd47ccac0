/**
 * Markers of paginated List* operations. To clients a marker is opaque; inside it is the sort
 * key of the last item returned, tagged with the listing it belongs to, so a marker from
 * another listing (or made up) is an InvalidMarkerException instead of a silent restart.
 * Format: base64url("trent-marker-v1\n" ‖ listing ‖ "\n" ‖ sort key).
 */
import { KmsError } from "./kms-errors.js";

const prefix = "trent-marker-v1";
const base64url = /^[A-Za-z0-9_-]+$/;

export function encodeMarker(listing: string, lastSortKey: string): string {
  return Buffer.from(`${prefix}\n${listing}\n${lastSortKey}`, "utf8").toString("base64url");
}

/** The sort key a marker continues after; InvalidMarkerException if it is not ours. */
export function decodeMarker(listing: string, marker: string): string {
  const text = base64url.test(marker) ? Buffer.from(marker, "base64url").toString("utf8") : "";
  const head = `${prefix}\n${listing}\n`;
  const sortKey = text.startsWith(head) ? text.slice(head.length) : "";
  if (sortKey === "" || sortKey.includes("\n"))
    throw new KmsError(
      "InvalidMarkerException",
      "The marker that specifies where pagination continues is not valid.",
    );
  return sortKey;
}

/** Default and bounds of the Limit member of List* operations. */
export const listLimit = { default: 100 } as const;

export interface PageOf<T> {
  readonly items: T[];
  /** Set when more items follow: the marker of the next page. */
  readonly nextMarker: string | undefined;
}

/**
 * Cuts a page out of `fetched`, which holds up to limit + 1 items (the extra one only tells
 * that the listing goes on).
 */
export function pageOf<T>(
  listing: string,
  fetched: readonly T[],
  limit: number,
  sortKey: (item: T) => string,
): PageOf<T> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  const nextMarker =
    fetched.length > limit && last !== undefined ? encodeMarker(listing, sortKey(last)) : undefined;
  return { items, nextMarker };
}
