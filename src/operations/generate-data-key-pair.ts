/**
 * GenerateDataKeyPair: a fresh asymmetric data key pair, with the private key returned both in
 * plaintext and sealed under a symmetric encryption key. With a Nitro enclave's Recipient the
 * private key goes out only as CiphertextForRecipient (its PKCS#8 DER).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
 */
import { generateDataKeyPair as newDataKeyPair } from "../domain/data-key-pairs.js";
import { sealForRecipient } from "../domain/recipient.js";
import type {
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateDataKeyPair = defineOperation<
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse
>("GenerateDataKeyPair", async (input, ctx) => {
  const pair = await newDataKeyPair(ctx, input, "GenerateDataKeyPair", { returnPrivateKey: true });
  const forRecipient = pair.privateKey && sealForRecipient(ctx, pair.privateKey);
  return {
    KeyId: pair.keyArn,
    KeyPairSpec: pair.spec,
    PublicKey: pair.publicKey,
    ...(forRecipient
      ? { CiphertextForRecipient: forRecipient }
      : { PrivateKeyPlaintext: pair.privateKey }),
    PrivateKeyCiphertextBlob: pair.privateKeyCiphertextBlob,
    KeyMaterialId: pair.keyMaterialId,
  };
});
