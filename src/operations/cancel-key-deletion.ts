/**
 * CancelKeyDeletion: takes a key out of PendingDeletion; it comes back Disabled, never
 * Enabled, so nothing uses it again by accident. Takes a key id or key ARN; answers with the
 * key ARN.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import { deletionCancelled } from "../domain/keys.js";
import type {
  CancelKeyDeletionRequest,
  CancelKeyDeletionResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const cancelKeyDeletion = defineOperation<
  CancelKeyDeletionRequest,
  CancelKeyDeletionResponse
>("CancelKeyDeletion", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "CancelKeyDeletion", { allowAlias: false });
  await changeKey(ctx, key, "CancelKeyDeletion", async (current, tx) => {
    // An imported key whose material was deleted while it waited goes back to PendingImport.
    const materialId = current.currentKeyMaterialId;
    const material = materialId && (await tx.materials.get(current.arn, materialId));
    return deletionCancelled(current, Boolean(material));
  });
  return { KeyId: key.arn };
});
