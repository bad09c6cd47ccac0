/**
 * RotateKeyOnDemand: rotates a symmetric encryption key's material now, whatever its automatic
 * rotation schedule (which stays as it was). A key of origin AWS_KMS gets new generated
 * material; a key of origin EXTERNAL rotates to the material imported for it (PENDING_ROTATION).
 * At most 25 on-demand rotations per key (LimitExceededException). The rotation completes
 * before the answer, so there is never a rotation in progress to conflict with. Takes a key id
 * or key ARN and answers with the key ARN (LocalStack test_rotate_on_demand_returns_arn_for_key_id,
 * recorded 2025-11-06; the API reference's example shows a bare id).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html
 */
import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import {
  assertOnDemandRotationSupported,
  onDemandRotationLimit,
  rotateKeyMaterial,
  rotationSettingsOf,
} from "../domain/rotation.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  RotateKeyOnDemandRequest,
  RotateKeyOnDemandResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const rotateKeyOnDemand = defineOperation<
  RotateKeyOnDemandRequest,
  RotateKeyOnDemandResponse
>("RotateKeyOnDemand", async (input, ctx) => {
  const found = await resolveKey(ctx, input.KeyId, "RotateKeyOnDemand", { allowAlias: false });
  assertOnDemandRotationSupported(found);
  const { services } = ctx;
  const rotated = await services.store.transaction(async (tx) => {
    // The key as it is now: a concurrent rotation may have moved its current material.
    const key = await lockKey(tx, found.arn, "RotateKeyOnDemand");
    const settings = await rotationSettingsOf(tx, key);
    if (settings.onDemandRotations >= onDemandRotationLimit)
      throw new KmsError(
        "LimitExceededException",
        `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`,
      );
    const after = await rotateKeyMaterial(services, tx, key, "ON_DEMAND", ctx.now);
    await tx.rotations.put({ ...settings, onDemandRotations: settings.onDemandRotations + 1 });
    return after;
  });
  if (rotated.currentKeyMaterialId !== undefined)
    ctx.audit.keyMaterialId = rotated.currentKeyMaterialId;
  return { KeyId: rotated.arn };
});
