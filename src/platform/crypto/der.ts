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
 * Writers only: untrusted DER is read by der-reader.ts.
 */

/** The universal tags Trent writes and reads (der-reader.ts shares this table). */
export const derTags = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  sequence: 0x30,
} as const;

const tags = derTags;

/** The object identifiers Trent writes and recognises, in dotted form. */
export const oids = {
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  prime256v1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  secp521r1: "1.3.132.0.35",
  secp256k1: "1.3.132.0.10",
  sm2: "1.2.156.10197.1.301",
  mlDsa44: "2.16.840.1.101.3.4.3.17",
  mlDsa65: "2.16.840.1.101.3.4.3.18",
  mlDsa87: "2.16.840.1.101.3.4.3.19",
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

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0x00 when the top bit is set. */
export function unsignedInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const minimal = value.subarray(start);
  return (minimal[0] as number) & 0x80
    ? tlv(tags.integer, Uint8Array.of(0), minimal)
    : tlv(tags.integer, minimal);
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

/** The bytes of `parts` one after another. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
