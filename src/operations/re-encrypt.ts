/**
 * ReEncrypt: decrypts under the source key and encrypts under the destination key without the
 * plaintext leaving Trent; either side may be symmetric or asymmetric. Also changes the
 * encryption context of a blob under the same key.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html
 */
import { decryptCiphertext } from "../domain/decryption.js";
import { dryRunSucceeded } from "../domain/dry-run.js";
import { checkEncryption, encryptWithKey } from "../domain/encryption.js";
import { validateEncryptionContext } from "../domain/encryption-context.js";
import { resolveKey } from "../domain/key-access.js";
import type { ReEncryptRequest, ReEncryptResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const reEncrypt = defineOperation<ReEncryptRequest, ReEncryptResponse>(
  "ReEncrypt",
  async (input, ctx) => {
    const sourceContext = validateEncryptionContext(input.SourceEncryptionContext);
    const destinationContext = validateEncryptionContext(input.DestinationEncryptionContext);
    const dryRun = input.DryRun === true;
    const source = await decryptCiphertext(
      ctx,
      {
        ciphertextBlob: input.CiphertextBlob,
        keyId: input.SourceKeyId,
        encryptionContext: sourceContext,
        algorithm: input.SourceEncryptionAlgorithm,
        ignoreCiphertext: dryRun && (input.DryRunModifiers ?? []).includes("IGNORE_CIPHERTEXT"),
        members: { ciphertextBlob: "ciphertextBlob", keyId: "sourceKeyId" },
      },
      "ReEncrypt",
    );
    const destination = await resolveKey(ctx, input.DestinationKeyId, "ReEncrypt", {
      action: "ReEncryptTo",
    });
    const algorithm = checkEncryption(destination, {
      algorithm: input.DestinationEncryptionAlgorithm,
      encryptionContext: destinationContext,
      plaintextLength: source.plaintext?.length,
    });
    // Without plaintext the source side was a dry run that ignored the ciphertext.
    if (dryRun || source.plaintext === undefined) throw dryRunSucceeded("ReEncrypt");
    const sealed = await encryptWithKey(
      ctx,
      destination,
      algorithm,
      source.plaintext,
      destinationContext,
    );
    return {
      CiphertextBlob: sealed.ciphertextBlob,
      SourceKeyId: source.key.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: source.algorithm,
      DestinationEncryptionAlgorithm: algorithm,
      SourceKeyMaterialId: source.keyMaterialId,
      DestinationKeyMaterialId: sealed.keyMaterialId,
    };
  },
);
