/**
 * The sealed format: how a root key seals secrets (key material, XKS proxy credentials, the
 * grant-token and import keys, root-key check values) before the store sees them, and opens them
 * again. Every root key source (a raw key here in memory, a key inside a PKCS#11 token) writes
 * the same bytes, so a sealed blob does not say which kind of key sealed it; the row beside it
 * records the root key version instead.
 *
 * Sealed format, version 1 (all integers big-endian):
 *   offset  size  field
 *   0       1     format version = 0x01
 *   1       12    IV (random per seal, chosen by Trent even when a token computes the GCM)
 *   13      n     AES-256-GCM ciphertext
 *   13+n    16    GCM tag
 * The AAD names what the blob is, so a blob copied onto another row fails to open:
 *   key material:   "trent-key-material-v1" ‖ u16 len ‖ key ARN ‖ u16 len ‖ material id
 *   sealed secret:  "trent-sealed-secret-v1" ‖ u16 len ‖ name
 *   check value:    "trent-root-key-check-v1" ‖ u32 root key version
 */
import { randomBytes } from "node:crypto";

const version = 0x01;
export const sealIvLength = 12;
export const sealTagLength = 16;

/** AES-256-GCM under one root key, wherever that key lives. */
export interface GcmCipher {
  /** The ciphertext followed by the 16-byte tag. */
  encrypt(iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws when the tag does not verify (wrong key, wrong AAD, altered bytes). */
  decrypt(iv: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array;
}

export class SealedFormatError extends Error {}

export function sealWith(cipher: GcmCipher, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(sealIvLength);
  const body = cipher.encrypt(iv, plaintext, aad);
  const sealed = new Uint8Array(1 + sealIvLength + body.length);
  sealed[0] = version;
  sealed.set(iv, 1);
  sealed.set(body, 1 + sealIvLength);
  return sealed;
}

export function openWith(cipher: GcmCipher, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < 1 + sealIvLength + sealTagLength || sealed[0] !== version)
    throw new SealedFormatError("sealed data has an unknown format");
  return cipher.decrypt(
    sealed.subarray(1, 1 + sealIvLength),
    sealed.subarray(1 + sealIvLength),
    aad,
  );
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

export function keyMaterialAad(keyArn: string, materialId: string): Uint8Array {
  return Buffer.concat([
    Buffer.from("trent-key-material-v1", "utf8"),
    lengthPrefixed(keyArn),
    lengthPrefixed(materialId),
  ]);
}

export function sealedSecretAad(name: string): Uint8Array {
  return Buffer.concat([Buffer.from("trent-sealed-secret-v1", "utf8"), lengthPrefixed(name)]);
}

export function checkValueAad(rootKeyVersion: number): Uint8Array {
  const number = Buffer.alloc(4);
  number.writeUInt32BE(rootKeyVersion);
  return Buffer.concat([Buffer.from("trent-root-key-check-v1", "utf8"), number]);
}

/** What a check value seals: fixed, so opening it proves only that the key is the right one. */
export const checkValuePlaintext: Uint8Array = new TextEncoder().encode("trent root key check");
