/**
 * GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key, with what a caller needs to
 * use it safely offline (key spec, usage, and the algorithms of that usage).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 */
import { publicKeyOf } from "../domain/asymmetric-keys.js";
import { resolveKey } from "../domain/key-access.js";
import { algorithmsFor, customerMasterKeySpecOf } from "../domain/key-specs.js";
import type { GetPublicKeyRequest, GetPublicKeyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const getPublicKey = defineOperation<GetPublicKeyRequest, GetPublicKeyResponse>(
  "GetPublicKey",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "GetPublicKey");
    const publicKey = await publicKeyOf(ctx, key);
    const algorithms = algorithmsFor(key.keySpec, key.keyUsage);
    return {
      KeyId: key.arn,
      PublicKey: publicKey,
      CustomerMasterKeySpec: customerMasterKeySpecOf(key.keySpec),
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      EncryptionAlgorithms: algorithms.EncryptionAlgorithms && [...algorithms.EncryptionAlgorithms],
      SigningAlgorithms: algorithms.SigningAlgorithms && [...algorithms.SigningAlgorithms],
      KeyAgreementAlgorithms: algorithms.KeyAgreementAlgorithms && [
        ...algorithms.KeyAgreementAlgorithms,
      ],
    };
  },
);
