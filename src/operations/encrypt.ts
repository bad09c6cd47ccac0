/**
 * Encrypt: up to 4096 bytes under a symmetric key (Trent's self-describing blob, bound to the
 * encryption context) or an asymmetric ENCRYPT_DECRYPT key (RSAES-OAEP or SM2PKE, plain
 * standard ciphertext).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { checkEncryption, encryptWithKey } from "../domain/encryption.js";
import { validateEncryptionContext } from "../domain/encryption-context.js";
import { resolveKey } from "../domain/key-access.js";
import type { EncryptRequest, EncryptResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const encrypt = defineOperation<EncryptRequest, EncryptResponse>(
  "Encrypt",
  async (input, ctx) => {
    const encryptionContext = validateEncryptionContext(input.EncryptionContext);
    const key = await resolveKey(ctx, input.KeyId, "Encrypt");
    const algorithm = checkEncryption(key, {
      algorithm: input.EncryptionAlgorithm,
      encryptionContext,
      plaintextLength: input.Plaintext.length,
    });
    if (input.DryRun) throw dryRunSucceeded("Encrypt");
    const { ciphertextBlob } = await encryptWithKey(
      ctx,
      key,
      algorithm,
      input.Plaintext,
      encryptionContext,
    );
    return { CiphertextBlob: ciphertextBlob, KeyId: key.arn, EncryptionAlgorithm: algorithm };
  },
);
