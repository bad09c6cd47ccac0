/**
 * Encryption with any ENCRYPT_DECRYPT key, the rules Encrypt and ReEncrypt's destination share:
 * the key usage, the algorithm the key accepts, no encryption context for asymmetric keys, and
 * AWS's plaintext limits per key spec and algorithm (API_Encrypt, "The maximum size of the data
 * that you can encrypt"): https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html
 */
import {
  type AsymmetricEncryptionAlgorithm,
  asymmetricEncrypt,
} from "../platform/crypto/asymmetric-encryption.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { EncryptionAlgorithmSpec, KeySpec } from "../vocabulary/types.generated.js";
import { asymmetricKeyPair } from "./asymmetric-keys.js";
import { assertNoEncryptionContext, type EncryptionContext } from "./encryption-context.js";
import { sealUnderKey } from "./envelope.js";
import { keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";

/** The most plaintext each key spec and algorithm can encrypt, in bytes. */
const plaintextLimits: Partial<Record<KeySpec, Partial<Record<EncryptionAlgorithmSpec, number>>>> =
  {
    SYMMETRIC_DEFAULT: { SYMMETRIC_DEFAULT: 4096 },
    RSA_2048: { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 },
    RSA_3072: { RSAES_OAEP_SHA_1: 342, RSAES_OAEP_SHA_256: 318 },
    RSA_4096: { RSAES_OAEP_SHA_1: 470, RSAES_OAEP_SHA_256: 446 },
    SM2: { SM2PKE: 1024 },
  };

/**
 * The algorithm a request uses with `key`: the one it names, or SYMMETRIC_DEFAULT (the model's
 * default), which is why an asymmetric key without EncryptionAlgorithm fails here too.
 */
export function encryptionAlgorithmFor(
  key: KeyRecord,
  requested: EncryptionAlgorithmSpec | undefined,
): EncryptionAlgorithmSpec {
  const algorithm = requested ?? "SYMMETRIC_DEFAULT";
  if (!keySpecs[key.keySpec].encryptionAlgorithms?.includes(algorithm))
    throw new KmsError(
      "InvalidKeyUsageException",
      `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`,
    );
  return algorithm;
}

export function isAsymmetricAlgorithm(
  algorithm: EncryptionAlgorithmSpec,
): algorithm is AsymmetricEncryptionAlgorithm {
  return algorithm !== "SYMMETRIC_DEFAULT";
}

/** ValidationException when the plaintext is more than the key spec and algorithm can take. */
export function assertPlaintextFits(
  key: KeyRecord,
  algorithm: EncryptionAlgorithmSpec,
  plaintextLength: number,
): void {
  const limit = plaintextLimits[key.keySpec]?.[algorithm];
  if (limit !== undefined && plaintextLength > limit)
    throw new KmsError(
      "ValidationException",
      `Algorithm ${algorithm} and key spec ${key.keySpec} cannot encrypt data larger than ${limit} bytes.`,
    );
}

/**
 * Every check of encrypting under `key` that does not need the plaintext itself, in the order
 * AWS applies them; returns the algorithm. `plaintextLength` is undefined when a dry run skips
 * the ciphertext (ReEncrypt with IGNORE_CIPHERTEXT).
 */
export function checkEncryption(
  key: KeyRecord,
  request: {
    readonly algorithm: EncryptionAlgorithmSpec | undefined;
    readonly encryptionContext: EncryptionContext | undefined;
    readonly plaintextLength: number | undefined;
  },
): EncryptionAlgorithmSpec {
  const algorithm = encryptionAlgorithmFor(key, request.algorithm);
  if (isAsymmetricAlgorithm(algorithm)) assertNoEncryptionContext(request.encryptionContext);
  if (request.plaintextLength !== undefined)
    assertPlaintextFits(key, algorithm, request.plaintextLength);
  return algorithm;
}

export interface EncryptedData {
  readonly ciphertextBlob: Uint8Array;
  /** Set for symmetric keys only: asymmetric ciphertexts carry no material id. */
  readonly keyMaterialId: string | undefined;
}

/** Encrypts under `key` with an algorithm that checkEncryption accepted. */
export async function encryptWithKey(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: EncryptionAlgorithmSpec,
  plaintext: Uint8Array,
  encryptionContext: EncryptionContext | undefined,
): Promise<EncryptedData> {
  if (!isAsymmetricAlgorithm(algorithm))
    return sealUnderKey(ctx, key, plaintext, encryptionContext);
  const keys = await asymmetricKeyPair(ctx, key);
  return {
    ciphertextBlob: asymmetricEncrypt(algorithm, keys, plaintext),
    keyMaterialId: undefined,
  };
}
