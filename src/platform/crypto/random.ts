/** Randomness and identifiers, handed to operations through the context so tests can pin them. */
import { randomBytes, randomFillSync, randomUUID } from "node:crypto";

import type { Random } from "../../vocabulary/ports.js";

/** Requests up to this size are served from a pool; larger ones go to the CSPRNG directly. */
const pooledMaximum = 64;
const poolSize = 8192;

/**
 * The system CSPRNG, with small requests (IVs, ids) served from a pool refilled 8 KiB at a
 * time: one call into OpenSSL per 8 KiB instead of one per 12-byte IV, which cost about 5% of a
 * symmetric request. Every byte is handed out once; node's randomUUID pools the same way.
 */
export function createSystemRandom(): Random {
  const pool = Buffer.allocUnsafe(poolSize);
  let offset = poolSize;
  return {
    bytes(length) {
      if (length > pooledMaximum) return new Uint8Array(randomBytes(length));
      if (offset + length > poolSize) {
        randomFillSync(pool);
        offset = 0;
      }
      // A copy, so the caller owns bytes no later request can see.
      const out = new Uint8Array(pool.subarray(offset, offset + length));
      pool.fill(0, offset, offset + length);
      offset += length;
      return out;
    },
    uuid: () => randomUUID(),
  };
}

/** Hex string of `length` random bytes (key material ids are 64 hex characters in AWS). */
export function randomHex(random: Random, length: number): string {
  return Buffer.from(random.bytes(length)).toString("hex");
}
