/**
 * DeriveSharedSecret's rules: a KEY_AGREEMENT key (ECC_NIST_P256/P384/P521, or SM2 in China
 * regions), the ECDH algorithm, and a peer public key on the same curve given as DER
 * SubjectPublicKeyInfo. https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html
 */
import { deriveSharedSecret, peerPublicPoint } from "../platform/crypto/key-agreement.js";
import type { AsymmetricKeySpec } from "../platform/crypto/key-parameters.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import type { KeyAgreementAlgorithmSpec } from "../vocabulary/types.generated.js";
import { asymmetricKeyPair } from "./asymmetric-keys.js";
import { keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";
import { incompatibleAlgorithm } from "./signing.js";

/** Only elliptic-curve specs list ECDH in the key spec table, which checkKeyAgreement reads. */
function curveSpecOf(key: KeyRecord): AsymmetricKeySpec {
  return key.keySpec as AsymmetricKeySpec;
}

/**
 * Every check before the agreement itself, in AWS's order; returns the peer's point. A PublicKey
 * that is not an elliptic-curve SubjectPublicKeyInfo on the key's curve is a ValidationException
 * without a message, as AWS answers it (its message names neither the key nor the curve).
 */
export function checkKeyAgreement(
  key: KeyRecord,
  algorithm: KeyAgreementAlgorithmSpec,
  peerPublicKey: Uint8Array,
): Uint8Array {
  if (!keySpecs[key.keySpec].keyAgreementAlgorithms?.includes(algorithm))
    throw incompatibleAlgorithm(algorithm, key.keySpec);
  const point = peerPublicPoint(curveSpecOf(key), peerPublicKey);
  if (point === undefined) throw messagelessError("publicKeyNotOfCurve");
  return point;
}

/** The raw ECDH shared secret of the key's private half and the peer's point. */
export async function deriveWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  peerPoint: Uint8Array,
): Promise<Uint8Array> {
  const { privateKeyPkcs8 } = await asymmetricKeyPair(ctx, key);
  return deriveSharedSecret(curveSpecOf(key), privateKeyPkcs8, peerPoint);
}
