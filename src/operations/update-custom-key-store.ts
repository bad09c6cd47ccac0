/**
 * UpdateCustomKeyStore: a new name or XKS proxy credential at any time; a new
 * XksProxyUriEndpoint, XksProxyUriPath or XksProxyConnectivity only while DISCONNECTED. Any
 * change that affects how Trent reaches the proxy is checked with GetHealthStatus first, so a
 * store is never saved pointing at a proxy that refuses it. A new secret is sealed under a new
 * credential id and the old sealed secret deleted.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateCustomKeyStore.html
 */

import {
  assertNoVpcEndpointService,
  checkProxyForSetup,
  cloudHsmClusterNotFound,
  customKeyStoreArn,
  invalidState,
  loadCustomKeyStore,
  lockCustomKeyStore,
  memberNotAllowed,
  nameInUse,
  storedSecret,
  vpcEndpointServiceUnsupported,
  xksProxyAt,
} from "../domain/custom-key-stores.js";
import { newKeyMaterialId } from "../domain/keys.js";
import type { XksProxySettings } from "../vocabulary/custom-key-store-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  UpdateCustomKeyStoreRequest,
  UpdateCustomKeyStoreResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

function uriInUse(): KmsError {
  return new KmsError(
    "XksProxyUriInUseException",
    "The concatenation of the XksProxyUriEndpoint and XksProxyUriPath is already associated with another external key store in this Region. Each external key store in a Region must use a unique external key store proxy API address.",
  );
}

function sameSettings(a: XksProxySettings | undefined, b: XksProxySettings): boolean {
  return (
    a !== undefined &&
    a.connectivity === b.connectivity &&
    a.uriEndpoint === b.uriEndpoint &&
    a.uriPath === b.uriPath &&
    a.accessKeyId === b.accessKeyId &&
    a.credentialMaterialId === b.credentialMaterialId
  );
}

export const updateCustomKeyStore = defineOperation<
  UpdateCustomKeyStoreRequest,
  UpdateCustomKeyStoreResponse
>("UpdateCustomKeyStore", async (input, ctx) => {
  const { store, random, vault } = ctx.services;
  const id = input.CustomKeyStoreId;
  const record = await loadCustomKeyStore(ctx, store, id);
  const current = record.xks;
  // Trent's stores are all external key stores (CloudHSM ones cannot be created).
  if (current === undefined) throw cloudHsmClusterNotFound();
  for (const member of ["CloudHsmClusterId", "KeyStorePassword"] as const)
    if (input[member] !== undefined)
      throw memberNotAllowed(member, "the custom key store is an EXTERNAL_KEY_STORE");

  const newName = input.NewCustomKeyStoreName;
  if (
    newName !== undefined &&
    newName !== record.name &&
    (await store.customKeyStores.findByName(record.accountId, record.region, newName))
  )
    throw nameInUse(newName);

  const connectivity = input.XksProxyConnectivity ?? current.connectivity;
  const addressChange =
    input.XksProxyUriEndpoint !== undefined ||
    input.XksProxyUriPath !== undefined ||
    input.XksProxyConnectivity !== undefined ||
    input.XksProxyVpcEndpointServiceName !== undefined ||
    input.XksProxyVpcEndpointServiceOwner !== undefined;
  const mustBeDisconnected = (state: string) =>
    invalidState(
      `Custom key store '${id}' is ${state}. Disconnect it (DisconnectCustomKeyStore) before you change its XksProxyUriEndpoint, XksProxyUriPath or XksProxyConnectivity.`,
    );
  if (addressChange && record.connectionState !== "DISCONNECTED")
    throw mustBeDisconnected(record.connectionState);
  if (connectivity === "VPC_ENDPOINT_SERVICE") throw vpcEndpointServiceUnsupported();
  assertNoVpcEndpointService(input);

  const credential = input.XksProxyAuthenticationCredential;
  const next: XksProxySettings = {
    connectivity,
    uriEndpoint: input.XksProxyUriEndpoint ?? current.uriEndpoint,
    uriPath: input.XksProxyUriPath ?? current.uriPath,
    accessKeyId: credential?.AccessKeyId ?? current.accessKeyId,
    credentialMaterialId:
      credential === undefined ? current.credentialMaterialId : newKeyMaterialId(random),
  };
  const uriChanged = next.uriEndpoint !== current.uriEndpoint || next.uriPath !== current.uriPath;
  const usedBy = uriChanged
    ? await store.customKeyStores.findByProxyUri(record.region, next.uriEndpoint, next.uriPath)
    : undefined;
  if (usedBy !== undefined && usedBy.id !== id) throw uriInUse();
  if (addressChange || credential !== undefined) {
    const secret = credential?.RawSecretAccessKey ?? (await storedSecret(ctx, store, record));
    await checkProxyForSetup(ctx, xksProxyAt(ctx, record.region, next, secret));
  }

  const storeArn = customKeyStoreArn(record.region, record.accountId, id);
  await store.transaction(async (tx) => {
    // Names first, then the store (the order of store.ts): the new name and proxy address are
    // checked free again, and stay free until this transaction has written them.
    if (newName !== undefined || uriChanged) await tx.customKeyStores.lockNames(record.region);
    const latest = await lockCustomKeyStore(ctx, tx, id);
    // Another request changed the proxy settings after they were read above: the proxy was
    // checked with settings that are no longer the store's, so nothing is saved.
    if (!sameSettings(latest.xks, current))
      throw invalidState(
        `Custom key store '${id}' was changed by another request while this one was being checked. Send the request again.`,
      );
    if (addressChange && latest.connectionState !== "DISCONNECTED")
      throw mustBeDisconnected(latest.connectionState);
    if (newName !== undefined && newName !== latest.name) {
      const holder = await tx.customKeyStores.findByName(latest.accountId, latest.region, newName);
      if (holder && holder.id !== id) throw nameInUse(newName);
    }
    if (uriChanged) {
      const holder = await tx.customKeyStores.findByProxyUri(
        latest.region,
        next.uriEndpoint,
        next.uriPath,
      );
      if (holder && holder.id !== id) throw uriInUse();
    }
    if (credential !== undefined) {
      await vault.create(
        tx,
        storeArn,
        next.credentialMaterialId,
        new TextEncoder().encode(credential.RawSecretAccessKey),
        undefined,
        ctx.now,
      );
      await tx.materials.delete(storeArn, current.credentialMaterialId);
    }
    await tx.customKeyStores.update({ ...latest, name: newName ?? latest.name, xks: next });
  });
  if (credential !== undefined) vault.forget(storeArn);
  return {};
});
