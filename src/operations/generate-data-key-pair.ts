/**
 * GenerateDataKeyPair: a fresh asymmetric data key pair, with the private key returned both in
 * plaintext and sealed under a symmetric encryption key.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
 */
import { generateDataKeyPair as newDataKeyPair } from "../domain/data-key-pairs.js";
import { recipientNotSupported } from "../domain/recipient.js";
import type {
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKeyPair = defineOperation<
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse
>("GenerateDataKeyPair", async (input, ctx) => {
  if (input.Recipient !== undefined) throw recipientNotSupported();
  const pair = await newDataKeyPair(ctx, input, "GenerateDataKeyPair", { returnPrivateKey: true });
  return {
    KeyId: pair.keyArn,
    KeyPairSpec: pair.spec,
    PublicKey: pair.publicKey,
    PrivateKeyPlaintext: pair.privateKey,
    PrivateKeyCiphertextBlob: pair.privateKeyCiphertextBlob,
    KeyMaterialId: pair.keyMaterialId,
  };
});
