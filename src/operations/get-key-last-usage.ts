/**
 * GetKeyLastUsage: the last successful cryptographic operation that used a key, with its time,
 * request id and the eventID of its audit record, as the request pipeline recorded it.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
 *
 * KeyLastUsage is an empty structure when the key has not been used since tracking began.
 * TrackingStartDate is "the date from which KMS began recording cryptographic activity for this
 * key, or the date the KMS key was created, whichever is later": for keys created after Trent
 * began tracking (migration 0002) that is the creation date.
 */
import { resolveKey } from "../domain/key-access.js";
import type {
  GetKeyLastUsageRequest,
  GetKeyLastUsageResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const getKeyLastUsage = defineOperation<GetKeyLastUsageRequest, GetKeyLastUsageResponse>(
  "GetKeyLastUsage",
  async (input, ctx) => {
    // "Alias names are not supported": only a key id or key ARN names the key.
    const key = await resolveKey(ctx, input.KeyId, "GetKeyLastUsage", { allowAlias: false });
    // Uses are written in batches; this node's own recent uses must count too.
    await ctx.services.audit.flushKeyUses();
    const usage = await ctx.services.store.lastUsage.get(key.arn);
    const trackingStart = usage?.trackingStartDate;
    const lastUse = usage?.lastUse;
    return {
      KeyId: key.keyId,
      KeyLastUsage: lastUse
        ? {
            Operation: lastUse.operation,
            Timestamp: lastUse.timestamp,
            CloudTrailEventId: lastUse.eventId,
            KmsRequestId: lastUse.requestId,
          }
        : {},
      TrackingStartDate:
        trackingStart && trackingStart > key.creationDate ? trackingStart : key.creationDate,
      KeyCreationDate: key.creationDate,
    };
  },
);
