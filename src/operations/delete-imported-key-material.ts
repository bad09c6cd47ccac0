/**
 * DeleteImportedKeyMaterial: deletes imported key material (the current material, or the one
 * KeyMaterialId names), making the key unusable until the same material is imported again: the
 * key goes to PendingImport, or stays PendingDeletion. Material imported for a rotation that
 * has not happened is simply removed. Takes a key id or key ARN; answers with the key ARN and
 * the deleted material's id (empty when the key had none).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html
 */
import { assertExternalOrigin, deleteImportedMaterial } from "../domain/import.js";
import { resolveKey } from "../domain/key-access.js";
import type {
  DeleteImportedKeyMaterialRequest,
  DeleteImportedKeyMaterialResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const deleteImportedKeyMaterial = defineOperation<
  DeleteImportedKeyMaterialRequest,
  DeleteImportedKeyMaterialResponse
>("DeleteImportedKeyMaterial", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "DeleteImportedKeyMaterial", {
    allowAlias: false,
  });
  assertExternalOrigin(key);
  const materialId = await deleteImportedMaterial(ctx, key, input.KeyMaterialId);
  if (materialId !== "") ctx.audit.keyMaterialId = materialId;
  return { KeyId: key.arn, KeyMaterialId: materialId };
});
