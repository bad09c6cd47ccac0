/**
 * Sign and Verify's rules: the key usage, the algorithms a key spec signs with, which message
 * types an algorithm takes and how long a digest or μ must be, in the order AWS checks them.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
 */
import { signMessage, verifySignature } from "../platform/crypto/signatures.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import type { KeySpec, MessageType, SigningAlgorithmSpec } from "../vocabulary/types.generated.js";
import { asymmetricKeyPair, publicKeyOf } from "./asymmetric-keys.js";
import { keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";

interface MessageRule {
  /** The message types the algorithm accepts (MessageType defaults to RAW). */
  readonly messageTypes: readonly MessageType[];
  /** How long a DIGEST (or an EXTERNAL_MU μ) must be: the output of the algorithm's hash. */
  readonly digestLength: number;
}

const rawOrDigest = (digestLength: number): MessageRule => ({
  messageTypes: ["RAW", "DIGEST"],
  digestLength,
});

/**
 * Per algorithm, from the MessageType documentation of API_Sign: ED25519_SHA_512 takes RAW only,
 * ED25519_PH_SHA_512 DIGEST only (a SHA-512 digest, which KMS hashes once more), ML-DSA RAW or a
 * 64-byte EXTERNAL_MU, SM2DSA an SM3 digest of Z ‖ M.
 */
const messageRules: Record<SigningAlgorithmSpec, MessageRule> = {
  RSASSA_PSS_SHA_256: rawOrDigest(32),
  RSASSA_PSS_SHA_384: rawOrDigest(48),
  RSASSA_PSS_SHA_512: rawOrDigest(64),
  RSASSA_PKCS1_V1_5_SHA_256: rawOrDigest(32),
  RSASSA_PKCS1_V1_5_SHA_384: rawOrDigest(48),
  RSASSA_PKCS1_V1_5_SHA_512: rawOrDigest(64),
  ECDSA_SHA_256: rawOrDigest(32),
  ECDSA_SHA_384: rawOrDigest(48),
  ECDSA_SHA_512: rawOrDigest(64),
  SM2DSA: rawOrDigest(32),
  ED25519_SHA_512: { messageTypes: ["RAW"], digestLength: 64 },
  ED25519_PH_SHA_512: { messageTypes: ["DIGEST"], digestLength: 64 },
  ML_DSA_SHAKE_256: { messageTypes: ["RAW", "EXTERNAL_MU"], digestLength: 64 },
};

/** AWS's InvalidKeyUsageException for an algorithm the key spec does not support. */
export function incompatibleAlgorithm(algorithm: string, keySpec: KeySpec): KmsError {
  return new KmsError(
    "InvalidKeyUsageException",
    `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`,
  );
}

/**
 * A message type no algorithm of the key spec takes is refused by key spec: "Message type
 * DIGEST is incompatible with key spec ML_DSA_44." (AWS's answer quoted in floci issue #3025,
 * 2026-09-03). One that another algorithm of the spec takes (Ed25519's two) is refused by
 * algorithm, in the same form (unrecorded).
 */
function messageTypeRefusal(keySpec: KeySpec, algorithm: string, messageType: MessageType) {
  const takenBySpec = (keySpecs[keySpec].signingAlgorithms ?? []).some((other) =>
    messageRules[other].messageTypes.includes(messageType),
  );
  return takenBySpec
    ? `Message type ${messageType} is incompatible with algorithm ${algorithm}.`
    : `Message type ${messageType} is incompatible with key spec ${keySpec}.`;
}

export interface SigningRequest {
  readonly algorithm: SigningAlgorithmSpec;
  readonly messageType: MessageType | undefined;
  readonly messageLength: number;
}

/**
 * Every check of signing or verifying with `key` that comes before the cryptography, in AWS's
 * order; returns the message type (RAW when the request names none).
 */
export function checkSigning(key: KeyRecord, request: SigningRequest): MessageType {
  const { algorithm } = request;
  if (!keySpecs[key.keySpec].signingAlgorithms?.includes(algorithm))
    throw incompatibleAlgorithm(algorithm, key.keySpec);
  const messageType = request.messageType ?? "RAW";
  const rule = messageRules[algorithm];
  if (!rule.messageTypes.includes(messageType))
    throw new KmsError(
      "ValidationException",
      messageTypeRefusal(key.keySpec, algorithm, messageType),
    );
  if (messageType !== "RAW" && request.messageLength !== rule.digestLength)
    throw new KmsError(
      "ValidationException",
      `Digest is invalid length for algorithm ${algorithm}.`,
    );
  return messageType;
}

/** Signs with the key's current material, after checkSigning accepted the request. */
export async function signWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: SigningAlgorithmSpec,
  message: Uint8Array,
  messageType: MessageType,
): Promise<Uint8Array> {
  const { privateKeyPkcs8, publicKeySpki } = await asymmetricKeyPair(ctx, key);
  return signMessage(
    key.keySpec,
    algorithm,
    { privateKey: privateKeyPkcs8, publicKeySpki },
    message,
    messageType,
  );
}

/**
 * Verifies with the key's public key, after checkSigning accepted the request. A signature that
 * does not verify (wrong message, key, algorithm or message type, or not a signature at all) is
 * KMSInvalidSignatureException, which AWS sends without a message.
 */
export async function verifyWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: SigningAlgorithmSpec,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<void> {
  const publicKey = await publicKeyOf(ctx, key);
  if (!verifySignature(key.keySpec, algorithm, publicKey, message, messageType, signature))
    throw messagelessError("signatureDoesNotVerify");
}
