/**
 * GenerateDataKey: a random data key, returned in plaintext and sealed under a symmetric key.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 */
import { generateDataKey as newDataKey } from "../domain/data-keys.js";
import { recipientNotSupported } from "../domain/recipient.js";
import type {
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKey = defineOperation<GenerateDataKeyRequest, GenerateDataKeyResponse>(
  "GenerateDataKey",
  async (input, ctx) => {
    if (input.Recipient !== undefined) throw recipientNotSupported();
    const dataKey = await newDataKey(ctx, input, "GenerateDataKey");
    return {
      CiphertextBlob: dataKey.ciphertextBlob,
      Plaintext: dataKey.plaintext,
      KeyId: dataKey.keyArn,
      KeyMaterialId: dataKey.keyMaterialId,
    };
  },
);
