/**
 * Deletes keys whose scheduled deletion date has passed. Driven by the clock (the composition
 * root runs it on an interval), never as a side effect of reading a key.
 */
import type { Services } from "../services.js";
import { releasePrimaryAfterReplicaDeletion } from "./multi-region.js";

export async function deleteDueKeys(services: Services): Promise<number> {
  const { store, clock, vault } = services;
  const due = await store.keys.listDueForDeletion(clock.now());
  for (const key of due) {
    await store.transaction(async (tx) => {
      await tx.keys.delete(key.arn);
      // The last replica gone starts its primary's own waiting period.
      await releasePrimaryAfterReplicaDeletion(tx, key, clock.now());
    });
    vault.forget(key.arn);
  }
  return due.length;
}
