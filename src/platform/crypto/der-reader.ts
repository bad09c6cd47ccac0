/**
 * A strict reader for the few DER (ITU-T X.690) structures the signing and key agreement code
 * must take apart: SubjectPublicKeyInfo (RFC 5280 §4.1), elliptic-curve and Ed25519 PKCS#8
 * PrivateKeyInfo (RFC 5958, RFC 5915, RFC 8410) and the SEQUENCE { r, s } of ECDSA and SM2
 * signatures (RFC 3279 §2.2.3). Peer public keys and signatures come from callers, so anything
 * that is not canonical DER (indefinite or non-minimal lengths, non-minimal or negative integers,
 * trailing bytes) is refused with DerError rather than guessed at.
 */

import { oids, derTags as tags } from "./der.js";

export class DerError extends Error {}

/** Reads consecutive TLVs from one byte range; each read checks the tag it expects. */
export class DerReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset === this.bytes.length;
  }

  peekTag(): number | undefined {
    return this.bytes[this.offset];
  }

  read(tag: number): Uint8Array {
    const bytes = this.bytes;
    if (bytes[this.offset] !== tag) throw new DerError("unexpected DER tag");
    const first = bytes[this.offset + 1];
    if (first === undefined) throw new DerError("truncated DER");
    let length = first;
    let start = this.offset + 2;
    if (first & 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 3) throw new DerError("unsupported DER length");
      if (bytes[start] === 0) throw new DerError("non-minimal DER length");
      length = 0;
      for (let i = 0; i < count; i++) {
        const byte = bytes[start + i];
        if (byte === undefined) throw new DerError("truncated DER");
        length = length * 256 + byte;
      }
      if (length < 0x80) throw new DerError("non-minimal DER length");
      start += count;
    }
    if (start + length > bytes.length) throw new DerError("truncated DER");
    this.offset = start + length;
    return bytes.subarray(start, start + length);
  }

  end(): void {
    if (!this.done) throw new DerError("trailing DER bytes");
  }
}

/** The whole input must be exactly one TLV of `tag`; returns its content. */
function only(bytes: Uint8Array, tag: number): Uint8Array {
  const reader = new DerReader(bytes);
  const content = reader.read(tag);
  reader.end();
  return content;
}

function decodeObjectIdentifier(content: Uint8Array): string {
  if (content.length === 0) throw new DerError("empty OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError("non-minimal OID arc");
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError("OID arc too large");
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) throw new DerError("truncated OID arc");
  }
  const [head, ...rest] = arcs as [number, ...number[]];
  const first = head < 80 ? Math.floor(head / 40) : 2;
  return [first, head - first * 40, ...rest].join(".");
}

/** A non-negative INTEGER in minimal two's complement form, as unsigned big-endian bytes. */
function unsignedInteger(content: Uint8Array): Uint8Array {
  if (content.length === 0) throw new DerError("empty INTEGER");
  if (content[0]! & 0x80) throw new DerError("negative INTEGER");
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80))
    throw new DerError("non-minimal INTEGER");
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

export interface SubjectPublicKeyInfo {
  /** Dotted OID of the key's algorithm, e.g. 1.2.840.10045.2.1 (id-ecPublicKey). */
  readonly algorithm: string;
  /** Dotted OID of the algorithm parameters when they are one (an EC named curve). */
  readonly namedCurve: string | undefined;
  /** The subjectPublicKey BIT STRING's bytes (it must have no unused bits). */
  readonly publicKey: Uint8Array;
}

/**
 * SubjectPublicKeyInfo ::= SEQUENCE {
 *   algorithm SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL },
 *   subjectPublicKey BIT STRING }
 */
export function parseSubjectPublicKeyInfo(der: Uint8Array): SubjectPublicKeyInfo {
  const info = new DerReader(only(der, tags.sequence));
  const algorithmIdentifier = new DerReader(info.read(tags.sequence));
  const algorithm = decodeObjectIdentifier(algorithmIdentifier.read(tags.objectIdentifier));
  let namedCurve: string | undefined;
  if (algorithmIdentifier.peekTag() === tags.objectIdentifier)
    namedCurve = decodeObjectIdentifier(algorithmIdentifier.read(tags.objectIdentifier));
  else if (!algorithmIdentifier.done) algorithmIdentifier.read(algorithmIdentifier.peekTag()!);
  algorithmIdentifier.end();
  const bits = info.read(tags.bitString);
  info.end();
  if (bits[0] !== 0) throw new DerError("BIT STRING with unused bits");
  return { algorithm, namedCurve, publicKey: bits.subarray(1) };
}

interface PrivateKeyInfo {
  readonly algorithm: string;
  readonly namedCurve: string | undefined;
  readonly privateKey: Uint8Array;
}

/**
 * PrivateKeyInfo ::= SEQUENCE { version INTEGER (0 or 1), privateKeyAlgorithm
 *   AlgorithmIdentifier, privateKey OCTET STRING, ... } (attributes and the v2 public key are
 * skipped: the private key alone is what signing needs).
 */
export function parsePrivateKeyInfo(der: Uint8Array): PrivateKeyInfo {
  const info = new DerReader(only(der, tags.sequence));
  const version = unsignedInteger(info.read(tags.integer));
  if (version.length !== 1 || version[0]! > 1) throw new DerError("unknown PKCS#8 version");
  const algorithmIdentifier = new DerReader(info.read(tags.sequence));
  const algorithm = decodeObjectIdentifier(algorithmIdentifier.read(tags.objectIdentifier));
  const namedCurve =
    algorithmIdentifier.peekTag() === tags.objectIdentifier
      ? decodeObjectIdentifier(algorithmIdentifier.read(tags.objectIdentifier))
      : undefined;
  return { algorithm, namedCurve, privateKey: info.read(tags.octetString) };
}

/**
 * The private scalar d of an elliptic-curve PKCS#8 key and its curve's OID. The inner
 * ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING, ... } (RFC 5915).
 */
export function ecPrivateScalar(pkcs8: Uint8Array): { namedCurve: string; scalar: Uint8Array } {
  const info = parsePrivateKeyInfo(pkcs8);
  if (info.algorithm !== oids.ecPublicKey || info.namedCurve === undefined)
    throw new DerError("not an elliptic-curve private key");
  const ecPrivateKey = new DerReader(only(info.privateKey, tags.sequence));
  const version = unsignedInteger(ecPrivateKey.read(tags.integer));
  if (version.length !== 1 || version[0] !== 1) throw new DerError("unknown ECPrivateKey version");
  return { namedCurve: info.namedCurve, scalar: ecPrivateKey.read(tags.octetString) };
}

/** The 32-byte seed of an Ed25519 PKCS#8 key: CurvePrivateKey ::= OCTET STRING (RFC 8410 §7). */
export function ed25519Seed(pkcs8: Uint8Array): Uint8Array {
  const info = parsePrivateKeyInfo(pkcs8);
  if (info.algorithm !== oids.ed25519) throw new DerError("not an Ed25519 private key");
  const seed = only(info.privateKey, tags.octetString);
  if (seed.length !== 32) throw new DerError("Ed25519 seed must be 32 bytes");
  return seed;
}

/** r and s of a DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }. */
export function decodeSignaturePair(der: Uint8Array): { r: bigint; s: bigint } {
  const pair = new DerReader(only(der, tags.sequence));
  const r = toBigInt(unsignedInteger(pair.read(tags.integer)));
  const s = toBigInt(unsignedInteger(pair.read(tags.integer)));
  pair.end();
  return { r, s };
}
