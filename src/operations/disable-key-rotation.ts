/**
 * DisableKeyRotation: turns off automatic rotation of a symmetric encryption key's material.
 * Existing materials stay; on-demand rotation remains possible. Takes a key id or key ARN.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKeyRotation.html
 */
import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import {
  assertAutomaticRotationSupported,
  automaticRotationDisabled,
  rotationSettingsOf,
} from "../domain/rotation.js";
import type { DisableKeyRotationRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const disableKeyRotation = defineOperation<DisableKeyRotationRequest, Record<string, never>>(
  "DisableKeyRotation",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "DisableKeyRotation", { allowAlias: false });
    assertAutomaticRotationSupported(key);
    await ctx.services.store.transaction(async (tx) => {
      const settings = await rotationSettingsOf(
        tx,
        await lockKey(tx, key.arn, "DisableKeyRotation"),
      );
      if (settings.automatic) await tx.rotations.put(automaticRotationDisabled(settings));
    });
    return {};
  },
);
