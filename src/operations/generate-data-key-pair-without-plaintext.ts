/**
 * GenerateDataKeyPairWithoutPlaintext: a fresh asymmetric data key pair whose private key is
 * returned only sealed under a symmetric encryption key (Decrypt opens it when needed).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPairWithoutPlaintext.html
 */
import { generateDataKeyPair } from "../domain/data-key-pairs.js";
import type {
  GenerateDataKeyPairWithoutPlaintextRequest,
  GenerateDataKeyPairWithoutPlaintextResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKeyPairWithoutPlaintext = defineOperation<
  GenerateDataKeyPairWithoutPlaintextRequest,
  GenerateDataKeyPairWithoutPlaintextResponse
>("GenerateDataKeyPairWithoutPlaintext", async (input, ctx) => {
  const pair = await generateDataKeyPair(ctx, input, "GenerateDataKeyPairWithoutPlaintext", {
    returnPrivateKey: false,
  });
  return {
    KeyId: pair.keyArn,
    KeyPairSpec: pair.spec,
    PublicKey: pair.publicKey,
    PrivateKeyCiphertextBlob: pair.privateKeyCiphertextBlob,
    KeyMaterialId: pair.keyMaterialId,
  };
});
