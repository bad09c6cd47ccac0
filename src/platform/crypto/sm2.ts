/**
 * SM2 public-key encryption (SM2PKE, GB/T 32918.4-2016 §6-7) for SM2 KMS keys in China regions.
 * Node's OpenSSL can generate SM2 keys and do SM2 ECDH and SM3, but publicEncrypt refuses SM2
 * keys, so the scheme is assembled here from those primitives. Every elliptic-curve scalar
 * multiplication runs inside OpenSSL (ECDH); this module only adds SM3, the KDF, XOR and two
 * field computations on public-or-ephemeral values.
 *
 * Ciphertext format (GM/T 0009-2012 §7.2, the DER that `openssl pkeyutl -encrypt` writes for an
 * SM2 key, so ciphertexts interoperate with OpenSSL in both directions):
 *   SEQUENCE { x1 INTEGER, y1 INTEGER, C3 OCTET STRING (32-byte SM3), C2 OCTET STRING }
 * where C1 = (x1, y1) = [k]G, (x2, y2) = [k]P, t = KDF(x2 ‖ y2, |M|), C2 = M ⊕ t and
 * C3 = SM3(x2 ‖ M ‖ y2).
 *
 * Two shortcuts, both exact:
 *  - Encrypting: [k]P = [k·d mod n]G, because P = [d]G and Trent holds d; OpenSSL's ECDH then
 *    yields both coordinates of [k]P (computeSecret would give only x2).
 *  - Decrypting: ECDH gives only x2 of [d]C1; y2 is one of the two square roots of
 *    x2³ + a·x2 + b. Both candidates are tried in full and C3 picks the one that is right.
 */
import { createECDH, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { derTags, octetString, oids, sequence, unsignedInteger } from "./der.js";
import { DerReader, ecPrivateScalar } from "./der-reader.js";

const p = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const a = p - 3n;
const b = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const n = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const coordinateLength = 32;
const hashLength = 32;

function toBytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(coordinateLength * 2, "0"), "hex");
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let x = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * x) % modulus;
    x = (x * x) % modulus;
  }
  return result;
}

function sm3(...parts: Uint8Array[]): Buffer {
  const hash = createHash("sm3");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The KDF of GB/T 32918.4 §5.4.3: SM3(Z ‖ ct) for ct = 1, 2, … (u32 big-endian), truncated. */
function kdf(z: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let ct = 1; blocks.length * hashLength < length; ct++) {
    counter.writeUInt32BE(ct);
    blocks.push(sm3(z, counter));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function xor(data: Uint8Array, mask: Uint8Array): Buffer {
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i]!;
  return out;
}

function allZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}

/**
 * The private scalar d of an SM2 key given as PKCS#8 DER. Parsed here because Node does not map
 * OpenSSL's SM2 key type, so a re-imported SM2 KeyObject exposes neither its curve nor SEC1.
 */
function privateScalar(privateKeyPkcs8: Uint8Array): Buffer {
  const { namedCurve, scalar } = ecPrivateScalar(privateKeyPkcs8);
  if (namedCurve !== oids.sm2) throw new Error("not an SM2 private key");
  const d = toBigInt(scalar);
  if (d < 1n || d >= n) throw new Error("SM2 private scalar out of range");
  return toBytes(d);
}

/** Reads a DER INTEGER holding a field element: 1..33 bytes, non-negative, below p. */
function fieldElement(content: Uint8Array): Buffer {
  if (content.length === 0 || content.length > coordinateLength + 1) throw new Error("bad integer");
  if (content[0]! & 0x80) throw new Error("negative integer");
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80))
    throw new Error("non-minimal integer");
  const value = toBigInt(content);
  if (value >= p) throw new Error("coordinate out of range");
  return toBytes(value);
}

function encode(x1: Buffer, y1: Buffer, c3: Buffer, c2: Buffer): Uint8Array {
  return sequence(unsignedInteger(x1), unsignedInteger(y1), octetString(c3), octetString(c2));
}

/**
 * Encrypts with an explicit ephemeral scalar `k` (1 ≤ k < n); exported for tests only. Returns
 * undefined in the negligible case where the KDF output is all zeros (the caller draws a new k).
 */
export function sm2EncryptWithK(
  privateKeyPkcs8: Uint8Array,
  plaintext: Uint8Array,
  k: bigint,
): Uint8Array | undefined {
  if (k < 1n || k >= n) throw new RangeError("k must be in [1, n-1]");
  const d = toBigInt(privateScalar(privateKeyPkcs8));
  const ephemeral = createECDH("SM2");
  ephemeral.setPrivateKey(toBytes(k));
  const c1 = ephemeral.getPublicKey();
  const shared = createECDH("SM2");
  shared.setPrivateKey(toBytes((k * d) % n));
  const point = shared.getPublicKey();
  const x2 = point.subarray(1, 1 + coordinateLength);
  const y2 = point.subarray(1 + coordinateLength);
  const t = kdf(Buffer.concat([x2, y2]), plaintext.length);
  if (allZero(t)) return undefined;
  const c2 = xor(plaintext, t);
  const c3 = sm3(x2, plaintext, y2);
  return encode(c1.subarray(1, 1 + coordinateLength), c1.subarray(1 + coordinateLength), c3, c2);
}

/** SM2PKE encryption to the key whose private half is `privateKeyPkcs8` (plaintext ≥ 1 byte). */
export function sm2Encrypt(privateKeyPkcs8: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length === 0) throw new RangeError("SM2 plaintext must not be empty");
  for (;;) {
    const k = toBigInt(randomBytes(coordinateLength));
    if (k < 1n || k >= n) continue;
    const ciphertext = sm2EncryptWithK(privateKeyPkcs8, plaintext, k);
    if (ciphertext) return ciphertext;
  }
}

/** Opens one SM2PKE ciphertext; undefined when it is malformed or does not authenticate. */
export function sm2Decrypt(
  privateKeyPkcs8: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  let x1: Buffer;
  let y1: Buffer;
  let c3: Uint8Array;
  let c2: Uint8Array;
  try {
    const outer = new DerReader(ciphertext);
    const body = new DerReader(outer.read(derTags.sequence));
    if (!outer.done) return undefined;
    x1 = fieldElement(body.read(derTags.integer));
    y1 = fieldElement(body.read(derTags.integer));
    c3 = body.read(derTags.octetString);
    c2 = body.read(derTags.octetString);
    if (!body.done || c3.length !== hashLength || c2.length === 0) return undefined;
  } catch {
    return undefined;
  }
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(privateScalar(privateKeyPkcs8));
  let x2: Buffer;
  try {
    // computeSecret rejects C1 unless it is a point on the curve (GB/T 32918.4 §7.1 B1).
    x2 = ecdh.computeSecret(Buffer.concat([Buffer.of(0x04), x1, y1]));
  } catch {
    return undefined;
  }
  const x = toBigInt(x2);
  const root = modPow((x * x * x + a * x + b) % p, (p + 1n) / 4n, p);
  let found: Buffer | undefined;
  // Both roots are tried in full, so the time taken does not depend on which one is y2.
  for (const y of [root, (p - root) % p]) {
    const y2 = toBytes(y);
    const t = kdf(Buffer.concat([x2, y2]), c2.length);
    const message = xor(c2, t);
    const valid = !allZero(t) && timingSafeEqual(sm3(x2, message, y2), c3);
    if (valid) found = message;
  }
  return found === undefined ? undefined : new Uint8Array(found);
}
