/**
 * GenerateMac and VerifyMac's rules: an HMAC key (GENERATE_VERIFY_MAC) and the one MAC
 * algorithm of its key spec, computed with the key's current material.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html
 */
import { generateMac, verifyMac } from "../platform/crypto/macs.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import type { MacAlgorithmSpec } from "../vocabulary/types.generated.js";
import { currentMaterial } from "./envelope.js";
import { keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";
import { incompatibleAlgorithm } from "./signing.js";

/** The MAC algorithm against the key spec (key access has checked the key usage). */
export function checkMac(key: KeyRecord, algorithm: MacAlgorithmSpec): void {
  if (!keySpecs[key.keySpec].macAlgorithms?.includes(algorithm))
    throw incompatibleAlgorithm(algorithm, key.keySpec);
}

export async function macWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: MacAlgorithmSpec,
  message: Uint8Array,
): Promise<Uint8Array> {
  const { material } = await currentMaterial(ctx, key);
  return generateMac(algorithm, material, message);
}

/** Throws KMSInvalidMacException, which AWS sends without a message, unless `mac` matches. */
export async function verifyMacWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: MacAlgorithmSpec,
  message: Uint8Array,
  mac: Uint8Array,
): Promise<void> {
  const { material } = await currentMaterial(ctx, key);
  if (!verifyMac(algorithm, material, message, mac)) throw messagelessError("macDoesNotVerify");
}
