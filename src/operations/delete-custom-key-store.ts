/**
 * DeleteCustomKeyStore: only a store with no keys left (in any state, pending deletion
 * included) and DISCONNECTED. Its sealed XKS proxy credential goes with it. Nothing is deleted
 * in the external key manager.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteCustomKeyStore.html
 */
import {
  customKeyStoreArn,
  invalidState,
  lockCustomKeyStore,
} from "../domain/custom-key-stores.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  DeleteCustomKeyStoreRequest,
  DeleteCustomKeyStoreResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const deleteCustomKeyStore = defineOperation<
  DeleteCustomKeyStoreRequest,
  DeleteCustomKeyStoreResponse
>("DeleteCustomKeyStore", async (input, ctx) => {
  const { store, vault } = ctx.services;
  const id = input.CustomKeyStoreId;
  const arn = await store.transaction(async (tx) => {
    const record = await lockCustomKeyStore(ctx, tx, id);
    if ((await tx.customKeyStores.keyArns(id)).length > 0)
      throw new KmsError(
        "CustomKeyStoreHasCMKsException",
        `Custom key store '${id}' still contains KMS keys. Delete them (ScheduleKeyDeletion) and wait until they are deleted before you delete the custom key store.`,
      );
    if (record.connectionState !== "DISCONNECTED")
      throw invalidState(
        `Custom key store '${id}' is ${record.connectionState}. Disconnect it (DisconnectCustomKeyStore) before you delete it.`,
      );
    const storeArn = customKeyStoreArn(record.region, record.accountId, id);
    if (record.xks) await tx.materials.delete(storeArn, record.xks.credentialMaterialId);
    await tx.customKeyStores.delete(record.accountId, record.region, id);
    return storeArn;
  });
  vault.forget(arn);
  return {};
});
