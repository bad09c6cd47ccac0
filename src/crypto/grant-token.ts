/**
 * Grant tokens: unforgeable bearer references to a grant. A token is minted by CreateGrant and
 * proves, by its MAC under a key derived from the root key, that this Trent issued it.
 *
 * Token, version 1, before base64url encoding:
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       32    grant id (raw bytes; the GrantId on the wire is their 64-char hex)
 *   33      32    HMAC-SHA256(token key, bytes 0..33)
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const version = 0x01;
const grantIdLength = 32;
const macLength = 32;

/** Derives the grant-token MAC key from the root key (domain-separated with HKDF). */
export function deriveGrantTokenKey(rootKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", rootKey, Buffer.alloc(0), "trent-grant-token-v1", 32));
}

function mac(tokenKey: Uint8Array, body: Uint8Array): Buffer {
  return createHmac("sha256", tokenKey).update(body).digest();
}

export function mintGrantToken(tokenKey: Uint8Array, grantIdHex: string): string {
  const id = Buffer.from(grantIdHex, "hex");
  if (id.length !== grantIdLength) throw new Error("grant id must be 32 bytes of hex");
  const body = Buffer.concat([Buffer.of(version), id]);
  return Buffer.concat([body, mac(tokenKey, body)]).toString("base64url");
}

/** The grant id a token names, or undefined when the token is malformed or forged. */
export function verifyGrantToken(tokenKey: Uint8Array, token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length !== 1 + grantIdLength + macLength || bytes[0] !== version) return undefined;
  const body = bytes.subarray(0, 1 + grantIdLength);
  if (!timingSafeEqual(mac(tokenKey, body), bytes.subarray(1 + grantIdLength))) return undefined;
  return body.subarray(1).toString("hex");
}
