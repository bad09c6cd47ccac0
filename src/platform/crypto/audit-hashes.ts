/**
 * The hashes and MAC behind the audit trail's digests (platform/audit/digests.ts): SHA-256 of a
 * rotated file's content, a short hash of each of its lines (to name the record that changed),
 * SHA-256 of a digest file (the chain's link), and HMAC-SHA256 signing a digest under Trent's
 * sealed audit digest key. Here because only platform/crypto imports node:crypto.
 */
import { createHash, createHmac, type Hash, timingSafeEqual } from "node:crypto";

/** Bytes kept of each line's SHA-256: enough to tell lines apart, not to protect them. */
export const lineHashBytes = 4;

/** SHA-256 of data arriving in pieces. */
export class Sha256 {
  private readonly hash: Hash = createHash("sha256");

  update(bytes: Uint8Array): this {
    this.hash.update(bytes);
    return this;
  }

  hex(): string {
    return this.hash.digest("hex");
  }
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The first lineHashBytes of the line's SHA-256, written into `out` at `offset`. */
export function writeLineHash(line: Uint8Array, out: Uint8Array, offset: number): void {
  const full = createHash("sha256").update(line).digest();
  out.set(full.subarray(0, lineHashBytes), offset);
}

export function hmacSha256Hex(key: Uint8Array, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

/** Compares two hex MACs in constant time. */
export function sameMac(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(actual, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
