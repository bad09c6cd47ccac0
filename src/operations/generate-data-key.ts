/**
 * GenerateDataKey: a random data key, returned in plaintext and sealed under a symmetric key.
 * With a Nitro enclave's Recipient the plaintext goes out only as CiphertextForRecipient, and, as
 * the reference page says, without KeyMaterialId.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 */
import { generateDataKey as newDataKey } from "../domain/data-keys.js";
import { sealForRecipient } from "../domain/recipient.js";
import type {
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKey = defineOperation<GenerateDataKeyRequest, GenerateDataKeyResponse>(
  "GenerateDataKey",
  async (input, ctx) => {
    const dataKey = await newDataKey(ctx, input, "GenerateDataKey");
    const forRecipient = sealForRecipient(ctx, dataKey.plaintext);
    if (forRecipient)
      return {
        CiphertextBlob: dataKey.ciphertextBlob,
        KeyId: dataKey.keyArn,
        CiphertextForRecipient: forRecipient,
      };
    return {
      CiphertextBlob: dataKey.ciphertextBlob,
      Plaintext: dataKey.plaintext,
      KeyId: dataKey.keyArn,
      KeyMaterialId: dataKey.keyMaterialId,
    };
  },
);
