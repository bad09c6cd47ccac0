/**
 * ImportKeyMaterial: unwraps key material with the wrapping key sealed in the import token and
 * imports it into a key of origin EXTERNAL. The first material becomes current and takes the
 * key from PendingImport to Enabled; reimporting must bring the same material (its id is
 * derived from the key and the material); symmetric encryption keys also accept new material
 * (ImportType NEW_KEY_MATERIAL) for an on-demand rotation. ExpirationModel defaults to
 * KEY_MATERIAL_EXPIRES, which needs a ValidTo at most 365 days ahead. Takes a key id or key ARN;
 * answers with the key ARN and the material id.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html
 */
import { assertExternalOrigin, expirationOf, importMaterial } from "../domain/import.js";
import { resolveKey } from "../domain/key-access.js";
import type {
  ImportKeyMaterialRequest,
  ImportKeyMaterialResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const importKeyMaterial = defineOperation<
  ImportKeyMaterialRequest,
  ImportKeyMaterialResponse
>("ImportKeyMaterial", async (input, ctx) => {
  const expiration = expirationOf(input.ExpirationModel, input.ValidTo, ctx.now);
  const key = await resolveKey(ctx, input.KeyId, "ImportKeyMaterial", { allowAlias: false });
  assertExternalOrigin(key);
  const { materialId } = await importMaterial(ctx, key, {
    importToken: input.ImportToken,
    encryptedKeyMaterial: input.EncryptedKeyMaterial,
    expiration,
    importType: input.ImportType,
    keyMaterialId: input.KeyMaterialId,
    description: input.KeyMaterialDescription,
  });
  ctx.audit.keyMaterialId = materialId;
  return { KeyId: key.arn, KeyMaterialId: materialId };
});
