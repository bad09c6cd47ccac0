/**
 * Changes to a key as one atomic read-modify-write. The key is locked and read again inside a
 * transaction and its state checked again for the operation before the change is written, so a
 * stale copy never overwrites a concurrent change (another node's DisableKey on a shared
 * PostgreSQL, say), and two changes of one key run one after the other.
 */

import type { Store } from "../platform/store/store.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import { assertKeyState } from "./key-states.js";
import type { RequestContext } from "./request-context.js";

/**
 * The key as it now stands, locked until `tx` ends (store.ts), and checked again for the state
 * `operation` needs: the start of every transaction that reads a key, or what hangs off it, in
 * order to write. NotFoundException when it was deleted meanwhile.
 */
export async function lockKey(
  tx: Store,
  arn: string,
  operation: OperationName,
): Promise<KeyRecord> {
  const current = await tx.keys.lock(arn);
  if (!current) throw new KmsError("NotFoundException", `Key '${arn}' does not exist`);
  assertKeyState(current, operation);
  return current;
}

/**
 * Applies `change` to the current version of `key`. `change` returns the new record, or the
 * record it was given when nothing changes; it reads through `tx`, never around it (SQLite has
 * one connection, so a read around the transaction would wait for it forever). The result is
 * the key as it now stands.
 */
export async function changeKey(
  ctx: RequestContext,
  key: KeyRecord,
  operation: OperationName,
  change: (current: KeyRecord, tx: Store) => KeyRecord | Promise<KeyRecord>,
): Promise<KeyRecord> {
  return ctx.services.store.transaction(async (tx) => {
    const current = await lockKey(tx, key.arn, operation);
    const next = await change(current, tx);
    if (next !== current) await tx.keys.update(next);
    return next;
  });
}
