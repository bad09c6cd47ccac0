/**
 * Which kind of key each operation that uses key material needs, as one table, checked by key
 * access (key-access.ts) after the key state. The wording of each refusal is AWS's:
 *   wrong key usage         "<key ARN> key usage is <usage> which is not valid for <operation>."
 *                           (ReEncrypt for both of its sides: LocalStack's test of the
 *                           destination side notes that AWS names the operation ReEncrypt, not
 *                           ReEncryptTo; no recording of the text.)
 *   asymmetric key where only a symmetric encryption key will do (data keys)
 *                           "<key ARN> key KeySpec is <spec> which is not valid for <operation>."
 *   symmetric or HMAC key for GetPublicKey (UnsupportedOperationException)
 *                           "<key ARN> key spec is <spec> which is not valid for this operation."
 * and the named exceptions below, where AWS answers something else for one usage.
 */
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { KeyUsageType } from "../vocabulary/types.generated.js";
import { isSymmetricEncryptionKey, keySpecs } from "./key-specs.js";

/** A key usage, a symmetric encryption key (data keys are wrapped only by those), or any key with a public half. */
export type KeyRequirement = KeyUsageType | "SYMMETRIC_ENCRYPTION" | "PUBLIC_KEY";

export const keyRequirements: Readonly<Partial<Record<OperationName, KeyRequirement>>> = {
  Encrypt: "ENCRYPT_DECRYPT",
  Decrypt: "ENCRYPT_DECRYPT",
  ReEncrypt: "ENCRYPT_DECRYPT",
  GenerateDataKey: "SYMMETRIC_ENCRYPTION",
  GenerateDataKeyWithoutPlaintext: "SYMMETRIC_ENCRYPTION",
  GenerateDataKeyPair: "SYMMETRIC_ENCRYPTION",
  GenerateDataKeyPairWithoutPlaintext: "SYMMETRIC_ENCRYPTION",
  Sign: "SIGN_VERIFY",
  Verify: "SIGN_VERIFY",
  GenerateMac: "GENERATE_VERIFY_MAC",
  VerifyMac: "GENERATE_VERIFY_MAC",
  DeriveSharedSecret: "KEY_AGREEMENT",
  GetPublicKey: "PUBLIC_KEY",
};

/**
 * AWS's answer when a Decrypt or ReEncrypt KeyId cannot open the ciphertext: it is not the key
 * the ciphertext names (decryption.ts), or it is an HMAC key (below).
 */
export function incorrectKey(): KmsError {
  return new KmsError(
    "IncorrectKeyException",
    "The key ID in the request does not identify a CMK that can perform this operation.",
  );
}

/**
 * Named exceptions, by the side that names the key and the key's usage: Decrypt's KeyId and
 * ReEncrypt's SourceKeyId naming an HMAC key answer IncorrectKeyException, not the usage
 * sentence (LocalStack test_error_messaging_for_invalid_keys, recorded 2023-04-13, and
 * test_re_encrypt_incorrect_source_key, recorded 2025-06-09).
 */
const usageExceptions: Readonly<Record<string, Partial<Record<KeyUsageType, () => KmsError>>>> = {
  Decrypt: { GENERATE_VERIFY_MAC: incorrectKey },
  ReEncryptFrom: { GENERATE_VERIFY_MAC: incorrectKey },
};

function wrongUsage(key: KeyRecord, operation: OperationName, side: string): KmsError {
  const named = usageExceptions[side]?.[key.keyUsage];
  if (named) return named();
  return new KmsError(
    "InvalidKeyUsageException",
    `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
  );
}

/**
 * Throws AWS's refusal unless `key` is the kind of key `operation` needs. `side` is the use
 * where it is not the operation (ReEncryptFrom, ReEncryptTo), for the named exceptions.
 */
export function assertKeyFitsOperation(
  key: KeyRecord,
  operation: OperationName,
  side: string = operation,
): void {
  const requirement = keyRequirements[operation];
  switch (requirement) {
    case undefined:
      return;
    case "SYMMETRIC_ENCRYPTION":
      if (isSymmetricEncryptionKey(key.keySpec, key.keyUsage)) return;
      if (key.keyUsage !== "ENCRYPT_DECRYPT") throw wrongUsage(key, operation, side);
      // An asymmetric ENCRYPT_DECRYPT key may encrypt, but not wrap data keys.
      throw new KmsError(
        "InvalidKeyUsageException",
        `${key.arn} key KeySpec is ${key.keySpec} which is not valid for ${operation}.`,
      );
    case "PUBLIC_KEY": {
      const { family } = keySpecs[key.keySpec];
      if (family !== "symmetric" && family !== "hmac") return;
      throw new KmsError(
        "UnsupportedOperationException",
        `${key.arn} key spec is ${key.keySpec} which is not valid for this operation.`,
      );
    }
    default:
      if (key.keyUsage !== requirement) throw wrongUsage(key, operation, side);
  }
}
