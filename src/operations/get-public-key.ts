/**
 * GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key, with what a caller needs to
 * use it safely offline (key spec, usage, and the algorithms of that usage).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 */
import { checkGrantTokens } from "../domain/grant-tokens.js";
import { resolveKey } from "../domain/key-access.js";
import { algorithmsFor, keySpecs } from "../domain/key-specs.js";
import { keyStateMessage } from "../domain/key-states.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  CustomerMasterKeySpec,
  GetPublicKeyRequest,
  GetPublicKeyResponse,
  KeySpec,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** Specs newer than the deprecated CustomerMasterKeySpec enum, which AWS leaves it out for. */
const notCustomerMasterKeySpecs: ReadonlySet<KeySpec> = new Set<KeySpec>([
  "ML_DSA_44",
  "ML_DSA_65",
  "ML_DSA_87",
  "ECC_NIST_EDWARDS25519",
]);

export const getPublicKey = defineOperation<GetPublicKeyRequest, GetPublicKeyResponse>(
  "GetPublicKey",
  async (input, ctx) => {
    checkGrantTokens(ctx, input.GrantTokens);
    const key = await resolveKey(ctx, input.KeyId, "GetPublicKey");
    // Symmetric and HMAC keys have no public half.
    const family = keySpecs[key.keySpec].family;
    if (family === "symmetric" || family === "hmac")
      throw new KmsError(
        "UnsupportedOperationException",
        `${key.arn} key spec is ${key.keySpec} which is not valid for this operation.`,
      );
    const materialId = key.currentKeyMaterialId;
    const record =
      materialId === undefined
        ? undefined
        : await ctx.services.store.materials.get(key.arn, materialId);
    if (record?.publicKey === undefined)
      throw new KmsError("KMSInvalidStateException", keyStateMessage(key));
    const algorithms = algorithmsFor(key.keySpec, key.keyUsage);
    return {
      KeyId: key.arn,
      PublicKey: record.publicKey,
      CustomerMasterKeySpec: notCustomerMasterKeySpecs.has(key.keySpec)
        ? undefined
        : (key.keySpec as CustomerMasterKeySpec),
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
