/**
 * Double encryption for keys in an external key store, as AWS does it: the plaintext is first
 * encrypted under the key's KMS-held material (Trent's ordinary blob), then that blob's body
 * under the external key, through the XKS proxy. Neither Trent alone nor the external key
 * manager alone can decrypt.
 *
 * The blob keeps the ordinary header (version 1, key ARN, material id), so Decrypt finds the
 * key as for any blob; what follows the header differs, and the key's custom key store says so:
 *   offset  size  field
 *   0       h     header of the inner blob (ciphertext-blob.ts)
 *   h       1     v = length of the proxy's IV (12 or 16)
 *   h+1     v     IV the external key manager chose
 *   h+1+v   16    its AES-GCM tag
 *   h+17+v  1     m = length of the proxy's ciphertextMetadata (0–20)
 *   h+18+v  m     ciphertextMetadata
 *   h+18+v+m c    the external key's ciphertext of the inner blob's body (IV ‖ ciphertext ‖ tag)
 * The AAD sent to the proxy is the header ‖ canonical encryption context, so the external layer
 * binds the key identity and context too.
 */
import {
  decryptBlob,
  encryptBlob,
  ivLength,
  type ParsedBlob,
  parseBlob,
} from "../platform/crypto/ciphertext-blob.js";
import { canonicalEncryptionContext } from "../platform/crypto/encryption-context.js";
import { type XksCiphertext, xksDecrypt, xksEncrypt } from "../platform/xks/client.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import {
  cryptographicFailure,
  loadCustomKeyStore,
  xksMessages,
  xksProxyOf,
  xksRequestMetadata,
} from "./custom-key-stores.js";
import type { RequestContext } from "./request-context.js";

type Context = Readonly<Record<string, string>> | undefined;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The proxy and external key of `key`; the store must be connected. */
async function externalKeyOf(ctx: RequestContext, key: KeyRecord) {
  const { store } = ctx.services;
  const storeId = key.customKeyStoreId;
  if (storeId === undefined) throw new Error(`${key.arn} is not in a custom key store`);
  const record = await loadCustomKeyStore(ctx, store, storeId);
  if (record.connectionState !== "CONNECTED")
    throw new KmsError("KMSInvalidStateException", xksMessages.notConnected);
  const external = await store.customKeyStores.getXksKey(key.arn);
  if (external === undefined) throw new Error(`${key.arn} has no external key`);
  return { proxy: await xksProxyOf(ctx, store, record), xksKeyId: external.xksKeyId };
}

/** Seals `plaintext` under the key's material, then under its external key. */
export async function encryptTwice(
  ctx: RequestContext,
  key: KeyRecord,
  material: Uint8Array,
  materialId: string,
  plaintext: Uint8Array,
  encryptionContext: Context,
): Promise<Uint8Array> {
  const context = canonicalEncryptionContext(encryptionContext);
  const inner = encryptBlob(
    material,
    { keyArn: key.arn, materialId },
    plaintext,
    context,
    ctx.services.random.bytes(ivLength),
  );
  const header = parseBlob(inner).header;
  const { proxy, xksKeyId } = await externalKeyOf(ctx, key);
  let outer: XksCiphertext;
  try {
    outer = await xksEncrypt(
      proxy,
      xksKeyId,
      inner.subarray(header.length),
      concat(header, context),
      xksRequestMetadata(ctx, key.arn),
      ctx.now,
    );
  } catch (error) {
    throw cryptographicFailure(error);
  }
  return concat(
    header,
    Uint8Array.of(outer.initializationVector.length),
    outer.initializationVector,
    outer.authenticationTag,
    Uint8Array.of(outer.ciphertextMetadata.length),
    outer.ciphertextMetadata,
    outer.ciphertext,
  );
}

function invalidCiphertext(): KmsError {
  return messagelessError("invalidCiphertext");
}

function readEnvelope(body: Uint8Array): XksCiphertext {
  const ivLength = body[0] ?? 0;
  if (ivLength !== 12 && ivLength !== 16) throw invalidCiphertext();
  const tagEnd = 1 + ivLength + 16;
  const metadataLength = body[tagEnd];
  if (metadataLength === undefined || metadataLength > 20) throw invalidCiphertext();
  const ciphertextStart = tagEnd + 1 + metadataLength;
  if (body.length <= ciphertextStart) throw invalidCiphertext();
  return {
    initializationVector: body.subarray(1, 1 + ivLength),
    authenticationTag: body.subarray(1 + ivLength, tagEnd),
    ciphertextMetadata: body.subarray(tagEnd + 1, ciphertextStart),
    ciphertext: body.subarray(ciphertextStart),
  };
}

/**
 * Opens a double-encrypted blob: the external layer through the proxy, then the inner blob with
 * the material `openMaterial` finds. Failures of the external layer are KMSInvalidStateException
 * with the XKS specification's messages, as AWS answers them.
 */
export async function decryptTwice(
  ctx: RequestContext,
  key: KeyRecord,
  blob: ParsedBlob,
  encryptionContext: Context,
  openMaterial: (materialId: string) => Promise<Uint8Array | undefined>,
): Promise<Uint8Array> {
  const context = canonicalEncryptionContext(encryptionContext);
  const envelope = readEnvelope(concat(blob.iv, blob.ciphertext, blob.tag));
  const { proxy, xksKeyId } = await externalKeyOf(ctx, key);
  let innerBody: Uint8Array;
  try {
    innerBody = await xksDecrypt(
      proxy,
      xksKeyId,
      envelope,
      concat(blob.header, context),
      xksRequestMetadata(ctx, key.arn),
      ctx.now,
    );
  } catch (error) {
    throw cryptographicFailure(error);
  }
  const inner = parseBlob(concat(blob.header, innerBody));
  const material = await openMaterial(inner.materialId);
  const plaintext = material === undefined ? undefined : decryptBlob(material, inner, context);
  if (plaintext === undefined)
    throw new KmsError(
      "KMSInvalidStateException",
      "The ciphertext that the external key store proxy submitted for decryption, or the encryption context, is corrupted, missing, or otherwise invalid.",
    );
  return plaintext;
}
