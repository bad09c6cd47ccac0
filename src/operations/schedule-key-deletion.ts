/**
 * ScheduleKeyDeletion: the key becomes PendingDeletion and is deleted when its waiting period
 * (PendingWindowInDays, 7–30, default 30) ends; the clock-driven sweep in key-deletion.ts does
 * the deleting. Takes a key id or key ARN; answers with the key ARN.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import { pendingWindow, scheduledForDeletion } from "../domain/keys.js";
import { withReplicaDeletionRule } from "../domain/multi-region.js";
import type {
  ScheduleKeyDeletionRequest,
  ScheduleKeyDeletionResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const scheduleKeyDeletion = defineOperation<
  ScheduleKeyDeletionRequest,
  ScheduleKeyDeletionResponse
>("ScheduleKeyDeletion", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "ScheduleKeyDeletion", { allowAlias: false });
  const days = input.PendingWindowInDays ?? pendingWindow.default;
  // A multi-Region primary with replicas waits for them first (PendingReplicaDeletion).
  const scheduled = await changeKey(ctx, key, "ScheduleKeyDeletion", (current, tx) =>
    withReplicaDeletionRule(tx, scheduledForDeletion(current, ctx.now, days)),
  );
  return {
    KeyId: scheduled.arn,
    DeletionDate: scheduled.deletionDate,
    KeyState: scheduled.keyState,
    PendingWindowInDays: days,
  };
});
