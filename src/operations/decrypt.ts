/**
 * Decrypt: opens a symmetric blob (KeyId optional; it names its key and material) or an
 * asymmetric ciphertext (KeyId and EncryptionAlgorithm required). With a Nitro enclave's
 * Recipient the plaintext goes out only as CiphertextForRecipient, and, as the reference page
 * says, without KeyMaterialId.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 */
import { decryptCiphertext } from "../domain/decryption.js";
import { dryRunSucceeded } from "../domain/dry-run.js";
import { validateEncryptionContext } from "../domain/encryption-context.js";
import { sealForRecipient } from "../domain/recipient.js";
import type { DecryptRequest, DecryptResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const decrypt = defineOperation<DecryptRequest, DecryptResponse>(
  "Decrypt",
  async (input, ctx) => {
    const encryptionContext = validateEncryptionContext(input.EncryptionContext);
    const dryRun = input.DryRun === true;
    const result = await decryptCiphertext(
      ctx,
      {
        ciphertextBlob: input.CiphertextBlob,
        keyId: input.KeyId,
        encryptionContext,
        algorithm: input.EncryptionAlgorithm,
        ignoreCiphertext: dryRun && (input.DryRunModifiers ?? []).includes("IGNORE_CIPHERTEXT"),
        members: { ciphertextBlob: "ciphertextBlob", keyId: "keyId" },
      },
      "Decrypt",
    );
    if (dryRun) throw dryRunSucceeded("Decrypt");
    const forRecipient = result.plaintext && sealForRecipient(ctx, result.plaintext);
    if (forRecipient)
      return {
        KeyId: result.key.arn,
        EncryptionAlgorithm: result.algorithm,
        CiphertextForRecipient: forRecipient,
      };
    return {
      KeyId: result.key.arn,
      Plaintext: result.plaintext,
      EncryptionAlgorithm: result.algorithm,
      KeyMaterialId: result.keyMaterialId,
    };
  },
);
