/**
 * CreateCustomKeyStore: an external key store (EXTERNAL_KEY_STORE) backed by a real XKS proxy
 * at a public HTTPS endpoint, checked with GetHealthStatus before it is saved, DISCONNECTED
 * until ConnectCustomKeyStore. The proxy's secret access key is sealed under the root key.
 * AWS_CLOUDHSM (the default type) always answers CloudHsmClusterNotFoundException: Trent has
 * no CloudHSM clusters. VPC_ENDPOINT_SERVICE connectivity is refused: Trent cannot reach
 * VPC endpoint services. See docs/custom-key-stores.md.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html
 */

import {
  assertNoVpcEndpointService,
  checkProxyForSetup,
  cloudHsmClusterNotFound,
  customKeyStoreArn,
  memberNotAllowed,
  missingMember,
  nameInUse,
  newCustomKeyStoreId,
  vpcEndpointServiceUnsupported,
  xksProxyAt,
} from "../domain/custom-key-stores.js";
import { newKeyMaterialId } from "../domain/keys.js";
import type { Store } from "../platform/store/store.js";
import type {
  CustomKeyStoreRecord,
  XksProxySettings,
} from "../vocabulary/custom-key-store-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  CreateCustomKeyStoreRequest,
  CreateCustomKeyStoreResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

const cloudHsmMembers = [
  "CloudHsmClusterId",
  "TrustAnchorCertificate",
  "KeyStorePassword",
] as const;
const xksMembers = [
  "XksProxyUriEndpoint",
  "XksProxyUriPath",
  "XksProxyVpcEndpointServiceName",
  "XksProxyVpcEndpointServiceOwner",
  "XksProxyAuthenticationCredential",
  "XksProxyConnectivity",
] as const;

function uriInUse(): KmsError {
  return new KmsError(
    "XksProxyUriInUseException",
    "The concatenation of the XksProxyUriEndpoint and XksProxyUriPath is already associated with another external key store in this Region. Each external key store in a Region must use a unique external key store proxy API address.",
  );
}

/** Names and proxy addresses are unique: checked before the proxy is called and again on save. */
async function assertUnique(store: Store, record: CustomKeyStoreRecord): Promise<void> {
  if (await store.customKeyStores.findByName(record.accountId, record.region, record.name))
    throw nameInUse(record.name);
  if (
    record.xks &&
    (await store.customKeyStores.findByProxyUri(
      record.region,
      record.xks.uriEndpoint,
      record.xks.uriPath,
    ))
  )
    throw uriInUse();
}

export const createCustomKeyStore = defineOperation<
  CreateCustomKeyStoreRequest,
  CreateCustomKeyStoreResponse
>("CreateCustomKeyStore", async (input, ctx) => {
  const { accountId, region } = ctx.caller;
  const { store, random, vault } = ctx.services;
  const type = input.CustomKeyStoreType ?? "AWS_CLOUDHSM";

  if (type === "AWS_CLOUDHSM") {
    for (const member of xksMembers)
      if (input[member] !== undefined)
        throw memberNotAllowed(member, "CustomKeyStoreType is AWS_CLOUDHSM");
    if (input.CloudHsmClusterId === undefined) throw missingMember("cloudHsmClusterId");
    if (input.TrustAnchorCertificate === undefined) throw missingMember("trustAnchorCertificate");
    if (input.KeyStorePassword === undefined) throw missingMember("keyStorePassword");
    if (await store.customKeyStores.findByName(accountId, region, input.CustomKeyStoreName))
      throw nameInUse(input.CustomKeyStoreName);
    throw cloudHsmClusterNotFound();
  }

  for (const member of cloudHsmMembers)
    if (input[member] !== undefined)
      throw memberNotAllowed(member, "CustomKeyStoreType is EXTERNAL_KEY_STORE");
  const connectivity = input.XksProxyConnectivity;
  if (connectivity === undefined) throw missingMember("xksProxyConnectivity");
  if (input.XksProxyUriEndpoint === undefined) throw missingMember("xksProxyUriEndpoint");
  if (input.XksProxyUriPath === undefined) throw missingMember("xksProxyUriPath");
  const credential = input.XksProxyAuthenticationCredential;
  if (credential === undefined) throw missingMember("xksProxyAuthenticationCredential");
  if (connectivity === "VPC_ENDPOINT_SERVICE") {
    if (input.XksProxyVpcEndpointServiceName === undefined)
      throw missingMember("xksProxyVpcEndpointServiceName");
    throw vpcEndpointServiceUnsupported();
  }
  assertNoVpcEndpointService(input);

  const xks: XksProxySettings = {
    connectivity,
    uriEndpoint: input.XksProxyUriEndpoint,
    uriPath: input.XksProxyUriPath,
    accessKeyId: credential.AccessKeyId,
    credentialMaterialId: newKeyMaterialId(random),
  };
  const record: CustomKeyStoreRecord = {
    id: newCustomKeyStoreId(random),
    accountId,
    region,
    name: input.CustomKeyStoreName,
    type,
    creationDate: ctx.now,
    connectionState: "DISCONNECTED",
    connectionErrorCode: undefined,
    xks,
  };
  await assertUnique(store, record);
  await checkProxyForSetup(ctx, xksProxyAt(ctx, region, xks, credential.RawSecretAccessKey));

  await store.transaction(async (tx) => {
    // Another request may be creating a store of the same name or proxy address right now.
    await tx.customKeyStores.lockNames(region);
    await assertUnique(tx, record);
    await vault.create(
      tx,
      customKeyStoreArn(region, accountId, record.id),
      xks.credentialMaterialId,
      new TextEncoder().encode(credential.RawSecretAccessKey),
      undefined,
      ctx.now,
    );
    await tx.customKeyStores.insert(record);
  });
  return { CustomKeyStoreId: record.id };
});
