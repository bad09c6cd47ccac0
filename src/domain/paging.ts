/**
 * Pages of List* operations. A marker is opaque to clients; inside it names the listing it
 * belongs to and where the next page starts, so a marker of another listing (or a made-up one)
 * is an InvalidMarkerException rather than a silent restart.
 * Format: base64url("trent-page-v1\n" ‖ listing ‖ "\n" ‖ position), where position is the sort
 * key of the last item returned (store listings) or the index of the next item (in memory).
 */
import { KmsError } from "../vocabulary/kms-errors.js";

const prefix = "trent-page-v1";
const base64url = /^[A-Za-z0-9_-]+$/;

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow. */
  readonly nextMarker: string | undefined;
  readonly truncated: boolean;
}

export interface PageLimits {
  /** The page size when the request has no Limit. */
  readonly fallback: number;
  /** The largest page AWS returns for this operation, whatever Limit says. */
  readonly max: number;
}

export function pageSize(limit: number | undefined, limits: PageLimits): number {
  return Math.min(limit ?? limits.fallback, limits.max);
}

export function encodeMarker(listing: string, position: string): string {
  return Buffer.from(`${prefix}\n${listing}\n${position}`, "utf8").toString("base64url");
}

function invalidMarker(): KmsError {
  return new KmsError(
    "InvalidMarkerException",
    "The marker that specifies where pagination continues is not valid.",
  );
}

/** The position a marker continues from; InvalidMarkerException if it is not one of ours. */
export function decodeMarker(listing: string, marker: string): string {
  const text = base64url.test(marker) ? Buffer.from(marker, "base64url").toString("utf8") : "";
  const head = `${prefix}\n${listing}\n`;
  const position = text.startsWith(head) ? text.slice(head.length) : "";
  if (position === "" || position.includes("\n")) throw invalidMarker();
  return position;
}

/** A page of a store listing fetched with limit + 1 rows (the extra row only says "more"). */
export function pageFromLookahead<T>(
  listing: string,
  fetched: readonly T[],
  limit: number,
  sortKey: (item: T) => string,
): Page<T> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  const truncated = fetched.length > limit && last !== undefined;
  return {
    items,
    nextMarker: truncated && last !== undefined ? encodeMarker(listing, sortKey(last)) : undefined,
    truncated,
  };
}

/** A page of a short list held in memory (a key's tags, its policy names). */
export function pageInMemory<T>(
  listing: string,
  all: readonly T[],
  limit: number,
  marker: string | undefined,
): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    const position = decodeMarker(listing, marker);
    start = /^\d+$/.test(position) ? Number(position) : Number.NaN;
    if (!Number.isSafeInteger(start) || start > all.length) throw invalidMarker();
  }
  const end = start + limit;
  const truncated = end < all.length;
  return {
    items: all.slice(start, end),
    nextMarker: truncated ? encodeMarker(listing, String(end)) : undefined,
    truncated,
  };
}
