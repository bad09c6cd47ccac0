/**
 * Encryption under a symmetric KMS key: the shared core of Encrypt, GenerateDataKey*,
 * GenerateDataKeyPair* and ReEncrypt. Opens the key's current material, binds the canonical
 * encryption context, and produces the self-describing ciphertext blob; opens such blobs again.
 */
import {
  decryptBlob,
  encryptBlob,
  ivLength,
  type ParsedBlob,
} from "../platform/crypto/ciphertext-blob.js";
import { canonicalEncryptionContext } from "../platform/crypto/encryption-context.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import { keyStateMessage } from "./key-states.js";
import type { RequestContext } from "./request-context.js";
import { decryptTwice, encryptTwice } from "./xks-envelope.js";

/** The opened current material of a key, with its id. */
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

export interface SealedData {
  readonly ciphertextBlob: Uint8Array;
  /** The material that sealed it (KeyMaterialId in GenerateDataKey* responses). */
  readonly keyMaterialId: string;
}

/** Encrypts `plaintext` under the key's current material, bound to `encryptionContext`. */
export async function sealUnderKey(
  ctx: RequestContext,
  key: KeyRecord,
  plaintext: Uint8Array,
  encryptionContext: Readonly<Record<string, string>> | undefined,
): Promise<SealedData> {
  const { materialId, material } = await currentMaterial(ctx, key);
  ctx.audit.keyMaterialId = materialId;
  // Keys in an external key store also encrypt under their external key (xks-envelope.ts).
  const ciphertextBlob =
    key.customKeyStoreId === undefined
      ? encryptBlob(
          material,
          { keyArn: key.arn, materialId },
          plaintext,
          canonicalEncryptionContext(encryptionContext),
          ctx.services.random.bytes(ivLength),
        )
      : await encryptTwice(ctx, key, material, materialId, plaintext, encryptionContext);
  return { ciphertextBlob, keyMaterialId: materialId };
}

/** Encrypts `plaintext` under the key's current material; the blob only. */
export async function encryptUnderKey(
  ctx: RequestContext,
  key: KeyRecord,
  plaintext: Uint8Array,
  encryptionContext: Readonly<Record<string, string>> | undefined,
): Promise<Uint8Array> {
  return (await sealUnderKey(ctx, key, plaintext, encryptionContext)).ciphertextBlob;
}

/**
 * Opens a parsed blob of `key` with the material its header names. Unknown material, a wrong
 * context or any tampering all end in InvalidCiphertextException, which AWS sends without a
 * message (so a caller learns nothing about which check failed).
 */
export async function openBlob(
  ctx: RequestContext,
  key: KeyRecord,
  blob: ParsedBlob,
  encryptionContext: Readonly<Record<string, string>> | undefined,
): Promise<Uint8Array> {
  const open = (materialId: string) =>
    ctx.services.vault.open(ctx.services.store, key.arn, materialId);
  if (key.customKeyStoreId !== undefined) {
    const plaintext = await decryptTwice(ctx, key, blob, encryptionContext, open);
    ctx.audit.keyMaterialId = blob.materialId;
    return plaintext;
  }
  const material = await open(blob.materialId);
  const plaintext =
    material === undefined
      ? undefined
      : decryptBlob(material, blob, canonicalEncryptionContext(encryptionContext));
  if (plaintext === undefined) throw invalidCiphertext();
  ctx.audit.keyMaterialId = blob.materialId;
  return plaintext;
}

export function invalidCiphertext(): KmsError {
  return messagelessError("invalidCiphertext");
}
