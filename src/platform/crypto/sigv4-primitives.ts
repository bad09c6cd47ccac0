/**
 * The hash and MAC primitives SigV4 verification needs (src/auth/sigv4.ts owns the algorithm).
 * They live here because only src/crypto imports node:crypto.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/**
 * Compares two byte strings in time independent of where they differ, so a client probing
 * signatures learns nothing from response times. Lengths are not secret (a SigV4 signature is
 * always 64 hex characters), so unequal lengths return false at once.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
