/**
 * Deletes keys whose scheduled deletion date has passed. Driven by the clock (the composition
 * root runs it on an interval), never as a side effect of reading a key. Each deletion is
 * audited as CloudTrail audits it, a DeleteKey service event, written once the deletion has
 * committed and awaited before the next key.
 */

import { releasePrimaryAfterReplicaDeletion } from "./multi-region.js";
import type { Services } from "./services.js";

export async function deleteDueKeys(services: Services): Promise<number> {
  const { store, clock, vault } = services;
  const now = clock.now();
  let deleted = 0;
  for (const due of await store.keys.listDueForDeletion(now)) {
    const done = await store.transaction(async (tx) => {
      // Locked and read again: a CancelKeyDeletion or another node's sweep may have come
      // first, and neither must end in a deletion (or a second DeleteKey record).
      const key = await tx.keys.lock(due.arn);
      const date = key?.deletionDate;
      if (key?.keyState !== "PendingDeletion" || date === undefined || date > now) return false;
      await tx.keys.delete(key.arn);
      // The last replica gone starts its primary's own waiting period.
      await releasePrimaryAfterReplicaDeletion(tx, key, now);
      return true;
    });
    if (!done) continue;
    vault.forget(due.arn);
    deleted += 1;
    await services.audit.recordServiceEvent({
      eventName: "DeleteKey",
      eventId: services.random.uuid(),
      time: now,
      keyArn: due.arn,
    });
  }
  return deleted;
}
