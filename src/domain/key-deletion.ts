/**
 * Deletes keys whose scheduled deletion date has passed. Driven by the clock (the composition
 * root runs it on an interval), never as a side effect of reading a key.
 */
import type { Services } from "../services.js";
import { releasePrimaryAfterReplicaDeletion } from "./multi-region.js";

export async function deleteDueKeys(services: Services): Promise<number> {
  const { store, clock, vault } = services;
  const now = clock.now();
  const due = await store.keys.listDueForDeletion(now);
  let deleted = 0;
  for (const key of due) {
    const done = await store.transaction(async (tx) => {
      // Locked and read again: another request (another node) may have cancelled the deletion
      // since the list was read, or another node's sweep deleted the key already.
      const current = await tx.keys.lock(key.arn);
      const date = current?.deletionDate;
      if (current?.keyState !== "PendingDeletion" || date === undefined || date > now) return false;
      await tx.keys.delete(key.arn);
      // The last replica gone starts its primary's own waiting period.
      await releasePrimaryAfterReplicaDeletion(tx, current, clock.now());
      return true;
    });
    vault.forget(key.arn);
    if (done) deleted += 1;
  }
  return deleted;
}
