/**
 * GenerateDataKeyWithoutPlaintext: like GenerateDataKey, but only the sealed copy of the data
 * key leaves Trent.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyWithoutPlaintext.html
 */
import { generateDataKey } from "../domain/data-keys.js";
import type {
  GenerateDataKeyWithoutPlaintextRequest,
  GenerateDataKeyWithoutPlaintextResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKeyWithoutPlaintext = defineOperation<
  GenerateDataKeyWithoutPlaintextRequest,
  GenerateDataKeyWithoutPlaintextResponse
>("GenerateDataKeyWithoutPlaintext", async (input, ctx) => {
  const dataKey = await generateDataKey(ctx, input, "GenerateDataKeyWithoutPlaintext");
  return {
    CiphertextBlob: dataKey.ciphertextBlob,
    KeyId: dataKey.keyArn,
    KeyMaterialId: dataKey.keyMaterialId,
  };
});
