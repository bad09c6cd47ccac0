/**
 * Tag rules as AWS KMS applies them (CreateKey Tags, TagResource, UntagResource): checked before
 * anything is written, failures are TagException.
 */
import type { Tag } from "../protocol/types.generated.js";
import type { TagRecord } from "./key.js";

export function tagsFromWire(tags: readonly Tag[] | undefined): TagRecord[] {
  return (tags ?? []).map((t) => ({ key: t.TagKey, value: t.TagValue }));
}

export function tagsToWire(tags: readonly TagRecord[]): Tag[] {
  return tags.map((t) => ({ TagKey: t.key, TagValue: t.value }));
}
