/**
 * DisconnectCustomKeyStore: the store becomes DISCONNECTED (from CONNECTED, CONNECTING or
 * FAILED) and its Enabled keys Unavailable, so no cryptographic operation reaches the proxy
 * until it is connected again.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DisconnectCustomKeyStore.html
 */
import { invalidState, lockCustomKeyStore, setKeysAvailable } from "../domain/custom-key-stores.js";
import type {
  DisconnectCustomKeyStoreRequest,
  DisconnectCustomKeyStoreResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const disconnectCustomKeyStore = defineOperation<
  DisconnectCustomKeyStoreRequest,
  DisconnectCustomKeyStoreResponse
>("DisconnectCustomKeyStore", async (input, ctx) => {
  const id = input.CustomKeyStoreId;
  await ctx.services.store.transaction(async (tx) => {
    const record = await lockCustomKeyStore(ctx, tx, id);
    if (record.connectionState === "DISCONNECTED" || record.connectionState === "DISCONNECTING")
      throw invalidState(`Custom key store '${id}' is ${record.connectionState}.`);
    await tx.customKeyStores.update({
      ...record,
      connectionState: "DISCONNECTED",
      connectionErrorCode: undefined,
    });
    await setKeysAvailable(tx, id, false);
  });
  return {};
});
