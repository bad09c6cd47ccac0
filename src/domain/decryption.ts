/**
 * Decryption, shared by Decrypt and ReEncrypt's source side.
 *
 * A symmetric ciphertext is Trent's self-describing blob: its header names the key ARN and the
 * key material, so no KeyId is needed (a blob naming a key of another account is found by that
 * ARN). When a KeyId is given it must be the blob's key (or, for a multi-Region key, the related
 * key of the caller's Region), else IncorrectKeyException. An
 * asymmetric ciphertext carries nothing, so the KeyId and EncryptionAlgorithm are required.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 */

import { asymmetricDecrypt } from "../platform/crypto/asymmetric-encryption.js";
import {
  MalformedBlobError,
  type ParsedBlob,
  parseBlob,
} from "../platform/crypto/ciphertext-blob.js";
import { parseKmsArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { isKmsError, KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { EncryptionAlgorithmSpec } from "../vocabulary/types.generated.js";
import { validationError } from "../vocabulary/validation.js";
import { asymmetricKeyPair } from "./asymmetric-keys.js";
import { encryptionAlgorithmFor, isAsymmetricAlgorithm } from "./encryption.js";
import { assertNoEncryptionContext, type EncryptionContext } from "./encryption-context.js";
import { invalidCiphertext, openBlob } from "./envelope.js";
import type { GrantAction } from "./grants.js";
import { checkKeyAccess, findKey, resolveKey } from "./key-access.js";
import { isSymmetricEncryptionKey } from "./key-specs.js";
import { incorrectKey } from "./key-usage.js";
import { isSameOrRelatedKey, relatedArnIn } from "./multi-region.js";
import type { RequestContext } from "./request-context.js";

export interface DecryptionRequest {
  readonly ciphertextBlob: Uint8Array | undefined;
  readonly keyId: string | undefined;
  readonly encryptionContext: EncryptionContext | undefined;
  readonly algorithm: EncryptionAlgorithmSpec | undefined;
  /** DryRun with the IGNORE_CIPHERTEXT modifier: check the key only, open nothing. */
  readonly ignoreCiphertext: boolean;
  /** Wire names of the members, for validation messages (Decrypt vs ReEncrypt's Source*). */
  readonly members: { readonly ciphertextBlob: string; readonly keyId: string };
}

export interface Decryption {
  readonly key: KeyRecord;
  readonly algorithm: EncryptionAlgorithmSpec;
  /** Undefined only for a dry run that ignores the ciphertext. */
  readonly plaintext: Uint8Array | undefined;
  /** The material a symmetric blob names; undefined for asymmetric keys. */
  readonly keyMaterialId: string | undefined;
}

function parseTrentBlob(ciphertext: Uint8Array): ParsedBlob {
  try {
    const blob = parseBlob(ciphertext);
    if (parseKmsArn(blob.keyArn)?.resourceType !== "key") throw invalidCiphertext();
    return blob;
  } catch (error) {
    if (error instanceof MalformedBlobError) throw invalidCiphertext();
    throw error;
  }
}

/**
 * AWS's fixed answer when a blob names a key the caller cannot use: one that does not exist
 * (deleted, or in another Region) or one the caller is not allowed to use. The same text for
 * all three, so a blob does not reveal whether its key exists.
 */
function blobKeyInaccessible(): KmsError {
  return new KmsError(
    "AccessDeniedException",
    "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
  );
}

/**
 * The key a blob names when the request gave no KeyId: found by the ARN in the blob (so a key
 * of another account is found too), authorized, then checked against the state table, the
 * order resolveKey keeps for a KeyId.
 */
async function keyOfBlob(
  ctx: RequestContext,
  blob: ParsedBlob,
  operation: OperationName,
): Promise<KeyRecord> {
  // A multi-Region key's blob opens in any Region of its set: with the related key there.
  const arn =
    parseKmsArn(blob.keyArn)?.region === ctx.caller.region
      ? blob.keyArn
      : (relatedArnIn(blob.keyArn, ctx.caller.region) ?? blob.keyArn);
  let key: KeyRecord;
  try {
    key = await findKey(ctx, arn, { allowAlias: false });
  } catch (error) {
    if (isKmsError(error) && error.type === "NotFoundException") throw blobKeyInaccessible();
    throw error;
  }
  try {
    // The blob is always ReEncrypt's source side: kms:ReEncryptFrom.
    return await checkKeyAccess(ctx, key, operation, { action: sourceAction(operation) });
  } catch (error) {
    if (isKmsError(error) && error.type === "AccessDeniedException") throw blobKeyInaccessible();
    throw error;
  }
}

/** The permission the key that opens a ciphertext needs: ReEncrypt's source side is ReEncryptFrom. */
function sourceAction(operation: OperationName): GrantAction {
  return operation === "ReEncrypt" ? "ReEncryptFrom" : operation;
}

export async function decryptCiphertext(
  ctx: RequestContext,
  request: DecryptionRequest,
  operation: OperationName,
): Promise<Decryption> {
  const { ciphertextBlob, keyId, ignoreCiphertext, members } = request;
  if (ignoreCiphertext && keyId === undefined)
    throw validationError(members.keyId, undefined, "not be null");
  if (!ignoreCiphertext && ciphertextBlob === undefined)
    throw validationError(members.ciphertextBlob, undefined, "not be null");

  const named =
    keyId === undefined
      ? undefined
      : await resolveKey(ctx, keyId, operation, { action: sourceAction(operation) });

  if (named && !isSymmetricEncryptionKey(named.keySpec, named.keyUsage)) {
    const algorithm = encryptionAlgorithmFor(named, request.algorithm);
    assertNoEncryptionContext(request.encryptionContext);
    if (ignoreCiphertext || ciphertextBlob === undefined)
      return { key: named, algorithm, plaintext: undefined, keyMaterialId: undefined };
    if (!isAsymmetricAlgorithm(algorithm)) throw invalidCiphertext();
    const { privateKeyPkcs8 } = await asymmetricKeyPair(ctx, named);
    const plaintext = asymmetricDecrypt(algorithm, privateKeyPkcs8, ciphertextBlob);
    if (plaintext === undefined) throw invalidCiphertext();
    return { key: named, algorithm, plaintext, keyMaterialId: undefined };
  }

  if (named) encryptionAlgorithmFor(named, request.algorithm);
  if (ignoreCiphertext || ciphertextBlob === undefined) {
    if (!named) throw validationError(members.keyId, undefined, "not be null");
    return {
      key: named,
      algorithm: "SYMMETRIC_DEFAULT",
      plaintext: undefined,
      keyMaterialId: undefined,
    };
  }

  const blob = parseTrentBlob(ciphertextBlob);
  if (named && !isSameOrRelatedKey(named, blob.keyArn)) throw incorrectKey();
  const key = named ?? (await keyOfBlob(ctx, blob, operation));
  if (!named) {
    // Only symmetric keys write blobs; one naming any other key was not made by Trent.
    if (!isSymmetricEncryptionKey(key.keySpec, key.keyUsage)) throw invalidCiphertext();
    encryptionAlgorithmFor(key, request.algorithm);
  }
  const plaintext = await openBlob(ctx, key, blob, request.encryptionContext);
  return { key, algorithm: "SYMMETRIC_DEFAULT", plaintext, keyMaterialId: blob.materialId };
}
