/**
 * EnableKeyRotation: turns on automatic rotation of a symmetric encryption key's material, every
 * RotationPeriodInDays (90–2560, default 365) from now; on a key that already rotates, it only
 * changes the period. The clock-driven sweep (rotation.ts) performs the rotations. Takes a key
 * id or key ARN.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
 */
import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import {
  assertAutomaticRotationSupported,
  automaticRotationEnabled,
  rotationSettingsOf,
} from "../domain/rotation.js";
import type { EnableKeyRotationRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const enableKeyRotation = defineOperation<EnableKeyRotationRequest, Record<string, never>>(
  "EnableKeyRotation",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "EnableKeyRotation", { allowAlias: false });
    assertAutomaticRotationSupported(key);
    await ctx.services.store.transaction(async (tx) => {
      const settings = await rotationSettingsOf(
        tx,
        await lockKey(tx, key.arn, "EnableKeyRotation"),
      );
      await tx.rotations.put(
        automaticRotationEnabled(settings, input.RotationPeriodInDays, ctx.now),
      );
    });
    return {};
  },
);
