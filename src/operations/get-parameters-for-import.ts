/**
 * GetParametersForImport: a fresh wrapping key pair's public key (DER SubjectPublicKeyInfo)
 * and an import token, for a key of origin EXTERNAL. The token carries the wrapping private
 * key sealed under Trent's import key (kept sealed in the store), binds it to the key and the wrapping
 * algorithm, and expires with ParametersValidTo, 24 hours from now. Takes a key id or key ARN
 * and answers with the key ARN.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetParametersForImport.html
 */
import {
  assertExternalOrigin,
  assertImportableSpec,
  importParameters,
  wrappingAlgorithmFor,
} from "../domain/import.js";
import { resolveKey } from "../domain/key-access.js";
import type {
  GetParametersForImportRequest,
  GetParametersForImportResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const getParametersForImport = defineOperation<
  GetParametersForImportRequest,
  GetParametersForImportResponse
>("GetParametersForImport", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "GetParametersForImport", { allowAlias: false });
  assertExternalOrigin(key);
  assertImportableSpec(key);
  const algorithm = wrappingAlgorithmFor(input.WrappingAlgorithm, input.WrappingKeySpec);
  const parameters = await importParameters(ctx, key, algorithm, input.WrappingKeySpec);
  return {
    KeyId: key.arn,
    ImportToken: parameters.importToken,
    PublicKey: parameters.publicKey,
    ParametersValidTo: parameters.validTo,
  };
});
