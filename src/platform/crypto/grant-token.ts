/**
 * Grant tokens: unforgeable bearer references to a grant. A token is minted by CreateGrant and
 * proves, by its MAC under Trent's grant-token key (kept sealed in the store), that this Trent
 * issued it. AWS hands out a different token on every CreateGrant call, even a retry that
 * returns an existing grant, so each token carries a random nonce; all tokens of one grant name
 * the same grant id.
 *
 * Token, version 2, before base64url encoding:
 *   offset  size  field
 *   0       1     version = 0x02
 *   1       32    grant id (raw bytes; the GrantId on the wire is their 64-char hex)
 *   33      16    nonce (random)
 *   49      32    HMAC-SHA256(token key, bytes 0..49)
 * Version 1 (no nonce: version ‖ grant id ‖ MAC over bytes 0..33) is still accepted.
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const grantIdLength = 32;
const nonceLength = 16;
const macLength = 32;
/** Body length (everything the MAC covers) of each token version. */
const bodyLengths: Readonly<Record<number, number>> = {
  1: 1 + grantIdLength,
  2: 1 + grantIdLength + nonceLength,
};
const currentVersion = 0x02;

/** Derives the grant-token MAC key from the root key (domain-separated with HKDF). */
export function deriveGrantTokenKey(rootKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", rootKey, Buffer.alloc(0), "trent-grant-token-v1", 32));
}

function mac(tokenKey: Uint8Array, body: Uint8Array): Buffer {
  return createHmac("sha256", tokenKey).update(body).digest();
}

/** Mints a token for the grant; `nonce` (16 random bytes) makes each token distinct. */
export function mintGrantToken(
  tokenKey: Uint8Array,
  grantIdHex: string,
  nonce: Uint8Array,
): string {
  const id = Buffer.from(grantIdHex, "hex");
  if (id.length !== grantIdLength || id.toString("hex") !== grantIdHex.toLowerCase())
    throw new Error("grant id must be 32 bytes of hex");
  if (nonce.length !== nonceLength) throw new Error(`nonce must be ${nonceLength} bytes`);
  const body = Buffer.concat([Buffer.of(currentVersion), id, nonce]);
  return Buffer.concat([body, mac(tokenKey, body)]).toString("base64url");
}

/** The grant id a token names, or undefined when the token is malformed or forged. */
export function verifyGrantToken(tokenKey: Uint8Array, token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, "base64url");
  const bodyLength = bodyLengths[bytes[0] ?? -1];
  if (bodyLength === undefined || bytes.length !== bodyLength + macLength) return undefined;
  const body = bytes.subarray(0, bodyLength);
  if (!timingSafeEqual(mac(tokenKey, body), bytes.subarray(bodyLength))) return undefined;
  return body.subarray(1, 1 + grantIdLength).toString("hex");
}
