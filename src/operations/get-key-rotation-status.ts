/**
 * GetKeyRotationStatus: whether automatic rotation is on, its period and the next rotation
 * date. Asymmetric and HMAC keys never rotate, so they answer false (not an error, unlike
 * EnableKeyRotation); keys with imported material or in a custom key store get AWS's origin
 * error. A key pending deletion reports false and keeps its setting for CancelKeyDeletion.
 * Rotation is synchronous in Trent, so OnDemandRotationStartDate (a rotation in progress) is
 * never present. Takes a key id or key ARN (another account's key by ARN).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
 */
import { resolveKey } from "../domain/key-access.js";
import { isSymmetricEncryptionKey } from "../domain/key-specs.js";
import { originNotValid, rotationSettingsOf } from "../domain/rotation.js";
import type {
  GetKeyRotationStatusRequest,
  GetKeyRotationStatusResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const getKeyRotationStatus = defineOperation<
  GetKeyRotationStatusRequest,
  GetKeyRotationStatusResponse
>("GetKeyRotationStatus", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "GetKeyRotationStatus", { allowAlias: false });
  const disabled = { KeyRotationEnabled: false, KeyId: key.keyId };
  if (!isSymmetricEncryptionKey(key.keySpec, key.keyUsage)) return disabled;
  if (key.origin !== "AWS_KMS" || key.customKeyStoreId !== undefined) throw originNotValid(key);
  const settings = await rotationSettingsOf(ctx.services.store, key);
  if (!settings.automatic || key.keyState === "PendingDeletion") return disabled;
  return {
    KeyRotationEnabled: true,
    KeyId: key.keyId,
    RotationPeriodInDays: settings.periodInDays,
    NextRotationDate: settings.nextRotationDate,
  };
});
