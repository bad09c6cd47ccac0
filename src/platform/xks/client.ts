/**
 * A client of the AWS KMS External Key Store (XKS) Proxy API, version 1: GetHealthStatus,
 * GetKeyMetadata, Encrypt and Decrypt, each a signed JSON POST under
 * <XksProxyUriEndpoint><XksProxyUriPath>. Spec:
 * https://github.com/aws/aws-kms-xksproxy-api-spec/blob/main/xks_proxy_api_spec.md
 *
 * Every failure becomes an XksCallError naming what went wrong (the proxy's errorName, a
 * transport failure, or a malformed answer); the caller turns that into the AWS error of its own
 * operation, because the same failure is a different KMS exception in CreateCustomKeyStore,
 * CreateKey and Encrypt. Plaintext, secrets and the proxy's errorMessage never reach an error.
 */
import { signXksRequest, type XksCredential } from "./signer.js";
import { type XksTransport, XksTransportError, type XksTransportFailure } from "./transport.js";

/** AWS gives a proxy 250 ms; Trent allows more, since it may run far from the proxy. */
export const xksTimeoutMs = 2000;

export interface XksProxy {
  readonly transport: XksTransport;
  readonly uriEndpoint: string;
  readonly uriPath: string;
  /** The key store's Region: the SigV4 scope's Region. */
  readonly region: string;
  readonly credential: XksCredential;
}

/** The requestMetadata object every XKS request carries. */
export interface XksRequestMetadata {
  readonly kmsRequestId: string;
  readonly kmsOperation: string;
  readonly awsPrincipalArn?: string | undefined;
  readonly kmsKeyArn?: string | undefined;
}

/** The errorName values of the spec's error table. */
export const xksErrorNames = [
  "ValidationException",
  "InvalidStateException",
  "InvalidCiphertextException",
  "InvalidKeyUsageException",
  "AuthenticationFailedException",
  "AccessDeniedException",
  "KeyNotFoundException",
  "InvalidUriPathException",
  "ThrottlingException",
  "UnsupportedOperationException",
  "DependencyTimeoutException",
  "InternalException",
] as const;
export type XksErrorName = (typeof xksErrorNames)[number];

export type XksFailure =
  | { readonly kind: "proxy"; readonly errorName: XksErrorName }
  | { readonly kind: "transport"; readonly failure: XksTransportFailure }
  | { readonly kind: "malformed" };

export class XksCallError extends Error {
  constructor(readonly failure: XksFailure) {
    super(
      failure.kind === "proxy"
        ? `external key store proxy answered ${failure.errorName}`
        : failure.kind === "transport"
          ? `external key store proxy request failed: ${failure.failure}`
          : "external key store proxy answered a malformed response",
    );
  }
}

const malformed = () => new XksCallError({ kind: "malformed" });

type Json = Record<string, unknown>;

async function call(proxy: XksProxy, resource: string, body: Json, now: Date): Promise<Json> {
  const url = new URL(`${proxy.uriEndpoint}${proxy.uriPath}/${resource}`);
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const headers = signXksRequest(url, bytes, proxy.credential, proxy.region, now);
  let response: Awaited<ReturnType<XksTransport["post"]>>;
  try {
    response = await proxy.transport.post(url, headers, bytes, xksTimeoutMs);
  } catch (error) {
    if (error instanceof XksTransportError)
      throw new XksCallError({ kind: "transport", failure: error.failure });
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw malformed();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed();
  const json = parsed as Json;
  if (response.status === 200) return json;
  const name = json.errorName;
  if (typeof name === "string" && (xksErrorNames as readonly string[]).includes(name))
    throw new XksCallError({ kind: "proxy", errorName: name as XksErrorName });
  throw malformed();
}

function string(json: Json, member: string): string {
  const value = json[member];
  if (typeof value !== "string") throw malformed();
  return value;
}

function base64(json: Json, member: string): Uint8Array {
  const text = string(json, member);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw malformed();
  return new Uint8Array(Buffer.from(text, "base64"));
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export type XksHealthStatus = "ACTIVE" | "DEGRADED" | "UNAVAILABLE";

/** GetHealthStatus: the proxy's external key managers and their health. */
export async function getHealthStatus(
  proxy: XksProxy,
  metadata: XksRequestMetadata,
  now: Date,
): Promise<XksHealthStatus[]> {
  const json = await call(proxy, "health", { requestMetadata: metadata }, now);
  const fleet = json.ekmFleetDetails;
  if (!Array.isArray(fleet) || fleet.length === 0) throw malformed();
  return fleet.map((entry) => {
    const status = typeof entry === "object" && entry !== null ? entry.healthStatus : undefined;
    if (status !== "ACTIVE" && status !== "DEGRADED" && status !== "UNAVAILABLE") throw malformed();
    return status;
  });
}

export interface XksKeyMetadata {
  readonly keySpec: string;
  readonly keyUsage: readonly string[];
  readonly keyStatus: string;
}

/** GetKeyMetadata of one external key. */
export async function getKeyMetadata(
  proxy: XksProxy,
  xksKeyId: string,
  metadata: XksRequestMetadata,
  now: Date,
): Promise<XksKeyMetadata> {
  const json = await call(
    proxy,
    `keys/${encodeURIComponent(xksKeyId)}/metadata`,
    { requestMetadata: metadata },
    now,
  );
  const usage = json.keyUsage;
  if (!Array.isArray(usage) || !usage.every((u) => typeof u === "string")) throw malformed();
  return {
    keySpec: string(json, "keySpec"),
    keyUsage: usage as string[],
    keyStatus: string(json, "keyStatus"),
  };
}

/** What the external key manager's AES-GCM encryption produced. */
export interface XksCiphertext {
  readonly ciphertext: Uint8Array;
  readonly initializationVector: Uint8Array;
  readonly authenticationTag: Uint8Array;
  /** Up to 20 bytes the proxy keeps for itself (e.g. a key version); empty when absent. */
  readonly ciphertextMetadata: Uint8Array;
}

/** Encrypt (AES_GCM) under the external key, binding `aad`. */
export async function xksEncrypt(
  proxy: XksProxy,
  xksKeyId: string,
  plaintext: Uint8Array,
  aad: Uint8Array,
  metadata: XksRequestMetadata,
  now: Date,
): Promise<XksCiphertext> {
  const json = await call(
    proxy,
    `keys/${encodeURIComponent(xksKeyId)}/encrypt`,
    {
      requestMetadata: metadata,
      plaintext: toBase64(plaintext),
      encryptionAlgorithm: "AES_GCM",
      additionalAuthenticatedData: toBase64(aad),
    },
    now,
  );
  const result = {
    ciphertext: base64(json, "ciphertext"),
    initializationVector: base64(json, "initializationVector"),
    authenticationTag: base64(json, "authenticationTag"),
    ciphertextMetadata:
      json.ciphertextMetadata === undefined ? new Uint8Array() : base64(json, "ciphertextMetadata"),
  };
  // The spec's own limits: a stream cipher keeps the length, GCM IVs are 12 or 16 bytes, tags
  // 16, metadata at most 20. Anything else cannot be decrypted later, so it is refused now.
  if (
    result.ciphertext.length !== plaintext.length ||
    (result.initializationVector.length !== 12 && result.initializationVector.length !== 16) ||
    result.authenticationTag.length !== 16 ||
    result.ciphertextMetadata.length > 20
  )
    throw malformed();
  return result;
}

/** Decrypt what xksEncrypt produced, with the same `aad`. */
export async function xksDecrypt(
  proxy: XksProxy,
  xksKeyId: string,
  sealed: XksCiphertext,
  aad: Uint8Array,
  metadata: XksRequestMetadata,
  now: Date,
): Promise<Uint8Array> {
  const json = await call(
    proxy,
    `keys/${encodeURIComponent(xksKeyId)}/decrypt`,
    {
      requestMetadata: metadata,
      ciphertext: toBase64(sealed.ciphertext),
      ...(sealed.ciphertextMetadata.length > 0
        ? { ciphertextMetadata: toBase64(sealed.ciphertextMetadata) }
        : {}),
      encryptionAlgorithm: "AES_GCM",
      additionalAuthenticatedData: toBase64(aad),
      initializationVector: toBase64(sealed.initializationVector),
      authenticationTag: toBase64(sealed.authenticationTag),
    },
    now,
  );
  const plaintext = base64(json, "plaintext");
  if (plaintext.length !== sealed.ciphertext.length) throw malformed();
  return plaintext;
}
