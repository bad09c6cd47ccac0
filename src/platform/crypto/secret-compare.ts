/**
 * Compares a presented secret (a bearer token) with the configured one in time that depends on
 * neither where they differ nor their lengths: both are hashed first, so the comparison always
 * runs over 32 bytes.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
