/**
 * SM2DSA, the SM2 digital signature algorithm (GB/T 32918.2-2016 §6-7), for SM2 SIGN_VERIFY keys
 * in China regions. OpenSSL has SM2 signatures, but Node signs with an SM2 key as if it were
 * plain ECDSA on the SM2 curve, so the scheme is assembled here: SM3 from OpenSSL, the curve
 * arithmetic from @noble/curves (the only scalar multiplication by a secret, [k]G, runs in its
 * constant-time ladder).
 *
 * The message representative, as AWS documents for SM2 keys ("Offline verification with SM2 key
 * pairs", https://docs.aws.amazon.com/kms/latest/developerguide/offline-operations.html):
 *   RAW     e = SM3(Z ‖ M), Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) with the default
 *           distinguishing ID "1234567812345678" (ENTL = its length in bits, 2 bytes)
 *   DIGEST  e = the 32 bytes the caller sent, which they computed as SM3(Z ‖ M) with an ID of
 *           their choosing
 * Signatures are DER SEQUENCE { r INTEGER, s INTEGER } (GM/T 0009-2012), what
 * `openssl dgst -sm3 -sigopt distid:1234567812345678 -verify` accepts.
 */
import { createHash, randomBytes } from "node:crypto";
import { weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { oids, sequence, tlv } from "./der.js";
import { DerError, decodeSignaturePair, ecPrivateScalar } from "./der-reader.js";

/** The distinguishing ID KMS uses for every RAW SM2DSA signature. */
export const defaultDistinguishingId = "1234567812345678";

const p = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const curve = {
  p,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: p - 3n,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
} as const;
const Point = weierstrass(curve);
const Fn = Point.Fn;
const coordinateLength = 32;

function toBytes(value: bigint): Uint8Array {
  return Buffer.from(value.toString(16).padStart(coordinateLength * 2, "0"), "hex");
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function sm3(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sm3");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The uncompressed public point of an SM2 SubjectPublicKeyInfo's key bytes. */
function publicPoint(publicKey: Uint8Array) {
  const point = Point.fromBytes(publicKey);
  point.assertValidity();
  return point;
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), GB/T 32918.2 §5.5. */
function identityHash(publicKey: Uint8Array, distinguishingId: string): Uint8Array {
  const id = Buffer.from(distinguishingId, "utf8");
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  const { x, y } = publicPoint(publicKey).toAffine();
  return sm3(
    entl,
    id,
    toBytes(curve.a),
    toBytes(curve.b),
    toBytes(curve.Gx),
    toBytes(curve.Gy),
    toBytes(x),
    toBytes(y),
  );
}

/**
 * The message representative e of a RAW message (SM3(Z ‖ M) with the default ID) or of a
 * DIGEST (the caller's 32 bytes, used as they are).
 */
export function sm2MessageDigest(
  publicKey: Uint8Array,
  message: Uint8Array,
  messageType: "RAW" | "DIGEST",
): Uint8Array {
  if (messageType === "DIGEST") return message;
  return sm3(identityHash(publicKey, defaultDistinguishingId), message);
}

/** A positive DER INTEGER: minimal big-endian bytes, with a 0x00 when the top bit is set. */
function derInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return tlv(0x02, Buffer.from(hex, "hex"));
}

function randomScalar(): bigint {
  for (;;) {
    const k = toBigInt(randomBytes(coordinateLength));
    if (k >= 1n && k < curve.n) return k;
  }
}

/**
 * Signs with the SM2 key whose private half is `privateKeyPkcs8` and whose public half (for Z)
 * is `publicKey`, the uncompressed point from its SubjectPublicKeyInfo.
 */
export function sm2Sign(
  privateKeyPkcs8: Uint8Array,
  publicKey: Uint8Array,
  message: Uint8Array,
  messageType: "RAW" | "DIGEST",
): Uint8Array {
  const { namedCurve, scalar } = ecPrivateScalar(privateKeyPkcs8);
  if (namedCurve !== oids.sm2) throw new DerError("not an SM2 private key");
  const d = toBigInt(scalar);
  // GB/T 32918.1 §6.1 keeps d in [1, n-2] so that 1 + d is invertible.
  if (d < 1n || d > curve.n - 2n) throw new RangeError("SM2 private scalar out of range");
  const e = toBigInt(sm2MessageDigest(publicKey, message, messageType));
  const inverse = Fn.inv(1n + d);
  for (;;) {
    const k = randomScalar();
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = Fn.create(e + x1);
    if (r === 0n || r + k === curve.n) continue;
    const s = Fn.mul(inverse, Fn.sub(k, Fn.mul(r, d)));
    if (s === 0n) continue;
    return sequence(derInteger(r), derInteger(s));
  }
}

/** Whether `signature` is a valid SM2DSA signature of the message under `publicKey`. */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  messageType: "RAW" | "DIGEST",
  signature: Uint8Array,
): boolean {
  let r: bigint;
  let s: bigint;
  try {
    ({ r, s } = decodeSignaturePair(signature));
  } catch (error) {
    if (error instanceof DerError) return false;
    throw error;
  }
  if (r < 1n || r >= curve.n || s < 1n || s >= curve.n) return false;
  const t = Fn.create(r + s);
  if (t === 0n) return false;
  const e = toBigInt(sm2MessageDigest(publicKey, message, messageType));
  const sum = Point.BASE.multiply(s).add(publicPoint(publicKey).multiply(t));
  if (sum.is0()) return false;
  return Fn.create(e + sum.toAffine().x) === r;
}
