/**
 * Tag rules as AWS KMS applies them (CreateKey Tags, TagResource, UntagResource): checked before
 * anything is written, failures are TagException. Lengths (key 1-128, value 0-256) are model
 * constraints and fail earlier, as ValidationException, in the protocol layer.
 * https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html
 *
 * KMS does not restrict the characters of tag keys and values beyond the model (there is no
 * pattern on TagKeyType or TagValueType), so neither does Trent.
 */

import type { TagRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { Tag } from "../vocabulary/types.generated.js";

/** "Each resource can have up to 50 user-created tags." */
export const maxTagsPerKey = 50;

/** AWS reserves the aws: prefix in any letter case (aws:, AWS:, Aws:). */
const reservedPrefix = "aws:";

export function tagsFromWire(tags: readonly Tag[] | undefined): TagRecord[] {
  return (tags ?? []).map((t) => ({ key: t.TagKey, value: t.TagValue }));
}

export function tagsToWire(tags: readonly TagRecord[]): Tag[] {
  return tags.map((t) => ({ TagKey: t.key, TagValue: t.value }));
}

function isReserved(tagKey: string): boolean {
  return tagKey.toLowerCase().startsWith(reservedPrefix);
}

function reservedTagError(): KmsError {
  return new KmsError("TagException", "Tags beginning with aws: are reserved");
}

/**
 * Checks tags about to be added to a key (CreateKey's Tags, TagResource's Tags). `existing` are
 * the key's current tags: keys present in both replace a value and do not count twice toward
 * the 50-tag quota. The order of checks (duplicates, quota, reserved prefix) follows AWS.
 */
export function validateTags(
  tags: readonly Tag[] | undefined,
  existing: readonly TagRecord[] = [],
): void {
  if (!tags || tags.length === 0) return;
  const keys = new Set(tags.map((t) => t.TagKey));
  if (keys.size < tags.length) throw new KmsError("TagException", "Duplicate tag keys");
  const total = new Set([...existing.map((t) => t.key), ...keys]).size;
  if (total > maxTagsPerKey) throw new KmsError("TagException", "Too many tags");
  if ([...keys].some(isReserved)) throw reservedTagError();
}

/** Checks tag keys about to be removed (UntagResource): AWS's own tags cannot be deleted. */
export function validateTagKeysToRemove(tagKeys: readonly string[]): void {
  if (tagKeys.some(isReserved)) throw reservedTagError();
}
