/**
 * Custom key stores: the rules CreateCustomKeyStore, DescribeCustomKeyStores,
 * UpdateCustomKeyStore, DeleteCustomKeyStore, ConnectCustomKeyStore, DisconnectCustomKeyStore
 * and CreateKey (with CustomKeyStoreId) share.
 *
 * Trent has no CloudHSM clusters, so an AWS_CLOUDHSM store can never be created: every cluster
 * id is unknown (CloudHsmClusterNotFoundException). EXTERNAL_KEY_STORE stores talk to a real
 * XKS proxy (src/platform/xks/) over HTTPS at a public endpoint; Trent cannot reach VPC endpoint
 * services, so VPC_ENDPOINT_SERVICE connectivity is refused with a message saying so.
 *
 * The proxy's secret access key is sealed under the root key like key material (the vault, in
 * key_materials, under the store's ARN and a fresh credential id per secret), never stored,
 * logged or echoed in plaintext. The failure messages of proxy calls are the ones the XKS proxy
 * API specification lists for KMS ("Error codes", KMS considerations).
 * https://docs.aws.amazon.com/kms/latest/developerguide/keystore-external.html
 */

import { randomHex } from "../platform/crypto/random.js";
import type { Store } from "../platform/store/store.js";
import {
  getHealthStatus,
  getKeyMetadata,
  XksCallError,
  type XksFailure,
  type XksProxy,
  type XksRequestMetadata,
} from "../platform/xks/client.js";
import { partitionOf } from "../vocabulary/arns.js";
import type {
  CustomKeyStoreRecord,
  XksProxySettings,
} from "../vocabulary/custom-key-store-records.js";
import { KmsError, type KmsErrorType } from "../vocabulary/kms-errors.js";
import type { Random } from "../vocabulary/ports.js";
import type {
  ConnectionErrorCodeType,
  CustomKeyStoresListEntry,
  KeyState,
} from "../vocabulary/types.generated.js";
import { validationError } from "../vocabulary/validation.js";
import type { RequestContext } from "./request-context.js";

/** "cks-" and 17 hex digits, the shape of AWS's custom key store ids. */
export function newCustomKeyStoreId(random: Random): string {
  return `cks-${randomHex(random, 9).slice(0, 17)}`;
}

/** The name the store's sealed credential is bound to (AAD of the seal); not on the wire. */
export function customKeyStoreArn(region: string, accountId: string, id: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:custom-key-store/${id}`;
}

export function customKeyStoreNotFound(id: string): KmsError {
  return new KmsError("CustomKeyStoreNotFoundException", `Custom key store '${id}' does not exist`);
}

/** The caller's store with this id, or CustomKeyStoreNotFoundException. */
export async function loadCustomKeyStore(
  ctx: RequestContext,
  store: Store,
  id: string,
): Promise<CustomKeyStoreRecord> {
  const { accountId, region } = ctx.caller;
  const found = await store.customKeyStores.get(accountId, region, id);
  if (!found) throw customKeyStoreNotFound(id);
  return found;
}

/**
 * The caller's store with this id, locked until `tx` ends (store.ts) and read as it now stands:
 * the start of every transaction that changes a store's state or the keys it holds.
 */
export async function lockCustomKeyStore(
  ctx: RequestContext,
  tx: Store,
  id: string,
): Promise<CustomKeyStoreRecord> {
  const { accountId, region } = ctx.caller;
  const found = await tx.customKeyStores.lock(accountId, region, id);
  if (!found) throw customKeyStoreNotFound(id);
  return found;
}

export function nameInUse(name: string): KmsError {
  return new KmsError(
    "CustomKeyStoreNameInUseException",
    `Custom key store name '${name}' is already in use in this account and Region.`,
  );
}

export function invalidState(message: string): KmsError {
  return new KmsError("CustomKeyStoreInvalidStateException", message);
}

/** What AWS's API reference says of a cluster it cannot find: true of every id in Trent. */
export function cloudHsmClusterNotFound(): KmsError {
  return new KmsError(
    "CloudHsmClusterNotFoundException",
    "The request was rejected because AWS KMS cannot find the AWS CloudHSM cluster with the specified cluster ID. Retry the request with a different cluster ID.",
  );
}

export function vpcEndpointServiceUnsupported(): KmsError {
  return new KmsError(
    "XksProxyVpcEndpointServiceNotFoundException",
    "Trent cannot reach Amazon VPC endpoint services. Use XksProxyConnectivity PUBLIC_ENDPOINT with an XKS proxy that Trent can reach over HTTPS.",
  );
}

/** A required member the model leaves optional (it depends on CustomKeyStoreType). */
export function missingMember(member: string): KmsError {
  return validationError(member, null, "not be null");
}

/** A member that does not apply to the kind of store or connectivity in the request. */
export function memberNotAllowed(member: string, when: string): KmsError {
  return new KmsError("ValidationException", `${member} is not valid when ${when}.`);
}

/** A public endpoint proxy takes no VPC endpoint service members (CreateCustomKeyStore, UpdateCustomKeyStore). */
export function assertNoVpcEndpointService(input: {
  readonly XksProxyVpcEndpointServiceName?: string | undefined;
  readonly XksProxyVpcEndpointServiceOwner?: string | undefined;
}): void {
  for (const member of [
    "XksProxyVpcEndpointServiceName",
    "XksProxyVpcEndpointServiceOwner",
  ] as const)
    if (input[member] !== undefined)
      throw memberNotAllowed(member, "XksProxyConnectivity is PUBLIC_ENDPOINT");
}

/** The wire entry of DescribeCustomKeyStores: never the secret access key. */
export function customKeyStoreEntry(store: CustomKeyStoreRecord): CustomKeyStoresListEntry {
  return {
    CustomKeyStoreId: store.id,
    CustomKeyStoreName: store.name,
    CustomKeyStoreType: store.type,
    ConnectionState: store.connectionState,
    ConnectionErrorCode: store.connectionState === "FAILED" ? store.connectionErrorCode : undefined,
    CreationDate: store.creationDate,
    XksProxyConfiguration: store.xks && {
      Connectivity: store.xks.connectivity,
      AccessKeyId: store.xks.accessKeyId,
      UriEndpoint: store.xks.uriEndpoint,
      UriPath: store.xks.uriPath,
    },
  };
}

/** An XKS proxy at `settings` signing with `secretAccessKey`. */
export function xksProxyAt(
  ctx: RequestContext,
  region: string,
  settings: Pick<XksProxySettings, "uriEndpoint" | "uriPath" | "accessKeyId">,
  secretAccessKey: string,
): XksProxy {
  return {
    transport: ctx.services.xksTransport,
    uriEndpoint: settings.uriEndpoint,
    uriPath: settings.uriPath,
    region,
    credential: { accessKeyId: settings.accessKeyId, secretAccessKey },
  };
}

/** The stored secret access key of an external key store, opened from the vault. */
export async function storedSecret(
  ctx: RequestContext,
  store: Store,
  record: CustomKeyStoreRecord,
): Promise<string> {
  const materialId = record.xks?.credentialMaterialId;
  const secret =
    materialId === undefined
      ? undefined
      : await ctx.services.vault.open(
          store,
          customKeyStoreArn(record.region, record.accountId, record.id),
          materialId,
        );
  if (secret === undefined)
    throw new Error(`custom key store ${record.id} has no XKS proxy credential`);
  return new TextDecoder().decode(secret);
}

/** The XKS proxy of an external key store, with its secret opened from the vault. */
export async function xksProxyOf(
  ctx: RequestContext,
  store: Store,
  record: CustomKeyStoreRecord,
): Promise<XksProxy> {
  if (record.xks === undefined) throw new Error(`custom key store ${record.id} has no XKS proxy`);
  return xksProxyAt(ctx, record.region, record.xks, await storedSecret(ctx, store, record));
}

/** The requestMetadata of an XKS request made for the current KMS request. */
export function xksRequestMetadata(
  ctx: RequestContext,
  kmsKeyArn?: string | undefined,
): XksRequestMetadata {
  return {
    awsPrincipalArn: ctx.caller.principalArn,
    kmsKeyArn,
    kmsOperation: ctx.operation,
    kmsRequestId: ctx.requestId,
  };
}

/** The messages KMS gives for each proxy failure (XKS proxy API specification, Error codes). */
export const xksMessages = {
  invalidResponse:
    "AWS KMS cannot interpret the response from the external key store proxy. If you see this error repeatedly, report it to your external key store proxy administrator.",
  keyNotEnabled:
    "The external key associated with this KMS key in an external key store is not enabled in the external key manager. Enable the external key in the external key manager and retry the request.",
  invalidCiphertext:
    "The external key store proxy rejected the request because the specified ciphertext or encryption context is corrupted, missing, or otherwise invalid.",
  keyUsage:
    "The external key associated with this KMS key in an external key store does not support the requested operation. Enable the operation on the key in your external key manager, and try the request again.",
  authentication:
    "The external key store proxy rejected the request because it could not authenticate AWS KMS. Verify the XKS proxy authentication credentials for your external key store and update if necessary.",
  accessDenied:
    "The external key store proxy denied access to the operation. Verify that the user and the external key are both authorized for this operation, and try the request again.",
  keyNotFound:
    "The external key associated with this KMS key in an external key store was not found in its external key manager. If the external key ID associated with this KMS key is incorrect, create a new KMS key with the correct external key ID.",
  uriPath:
    "The external key store proxy rejected the request because of an invalid URI path. Verify the URI path for your external key store and update if necessary.",
  unsupported:
    "The external key store proxy rejected the request because it does not support the requested operation. If you see this error repeatedly, report it to your external key store proxy administrator.",
  dependencyTimeout:
    "The external key store proxy did not respond to the request in the time allotted. Retry the request. If you see this error repeatedly, report it to your external key store proxy administrator.",
  throttling:
    "The external key store proxy rejected the request due to a very high request rate. Reduce the frequency of your calls using KMS keys in this external key store.",
  internal:
    "The external key store proxy rejected the request because it cannot communicate with the external key manager. Verify that the external key store proxy configuration is correct and that the external key manager is available.",
  unreachable:
    "AWS KMS cannot communicate with the external key store proxy. This might be a transient network issue. If you see this error repeatedly, verify that your external key store proxy is active and is connected to the network, and that its endpoint URI is correct in your external keystore.",
  tls: "AWS KMS cannot establish a TLS connection to the external key store proxy. Verify the TLS configuration, including its certificate.",
  timeout:
    "AWS KMS rejected the request because the external key store proxy did not respond in time. Retry the request. If you see this error repeatedly, report it to your external key store proxy administrator.",
  notConnected:
    "This KMS key is in a custom key store that is not connected to its external key store proxy. Connect the external key store and try the request again.",
  unhealthy:
    "The external key store proxy reports that none of its external key managers is available. Verify that the external key manager is available.",
} as const;

type XksMessage = keyof typeof xksMessages;

function messageOf(failure: XksFailure): XksMessage {
  if (failure.kind === "malformed") return "invalidResponse";
  if (failure.kind === "transport") return failure.failure;
  const byName: Record<typeof failure.errorName, XksMessage> = {
    ValidationException: "invalidResponse",
    InvalidStateException: "keyNotEnabled",
    InvalidCiphertextException: "invalidCiphertext",
    InvalidKeyUsageException: "keyUsage",
    AuthenticationFailedException: "authentication",
    AccessDeniedException: "accessDenied",
    KeyNotFoundException: "keyNotFound",
    InvalidUriPathException: "uriPath",
    ThrottlingException: "throttling",
    UnsupportedOperationException: "unsupported",
    DependencyTimeoutException: "dependencyTimeout",
    InternalException: "internal",
  };
  return byName[failure.errorName];
}

/** The exception CreateCustomKeyStore and UpdateCustomKeyStore answer for a failed health check. */
function storeSetupType(failure: XksFailure): KmsErrorType {
  if (failure.kind === "transport") return "XksProxyUriUnreachableException";
  if (failure.kind === "malformed") return "XksProxyInvalidResponseException";
  switch (failure.errorName) {
    case "AuthenticationFailedException":
      return "XksProxyIncorrectAuthenticationCredentialException";
    case "InvalidUriPathException":
      return "XksProxyInvalidConfigurationException";
    case "DependencyTimeoutException":
    case "ThrottlingException":
      return "XksProxyUriUnreachableException";
    default:
      return "XksProxyInvalidResponseException";
  }
}

/** The ConnectionErrorCode of a store whose connection attempt failed this way. */
function connectionErrorCode(failure: XksFailure): ConnectionErrorCodeType {
  if (failure.kind === "malformed") return "XKS_PROXY_INVALID_RESPONSE";
  if (failure.kind === "transport")
    return failure.failure === "tls"
      ? "XKS_PROXY_INVALID_TLS_CONFIGURATION"
      : failure.failure === "timeout"
        ? "XKS_PROXY_TIMED_OUT"
        : "XKS_PROXY_NOT_REACHABLE";
  switch (failure.errorName) {
    case "AuthenticationFailedException":
      return "INVALID_CREDENTIALS";
    case "AccessDeniedException":
      return "XKS_PROXY_ACCESS_DENIED";
    case "InvalidUriPathException":
      return "XKS_PROXY_INVALID_CONFIGURATION";
    case "DependencyTimeoutException":
      return "XKS_PROXY_TIMED_OUT";
    case "ThrottlingException":
      return "XKS_PROXY_NOT_REACHABLE";
    default:
      return "XKS_PROXY_INVALID_RESPONSE";
  }
}

function isXksCallError(error: unknown): error is XksCallError {
  return error instanceof XksCallError;
}

/**
 * GetHealthStatus for Create/UpdateCustomKeyStore: success, or the operation's exception. A
 * proxy whose every external key manager is UNAVAILABLE cannot serve the store either.
 */
export async function checkProxyForSetup(ctx: RequestContext, proxy: XksProxy): Promise<void> {
  let health: string[];
  try {
    health = await getHealthStatus(proxy, xksRequestMetadata(ctx), ctx.now);
  } catch (error) {
    if (!isXksCallError(error)) throw error;
    throw new KmsError(storeSetupType(error.failure), xksMessages[messageOf(error.failure)]);
  }
  if (health.every((status) => status === "UNAVAILABLE"))
    throw new KmsError("XksProxyInvalidResponseException", xksMessages.unhealthy);
}

/** GetHealthStatus for ConnectCustomKeyStore: CONNECTED, or FAILED with its error code. */
export async function connectionOutcome(
  ctx: RequestContext,
  proxy: XksProxy,
): Promise<{ state: "CONNECTED" } | { state: "FAILED"; code: ConnectionErrorCodeType }> {
  try {
    const health = await getHealthStatus(proxy, xksRequestMetadata(ctx), ctx.now);
    if (health.every((status) => status === "UNAVAILABLE"))
      return { state: "FAILED", code: "INTERNAL_ERROR" };
    return { state: "CONNECTED" };
  } catch (error) {
    if (!isXksCallError(error)) throw error;
    return { state: "FAILED", code: connectionErrorCode(error.failure) };
  }
}

/** The exception CreateKey answers when the proxy fails GetKeyMetadata this way. */
function createKeyError(failure: XksFailure): KmsError {
  const message = xksMessages[messageOf(failure)];
  if (failure.kind !== "proxy") return invalidState(message);
  switch (failure.errorName) {
    case "InvalidStateException":
    case "InvalidKeyUsageException":
      return new KmsError("XksKeyInvalidConfigurationException", message);
    case "KeyNotFoundException":
      return new KmsError("XksKeyNotFoundException", message);
    case "AccessDeniedException":
      return new KmsError("KMSInvalidStateException", message);
    default:
      return invalidState(message);
  }
}

const xksKeyRequirements =
  "The external key must be an AES-256 symmetric key that is enabled in the external key manager and performs encryption and decryption.";

/**
 * Checks, through GetKeyMetadata, that the external key can back a KMS key: AES_256, ENCRYPT and
 * DECRYPT, ENABLED (the spec's three CreateKey conditions).
 */
export async function checkExternalKey(
  ctx: RequestContext,
  proxy: XksProxy,
  xksKeyId: string,
): Promise<void> {
  let metadata: Awaited<ReturnType<typeof getKeyMetadata>>;
  try {
    metadata = await getKeyMetadata(proxy, xksKeyId, xksRequestMetadata(ctx), ctx.now);
  } catch (error) {
    if (!isXksCallError(error)) throw error;
    throw createKeyError(error.failure);
  }
  if (metadata.keySpec !== "AES_256")
    throw new KmsError(
      "XksKeyInvalidConfigurationException",
      `The external key ${xksKeyId} has key spec ${metadata.keySpec}. ${xksKeyRequirements}`,
    );
  if (!metadata.keyUsage.includes("ENCRYPT") || !metadata.keyUsage.includes("DECRYPT"))
    throw new KmsError(
      "XksKeyInvalidConfigurationException",
      `The external key ${xksKeyId} does not perform both encryption and decryption. ${xksKeyRequirements}`,
    );
  if (metadata.keyStatus !== "ENABLED")
    throw new KmsError("XksKeyInvalidConfigurationException", xksMessages.keyNotEnabled);
}

/** The exception a cryptographic operation answers for a failed Encrypt or Decrypt call. */
export function cryptographicFailure(error: unknown): unknown {
  if (!isXksCallError(error)) return error;
  return new KmsError("KMSInvalidStateException", xksMessages[messageOf(error.failure)]);
}

/**
 * The key states a store's keys move between when it disconnects and reconnects: AWS shows keys
 * of a disconnected store as Unavailable. Only Enabled ↔ Unavailable moves, so a key disabled or
 * pending deletion keeps that state, and reconnecting restores exactly what disconnecting hid.
 */
export async function setKeysAvailable(
  store: Store,
  customKeyStoreId: string,
  available: boolean,
): Promise<void> {
  const from: KeyState = available ? "Unavailable" : "Enabled";
  const to: KeyState = available ? "Enabled" : "Unavailable";
  for (const arn of await store.customKeyStores.keyArns(customKeyStoreId)) {
    const key = await store.keys.lock(arn);
    if (key?.keyState === from) await store.keys.update({ ...key, keyState: to });
  }
}

/** Where a new key in a custom key store lives: the store, and for XKS keys the external key. */
export interface CustomKeyStorePlacement {
  readonly customKeyStoreId: string;
  readonly xksKeyId: string;
}

export interface CustomKeyStoreKeyRequest {
  readonly CustomKeyStoreId: string;
  readonly XksKeyId?: string | undefined;
  readonly MultiRegion?: boolean | undefined;
}

function xksKeyInUse(xksKeyId: string): KmsError {
  return new KmsError(
    "XksKeyAlreadyInUseException",
    `The external key ${xksKeyId} is already associated with a KMS key in this external key store. Each KMS key in an external key store must be associated with a different external key.`,
  );
}

/** Whether an existing key (not one since deleted) is backed by this external key. */
async function xksKeyTaken(store: Store, customKeyStoreId: string, xksKeyId: string) {
  for (const entry of await store.customKeyStores.findXksKey(customKeyStoreId, xksKeyId))
    if (await store.keys.get(entry.keyArn)) return true;
  return false;
}

/**
 * The checks CreateKey makes for a key in a custom key store, in this order: the store exists,
 * is of the origin's kind, the key is a single-Region symmetric encryption key, the store is
 * CONNECTED, the external key backs no other key of the store, and GetKeyMetadata says it is an
 * enabled AES-256 key that encrypts and decrypts.
 */
export async function placeKeyInCustomKeyStore(
  ctx: RequestContext,
  request: CustomKeyStoreKeyRequest,
  origin: "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE",
  keySpec: string,
): Promise<CustomKeyStorePlacement> {
  const { store } = ctx.services;
  const record = await loadCustomKeyStore(ctx, store, request.CustomKeyStoreId);
  if (record.type !== origin)
    throw new KmsError(
      "UnsupportedOperationException",
      `Origin ${origin} is not valid for custom key store '${record.id}', whose CustomKeyStoreType is ${record.type}.`,
    );
  if (keySpec !== "SYMMETRIC_DEFAULT")
    throw new KmsError(
      "UnsupportedOperationException",
      `KeySpec ${keySpec} is not supported for KMS keys in a custom key store. Only SYMMETRIC_DEFAULT keys can be created in a custom key store.`,
    );
  if (request.MultiRegion === true)
    throw new KmsError(
      "UnsupportedOperationException",
      "Multi-Region keys cannot be created in a custom key store.",
    );
  if (record.connectionState !== "CONNECTED") throw invalidState(xksMessages.notConnected);
  const xksKeyId = request.XksKeyId;
  if (xksKeyId === undefined) throw missingMember("xksKeyId");
  if (await xksKeyTaken(store, record.id, xksKeyId)) throw xksKeyInUse(xksKeyId);
  await checkExternalKey(ctx, await xksProxyOf(ctx, store, record), xksKeyId);
  return { customKeyStoreId: record.id, xksKeyId };
}

/**
 * Records the key's external key, inside CreateKey's transaction, with the store locked and
 * checked again: another request may have disconnected or deleted it, or placed another key
 * on the same external key, since placeKeyInCustomKeyStore looked.
 */
export async function recordExternalKey(
  ctx: RequestContext,
  tx: Store,
  keyArn: string,
  placement: CustomKeyStorePlacement,
): Promise<void> {
  const record = await lockCustomKeyStore(ctx, tx, placement.customKeyStoreId);
  if (record.connectionState !== "CONNECTED") throw invalidState(xksMessages.notConnected);
  if (await xksKeyTaken(tx, placement.customKeyStoreId, placement.xksKeyId))
    throw xksKeyInUse(placement.xksKeyId);
  await tx.customKeyStores.putXksKey({ keyArn, ...placement });
}
