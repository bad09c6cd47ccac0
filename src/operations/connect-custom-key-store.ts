/**
 * ConnectCustomKeyStore: checks the XKS proxy with GetHealthStatus and records the outcome in
 * ConnectionState (CONNECTED, or FAILED with a ConnectionErrorCode); as on AWS, a failed
 * connection is not an error of this call. AWS connects asynchronously through CONNECTING;
 * Trent finishes before it answers. Connecting brings the store's Unavailable keys back to
 * Enabled. A store in FAILED must be disconnected before it connects again.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ConnectCustomKeyStore.html
 */
import {
  connectionOutcome,
  invalidState,
  loadCustomKeyStore,
  lockCustomKeyStore,
  setKeysAvailable,
  xksProxyOf,
} from "../domain/custom-key-stores.js";
import type {
  ConnectCustomKeyStoreRequest,
  ConnectCustomKeyStoreResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const connectCustomKeyStore = defineOperation<
  ConnectCustomKeyStoreRequest,
  ConnectCustomKeyStoreResponse
>("ConnectCustomKeyStore", async (input, ctx) => {
  const { store } = ctx.services;
  const id = input.CustomKeyStoreId;
  const record = await loadCustomKeyStore(ctx, store, id);
  if (record.connectionState === "FAILED" || record.connectionState === "DISCONNECTING")
    throw invalidState(
      `Custom key store '${id}' is ${record.connectionState}. To connect a custom key store in the FAILED state, disconnect it (DisconnectCustomKeyStore) and then connect it.`,
    );
  if (record.connectionState !== "DISCONNECTED") return {};

  const outcome = await connectionOutcome(ctx, await xksProxyOf(ctx, store, record));
  await store.transaction(async (tx) => {
    const current = await lockCustomKeyStore(ctx, tx, id);
    // Another request (another node) connected or disconnected it meanwhile: its answer stands.
    if (current.connectionState !== "DISCONNECTED") return;
    await tx.customKeyStores.update({
      ...current,
      connectionState: outcome.state,
      connectionErrorCode: outcome.state === "FAILED" ? outcome.code : undefined,
    });
    if (outcome.state === "CONNECTED") await setKeysAvailable(tx, id, true);
  });
  return {};
});
