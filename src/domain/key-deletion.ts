/**
 * Deletes keys whose scheduled deletion date has passed. Driven by the clock (the composition
 * root runs it on an interval), never as a side effect of reading a key.
 */
import type { Services } from "../services.js";

export async function deleteDueKeys(services: Services): Promise<number> {
  const { store, clock, vault } = services;
  const due = await store.keys.listDueForDeletion(clock.now());
  for (const key of due) {
    await store.transaction((tx) => tx.keys.delete(key.arn));
    vault.forget(key.arn);
  }
  return due.length;
}
