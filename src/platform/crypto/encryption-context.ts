/**
 * The canonical byte form of an encryption context, bound as AAD to every symmetric ciphertext.
 *
 * Layout, version 1 (integers big-endian):
 *   u32 number of pairs
 *   then for each pair, sorted by key (byte order of the UTF-8 key):
 *     u32 key length ‖ key (UTF-8) ‖ u32 value length ‖ value (UTF-8)
 * Length prefixes make it unambiguous: {"ab":"c"} and {"a":"bc"} differ. Keys and values are
 * compared byte for byte, so case matters; the order the client sent pairs in does not. An absent
 * context and an empty one have the same form (AWS treats them alike). Strings must be well-formed
 * UTF-16 (the domain rejects lone surrogates), because UTF-8 encoding would map every lone
 * surrogate to U+FFFD and make two different contexts equal.
 */
export function canonicalEncryptionContext(
  context: Readonly<Record<string, string>> | undefined,
): Uint8Array {
  const entries = Object.entries(context ?? {}).map(
    ([key, value]) => [Buffer.from(key, "utf8"), Buffer.from(value, "utf8")] as const,
  );
  entries.sort(([a], [b]) => Buffer.compare(a, b));
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [key, value] of entries) {
    const keyLength = Buffer.alloc(4);
    keyLength.writeUInt32BE(key.length);
    const valueLength = Buffer.alloc(4);
    valueLength.writeUInt32BE(value.length);
    parts.push(keyLength, key, valueLength, value);
  }
  return new Uint8Array(Buffer.concat(parts));
}
