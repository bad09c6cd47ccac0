/**
 * A minimal DER (ITU-T X.690 Distinguished Encoding Rules) writer: just what Trent needs to
 * build SubjectPublicKeyInfo (RFC 5280) and PKCS#8 PrivateKeyInfo (RFC 5958) structures for
 * elliptic-curve data key pairs without a round trip through OpenSSL's encoder, which costs
 * several times more than generating the key (see data-key-pairs.ts).
 *
 * Every value is a TLV: one tag byte, the length, the content.
 *   tag     0x02 INTEGER, 0x03 BIT STRING, 0x04 OCTET STRING, 0x06 OBJECT IDENTIFIER,
 *           0x30 SEQUENCE, 0xa0 + n context-specific constructed [n] (EXPLICIT tagging)
 *   length  < 128: one byte holding it (short form); otherwise 0x80 | k, then the length in k
 *           big-endian bytes (long form), k as small as possible, as DER requires.
 * Writers only: Trent never parses untrusted DER here.
 */

const tags = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  sequence: 0x30,
} as const;

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV whose content is the concatenation of `parts`. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let contentLength = 0;
  for (const part of parts) contentLength += part.length;
  const header = lengthBytes(contentLength);
  const out = new Uint8Array(1 + header.length + contentLength);
  out[0] = tag;
  out.set(header, 1);
  let offset = 1 + header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function sequence(...parts: readonly Uint8Array[]): Uint8Array {
  return tlv(tags.sequence, ...parts);
}

/** A context-specific constructed [n] wrapping `parts` (EXPLICIT tagging). */
export function explicit(n: number, ...parts: readonly Uint8Array[]): Uint8Array {
  return tlv(0xa0 + n, ...parts);
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(tags.octetString, bytes);
}

/** A BIT STRING of whole bytes: the first content byte says 0 bits are unused. */
export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(tags.bitString, Uint8Array.of(0), bytes);
}

/** A small non-negative INTEGER (versions): one content byte suffices below 128. */
export function smallInteger(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7f)
    throw new RangeError(`smallInteger takes 0..127, got ${value}`);
  return tlv(tags.integer, Uint8Array.of(value));
}

/**
 * An OBJECT IDENTIFIER from its dotted form: the first two arcs share one byte (40·a + b), every
 * arc is base-128 big-endian with the high bit set on all bytes but its last.
 */
export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((arc) => {
    const n = Number(arc);
    if (!/^\d+$/.test(arc) || !Number.isSafeInteger(n)) throw new RangeError(`bad OID ${dotted}`);
    return n;
  });
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`);
  const [first, second, ...rest] = arcs as [number, number, ...number[]];
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      base128.unshift(0x80 | (v % 128));
    bytes.push(...base128);
  }
  return tlv(tags.objectIdentifier, Uint8Array.from(bytes));
}
