/**
 * The rules for creating a key, shared by CreateKey and whatever else makes keys (seeding):
 * which KeySpec/KeyUsage pairs exist, the deprecated CustomerMasterKeySpec, origins and
 * custom key stores, key ids and key material ids. Errors carry AWS's type and wording.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
 */
import { randomHex } from "../platform/crypto/random.js";
import { keyArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { Random } from "../vocabulary/ports.js";
import type {
  CustomerMasterKeySpec,
  KeySpec,
  KeyUsageType,
  OriginType,
} from "../vocabulary/types.generated.js";
import { keySpecs } from "./key-specs.js";

export interface KeyTypeRequest {
  readonly KeySpec?: KeySpec | undefined;
  readonly CustomerMasterKeySpec?: CustomerMasterKeySpec | undefined;
  readonly KeyUsage?: KeyUsageType | undefined;
}

export interface KeyType {
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsageType;
}

function validation(message: string): KmsError {
  return new KmsError("ValidationException", message);
}

/**
 * The KeySpec and KeyUsage of a new key, from a request that may use the deprecated
 * CustomerMasterKeySpec. Only a symmetric encryption key may omit KeyUsage.
 */
export function keyTypeOf(request: KeyTypeRequest): KeyType {
  if (request.KeySpec !== undefined && request.CustomerMasterKeySpec !== undefined)
    throw validation(
      "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
    );
  const keySpec = request.KeySpec ?? request.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
  const info = keySpecs[keySpec];
  if (keySpec === "SYMMETRIC_DEFAULT") {
    const keyUsage = request.KeyUsage ?? "ENCRYPT_DECRYPT";
    if (keyUsage !== "ENCRYPT_DECRYPT")
      throw validation(
        `The operation failed because the KeyUsage value of the CMK is ${keyUsage}. To perform this operation, the KeyUsage value must be ENCRYPT_DECRYPT.`,
      );
    return { keySpec, keyUsage };
  }
  const keyUsage = request.KeyUsage;
  if (keyUsage === undefined)
    throw validation(
      "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    );
  if (!info.usages.includes(keyUsage))
    throw validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
  return { keySpec, keyUsage };
}

export interface OriginRequest {
  readonly Origin?: OriginType | undefined;
  readonly CustomKeyStoreId?: string | undefined;
  readonly XksKeyId?: string | undefined;
}

/**
 * The origin of a new key. AWS_KMS and EXTERNAL keys live in KMS itself; AWS_CLOUDHSM and
 * EXTERNAL_KEY_STORE keys need a custom key store (CustomKeyStoreId), and only they may name one.
 */
export function originOf(request: OriginRequest): OriginType {
  const origin = request.Origin ?? "AWS_KMS";
  const inCustomKeyStore = origin === "AWS_CLOUDHSM" || origin === "EXTERNAL_KEY_STORE";
  if (inCustomKeyStore && request.CustomKeyStoreId === undefined)
    throw validation(`You must specify a CustomKeyStoreId when Origin is ${origin}.`);
  if (origin === "EXTERNAL_KEY_STORE" && request.XksKeyId === undefined)
    throw validation("You must specify an XksKeyId when Origin is EXTERNAL_KEY_STORE.");
  if (origin !== "EXTERNAL_KEY_STORE" && request.XksKeyId !== undefined)
    throw validation("XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE.");
  // The store itself (found, connected, of the origin's type) is checked by CreateKey through
  // custom-key-stores.ts, which needs the store and the proxy.
  if (request.CustomKeyStoreId !== undefined && !inCustomKeyStore)
    throw validation(
      `Origin must be AWS_CLOUDHSM or EXTERNAL_KEY_STORE when you specify a CustomKeyStoreId. Origin is ${origin}.`,
    );
  return origin;
}

/** A new key id: a UUID, or for a multi-Region key "mrk-" and the UUID's 32 hex digits. */
export function newKeyId(random: Random, multiRegion: boolean): string {
  const uuid = random.uuid().toLowerCase();
  return multiRegion ? `mrk-${uuid.replaceAll("-", "")}` : uuid;
}

/** A new key material id: 64 lowercase hex digits, the shape of AWS's KeyMaterialId. */
export function newKeyMaterialId(random: Random): string {
  return randomHex(random, 32);
}

export interface NewKey extends KeyType {
  readonly keyId: string;
  readonly accountId: string;
  readonly region: string;
  readonly now: Date;
  readonly description: string;
  readonly origin: OriginType;
  readonly multiRegion: boolean;
  readonly policy: string;
  /** Absent for a key created without key material (Origin EXTERNAL). */
  readonly keyMaterialId: string | undefined;
}

/** The record of a new customer managed key: Enabled, or PendingImport without material. */
export function newKeyRecord(key: NewKey): KeyRecord {
  return {
    arn: keyArn(key.region, key.accountId, key.keyId),
    keyId: key.keyId,
    accountId: key.accountId,
    region: key.region,
    creationDate: key.now,
    description: key.description,
    keyUsage: key.keyUsage,
    keySpec: key.keySpec,
    origin: key.origin,
    keyManager: "CUSTOMER",
    keyState: key.keyMaterialId === undefined ? "PendingImport" : "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: key.multiRegion,
    multiRegionKeyType: key.multiRegion ? "PRIMARY" : undefined,
    customKeyStoreId: undefined,
    policy: key.policy,
    currentKeyMaterialId: key.keyMaterialId,
  };
}

export const pendingWindow = { min: 7, max: 30, default: 30 } as const;

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The key scheduled for deletion `days` after `now`. The model allows 1–365; AWS enforces 7–30
 * with its own ValidationException wording.
 */
export function scheduledForDeletion(key: KeyRecord, now: Date, days: number): KeyRecord {
  if (days < pendingWindow.min || days > pendingWindow.max)
    throw validation(
      `PendingWindowInDays must be between ${pendingWindow.min} and ${pendingWindow.max}`,
    );
  return {
    ...key,
    keyState: "PendingDeletion",
    deletionDate: new Date(now.getTime() + days * dayMs),
    pendingDeletionWindowInDays: days,
  };
}

/**
 * The key with its deletion cancelled: Disabled, as AWS documents. A key that never received
 * its imported key material goes back to waiting for it.
 */
export function deletionCancelled(key: KeyRecord, hasKeyMaterial: boolean): KeyRecord {
  return {
    ...key,
    keyState: hasKeyMaterial ? "Disabled" : "PendingImport",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
  };
}
