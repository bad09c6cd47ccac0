/**
 * HMAC (RFC 2104) for GENERATE_VERIFY_MAC keys: HMAC_SHA_224/256/384/512 with the key's raw
 * material, as KMS computes it (https://docs.aws.amazon.com/kms/latest/developerguide/hmac.html).
 * The key is the material itself, whatever its length; HMAC hashes it first when it is longer
 * than the hash's block.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { MacAlgorithmSpec } from "../../vocabulary/types.generated.js";

const hashes: Record<MacAlgorithmSpec, string> = {
  HMAC_SHA_224: "sha224",
  HMAC_SHA_256: "sha256",
  HMAC_SHA_384: "sha384",
  HMAC_SHA_512: "sha512",
};

export function generateMac(
  algorithm: MacAlgorithmSpec,
  key: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  return new Uint8Array(createHmac(hashes[algorithm], key).update(message).digest());
}

/** Whether `mac` is the HMAC of the message, compared in constant time. */
export function verifyMac(
  algorithm: MacAlgorithmSpec,
  key: Uint8Array,
  message: Uint8Array,
  mac: Uint8Array,
): boolean {
  const expected = generateMac(algorithm, key, message);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}
