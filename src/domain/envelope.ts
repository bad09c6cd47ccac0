/**
 * Encryption under a symmetric KMS key: the shared core of Encrypt, GenerateDataKey*,
 * GenerateDataKeyPair* and ReEncrypt. Opens the key's current material, binds the canonical
 * encryption context, and produces the self-describing ciphertext blob.
 */
import { encryptBlob } from "../crypto/ciphertext-blob.js";
import { canonicalEncryptionContext } from "../crypto/encryption-context.js";
import type { RequestContext } from "../operations/context.js";
import type { OperationName } from "../protocol/model.generated.js";
import type { KeyRecord } from "./key.js";
import { isSymmetricEncryptionKey } from "./key-specs.js";
import { keyStateMessage } from "./key-states.js";
import { KmsError } from "./kms-errors.js";

/** InvalidKeyUsageException unless the key is a symmetric encryption key. */
export function assertSymmetricEncryptionKey(key: KeyRecord, operation: OperationName): void {
  if (!isSymmetricEncryptionKey(key.keySpec, key.keyUsage))
    throw new KmsError(
      "InvalidKeyUsageException",
      `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
    );
}

/** The opened current material of a symmetric key, with its id. */
export async function currentMaterial(
  ctx: RequestContext,
  key: KeyRecord,
): Promise<{ materialId: string; material: Uint8Array }> {
  const materialId = key.currentKeyMaterialId;
  const material =
    materialId === undefined
      ? undefined
      : await ctx.services.vault.open(ctx.services.store, key.arn, materialId);
  // A key without material (imported key awaiting import) is caught by the key-state table
  // first; this guards against a store that lost the row.
  if (materialId === undefined || material === undefined)
    throw new KmsError("KMSInvalidStateException", keyStateMessage(key));
  return { materialId, material };
}

/** Encrypts `plaintext` under the key's current material, bound to `encryptionContext`. */
export async function encryptUnderKey(
  ctx: RequestContext,
  key: KeyRecord,
  plaintext: Uint8Array,
  encryptionContext: Readonly<Record<string, string>> | undefined,
): Promise<Uint8Array> {
  const { materialId, material } = await currentMaterial(ctx, key);
  ctx.audit.keyMaterialId = materialId;
  return encryptBlob(
    material,
    { keyArn: key.arn, materialId },
    plaintext,
    canonicalEncryptionContext(encryptionContext),
  );
}
