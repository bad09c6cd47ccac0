/**
 * Imported key material (keys of origin EXTERNAL): import parameters and tokens, the checks on
 * wrapped material, which import types a key accepts, expiry, deletion, and the clock-driven
 * sweep that deletes expired material.
 *
 * A key holds one imported material, or (symmetric encryption keys) several: the first becomes
 * current; later ones are imported as NEW_KEY_MATERIAL, wait in PENDING_ROTATION, and become
 * current through RotateKeyOnDemand (rotation.ts). Every material a key has used stays
 * associated with it; deleting or expiring one leaves it PENDING_IMPORT and the key
 * PendingImport until the same material is imported again.
 * https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys.html
 */
import {
  type ImportTokenContents,
  type ImportWrappingAlgorithm,
  importedKeyMaterialId,
  importedKeyPair,
  openImportToken,
  sealImportToken,
  unwrapKeyMaterial,
} from "../platform/crypto/import-wrapping.js";
import { mlDsaPublicKey } from "../platform/crypto/key-generation.js";
import type { Store } from "../platform/store/store.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { KeyMaterialEntry } from "../vocabulary/rotation-records.js";
import type {
  AlgorithmSpec,
  ExpirationModelType,
  ImportType,
  WrappingKeySpec,
} from "../vocabulary/types.generated.js";
import { invalidCiphertext } from "./envelope.js";
import { lockKey } from "./key-changes.js";
import { isSymmetricEncryptionKey, keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";
import {
  assertOnDemandRotationSupported,
  materialHistory,
  nextPosition,
  originNotValid,
} from "./rotation.js";
import type { Services } from "./services.js";

const dayMs = 24 * 60 * 60 * 1000;
/** An import token and its public key are valid for 24 hours (ParametersValidTo). */
export const importParametersLifetimeMs = dayMs;
/** ValidTo may be at most 365 days after the import request. */
const maxValidityMs = 365 * dayMs;

/** Which wrapping algorithms go with which wrapping key spec. */
const algorithmsBySpec: Readonly<Record<WrappingKeySpec, readonly ImportWrappingAlgorithm[]>> = {
  RSA_2048: [
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
  ],
  RSA_3072: [
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
  ],
  RSA_4096: [
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
  ],
  SM2: ["SM2PKE"],
};

/**
 * Accepted lengths of imported HMAC key material, in bytes: at least the hash's output, at most
 * its block size. https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-conceptual.html
 */
const hmacMaterialBytes = {
  HMAC_224: { min: 28, max: 64 },
  HMAC_256: { min: 32, max: 64 },
  HMAC_384: { min: 48, max: 128 },
  HMAC_512: { min: 64, max: 128 },
} as const;

function validation(message: string): KmsError {
  return new KmsError("ValidationException", message);
}

/** Import operations need a key of origin EXTERNAL (the key-state table's note [6] wording). */
export function assertExternalOrigin(key: KeyRecord): void {
  if (key.origin !== "EXTERNAL" || key.customKeyStoreId !== undefined) throw originNotValid(key);
}

/**
 * The wrapping algorithm, checked against the wrapping key spec (the SM2 values outside China
 * were refused by validation, as values outside the Region's enum). RSAES_PKCS1_V1_5 is still in
 * the model, but AWS stopped accepting it on October 10, 2023.
 */
export function wrappingAlgorithmFor(
  algorithm: AlgorithmSpec,
  spec: WrappingKeySpec,
): ImportWrappingAlgorithm {
  if (algorithm === "RSAES_PKCS1_V1_5")
    throw validation(
      "The wrapping algorithm RSAES_PKCS1_V1_5 is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.",
    );
  if (!algorithmsBySpec[spec].includes(algorithm))
    throw validation(
      `WrappingAlgorithm ${algorithm} is not compatible with WrappingKeySpec ${spec}`,
    );
  return algorithm;
}

/** Keys whose material Trent can take in: every spec but ML-DSA, whose import it lacks. */
export function assertImportableSpec(key: KeyRecord): void {
  if (keySpecs[key.keySpec].family === "ml-dsa")
    throw new KmsError(
      "UnsupportedOperationException",
      `Trent does not support importing key material for KeySpec ${key.keySpec}.`,
    );
}

export interface ImportParameters {
  readonly importToken: Uint8Array;
  /** DER SubjectPublicKeyInfo of the wrapping key. */
  readonly publicKey: Uint8Array;
  readonly validTo: Date;
}

/** A fresh wrapping key pair and the token that carries its sealed private half. */
export async function importParameters(
  ctx: RequestContext,
  key: KeyRecord,
  algorithm: ImportWrappingAlgorithm,
  spec: WrappingKeySpec,
): Promise<ImportParameters> {
  const pair = await ctx.services.dataKeyPairs.generate(spec);
  const validTo = new Date(ctx.now.getTime() + importParametersLifetimeMs);
  const importToken = sealImportToken(ctx.services.importKey, {
    keyArn: key.arn,
    wrappingAlgorithm: algorithm,
    wrappingKeySpec: spec,
    validTo: validTo.getTime(),
    wrappingPrivateKey: pair.privateKey,
  });
  pair.privateKey.fill(0);
  return { importToken, publicKey: pair.publicKey, validTo };
}

/** The token's contents, when it is one of ours, for this key, and not expired. */
function openTokenFor(ctx: RequestContext, key: KeyRecord, token: Uint8Array): ImportTokenContents {
  const contents = openImportToken(ctx.services.importKey, token);
  if (!contents)
    throw new KmsError(
      "InvalidImportTokenException",
      "The import token is not valid. Use GetParametersForImport to get a new import token.",
    );
  if (contents.keyArn !== key.arn)
    throw new KmsError(
      "InvalidImportTokenException",
      `The import token was issued for another KMS key, not ${key.arn}.`,
    );
  if (contents.validTo <= ctx.now.getTime())
    throw new KmsError(
      "ExpiredImportTokenException",
      "The import token has expired. Use GetParametersForImport to get a new import token and public key.",
    );
  return contents;
}

export interface Expiration {
  readonly model: ExpirationModelType;
  readonly validTo: Date | undefined;
}

/** ExpirationModel (default KEY_MATERIAL_EXPIRES) and ValidTo, checked against each other. */
export function expirationOf(
  model: ExpirationModelType | undefined,
  validTo: Date | undefined,
  now: Date,
): Expiration {
  const expirationModel = model ?? "KEY_MATERIAL_EXPIRES";
  if (expirationModel === "KEY_MATERIAL_DOES_NOT_EXPIRE") {
    if (validTo !== undefined)
      throw validation(
        "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
      );
    return { model: expirationModel, validTo: undefined };
  }
  if (validTo === undefined)
    throw validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
  if (validTo.getTime() <= now.getTime())
    throw validation("The validTo date must be in the future");
  if (validTo.getTime() > now.getTime() + maxValidityMs)
    throw validation("The validTo date must be no more than 365 days in the future");
  return { model: expirationModel, validTo };
}

export interface CheckedMaterial {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array | undefined;
}

function incorrectMaterial(key: KeyRecord): KmsError {
  return new KmsError(
    "IncorrectKeyMaterialException",
    `The key material is not valid for a KMS key with KeySpec ${key.keySpec}.`,
  );
}

/**
 * The material in the form Trent stores for the key's spec (key-generation.ts): 32 bytes for a
 * symmetric key, 28–128 bytes for HMAC keys by spec, a PKCS#8 private key of the key's
 * algorithm, curve and size for asymmetric keys, the 32-byte seed of an ML-DSA key (which
 * ImportKeyMaterial refuses before this; seed files give it). Imports and seed files
 * (seed-keys.ts) both check their material here.
 */
export function checkedMaterial(key: KeyRecord, material: Uint8Array): CheckedMaterial {
  const spec = key.keySpec;
  if (keySpecs[spec].family === "ml-dsa") {
    const publicKey = mlDsaPublicKey(spec, material);
    if (!publicKey) throw incorrectMaterial(key);
    return { secret: material, publicKey };
  }
  if (spec === "SYMMETRIC_DEFAULT") {
    if (material.length !== 32) throw incorrectMaterial(key);
    return { secret: material, publicKey: undefined };
  }
  if (spec === "HMAC_224" || spec === "HMAC_256" || spec === "HMAC_384" || spec === "HMAC_512") {
    const { min, max } = hmacMaterialBytes[spec];
    if (material.length < min || material.length > max) throw incorrectMaterial(key);
    return { secret: material, publicKey: undefined };
  }
  const pair = importedKeyPair(spec, material);
  if (!pair) throw incorrectMaterial(key);
  material.fill(0);
  return { secret: pair.privateKey, publicKey: pair.publicKey };
}

export interface ImportRequest {
  readonly importToken: Uint8Array;
  readonly encryptedKeyMaterial: Uint8Array;
  readonly expiration: Expiration;
  readonly importType: ImportType | undefined;
  readonly keyMaterialId: string | undefined;
  readonly description: string | undefined;
}

function allImported(entries: readonly KeyMaterialEntry[]): boolean {
  return entries.every((e) => e.pendingRotation || e.imported?.importState === "IMPORTED");
}

/** Symmetric-only members of ImportKeyMaterial (one material per key otherwise). */
function assertSymmetricOnlyMembers(key: KeyRecord, request: ImportRequest): void {
  if (isSymmetricEncryptionKey(key.keySpec, key.keyUsage)) return;
  for (const [member, value] of [
    ["ImportType", request.importType],
    ["KeyMaterialId", request.keyMaterialId],
    ["KeyMaterialDescription", request.description],
  ] as const)
    if (value !== undefined)
      throw validation(`${member} is valid only for symmetric encryption KMS keys.`);
}

/**
 * Unwraps and imports key material into the key (ImportKeyMaterial). Returns the key as it is
 * now and the id of the imported material.
 */
export async function importMaterial(
  ctx: RequestContext,
  key: KeyRecord,
  request: ImportRequest,
): Promise<{ key: KeyRecord; materialId: string }> {
  const { services } = ctx;
  assertSymmetricOnlyMembers(key, request);
  const token = openTokenFor(ctx, key, request.importToken);
  const unwrapped = unwrapKeyMaterial(
    token.wrappingAlgorithm as ImportWrappingAlgorithm,
    token.wrappingPrivateKey,
    request.encryptedKeyMaterial,
  );
  token.wrappingPrivateKey.fill(0);
  if (!unwrapped) throw invalidCiphertext();
  const material = checkedMaterial(key, unwrapped);
  try {
    const materialId = importedKeyMaterialId(services.importKey, key.arn, material.secret);
    const imported = await storeImported(ctx, key, request, material, materialId);
    return { key: imported, materialId };
  } finally {
    material.secret.fill(0);
  }
}

/** Records checked material as the import type says, inside one transaction. */
async function storeImported(
  ctx: RequestContext,
  found: KeyRecord,
  request: ImportRequest,
  material: CheckedMaterial,
  materialId: string,
): Promise<KeyRecord> {
  const { services } = ctx;
  return services.store.transaction(async (tx) => {
    const key = await lockKey(tx, found.arn, "ImportKeyMaterial");
    const history = await materialHistory(tx, key);
    const existing = history.find((e) => e.materialId === materialId);
    const importType =
      request.importType ?? (history.length === 0 ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL");
    let entry: KeyMaterialEntry;
    if (importType === "NEW_KEY_MATERIAL") {
      if (request.keyMaterialId !== undefined)
        throw validation("A KeyMaterialId must not be set if the ImportType is NEW_KEY_MATERIAL");
      if (existing)
        throw new KmsError(
          "IncorrectKeyMaterialException",
          `This key material is already associated with ${key.arn}. To reimport it, use ImportType EXISTING_KEY_MATERIAL.`,
        );
      if (history.length > 0) {
        assertOnDemandRotationSupported(key);
        const pending = history.find((e) => e.pendingRotation);
        // AWS names the key by its bare id here, not its ARN (recorded 2025-11-10).
        if (pending)
          throw new KmsError(
            "KMSInvalidStateException",
            `New key material (id: ${materialId}) cannot be imported into KMS key ${key.keyId}, because another key material (id: ${pending.materialId}) is pending rotation.`,
          );
      }
      entry = {
        keyArn: key.arn,
        materialId,
        position: nextPosition(history),
        rotationDate: undefined,
        rotationType: undefined,
        pendingRotation: history.length > 0,
        imported: undefined,
      };
    } else {
      if (request.keyMaterialId !== undefined && request.keyMaterialId !== materialId)
        throw new KmsError(
          "IncorrectKeyMaterialException",
          `The key material does not match key material ${request.keyMaterialId}.`,
        );
      if (!existing)
        throw new KmsError(
          "IncorrectKeyMaterialException",
          `The key material is not key material previously imported into ${key.arn}.`,
        );
      entry = existing;
    }
    entry = {
      ...entry,
      imported: {
        importState: "IMPORTED",
        expirationModel: request.expiration.model,
        validTo: request.expiration.validTo,
        // Reimporting without a description keeps the one given before.
        description: request.description ?? entry.imported?.description,
      },
    };
    if (!(await tx.materials.get(key.arn, materialId)))
      await services.vault.create(
        tx,
        key.arn,
        materialId,
        material.secret,
        material.publicKey,
        ctx.now,
      );
    await tx.materialHistory.put(entry);
    const after = history.filter((e) => e.materialId !== materialId).concat(entry);
    const updated: KeyRecord = {
      ...key,
      currentKeyMaterialId: key.currentKeyMaterialId ?? materialId,
      keyState: key.keyState === "PendingImport" && allImported(after) ? "Enabled" : key.keyState,
    };
    await tx.keys.update(updated);
    return updated;
  });
}

/**
 * Deletes one imported material from the store, inside `tx`. Material pending rotation is not
 * yet part of the key and is forgotten entirely; any other material stays associated as
 * PENDING_IMPORT, and the key waits for it in PendingImport (unless it is pending deletion).
 */
async function removeImportedMaterial(
  services: Services,
  tx: Store,
  key: KeyRecord,
  entry: KeyMaterialEntry,
): Promise<KeyRecord> {
  await tx.materials.delete(key.arn, entry.materialId);
  if (entry.pendingRotation) {
    await tx.materialHistory.delete(key.arn, entry.materialId);
    return key;
  }
  if (entry.imported)
    await tx.materialHistory.put({
      ...entry,
      imported: { ...entry.imported, importState: "PENDING_IMPORT" },
    });
  const updated: KeyRecord = {
    ...key,
    keyState: key.keyState === "PendingDeletion" ? key.keyState : "PendingImport",
  };
  await tx.keys.update(updated);
  services.vault.forget(key.arn);
  return updated;
}

/**
 * DeleteImportedKeyMaterial: the named material, or the current one. A key that never had
 * material has nothing to delete, and answers an empty KeyMaterialId.
 */
export async function deleteImportedMaterial(
  ctx: RequestContext,
  found: KeyRecord,
  keyMaterialId: string | undefined,
): Promise<string> {
  const { services } = ctx;
  return services.store.transaction(async (tx) => {
    const key = await lockKey(tx, found.arn, "DeleteImportedKeyMaterial");
    const history = await materialHistory(tx, key);
    const wanted = keyMaterialId ?? key.currentKeyMaterialId;
    const entry = history.find((e) => e.materialId === wanted);
    if (!entry) {
      if (keyMaterialId === undefined) return "";
      throw new KmsError(
        "NotFoundException",
        `Key material ${keyMaterialId} is not associated with ${key.arn}.`,
      );
    }
    if (entry.imported?.importState === "IMPORTED" || entry.pendingRotation)
      await removeImportedMaterial(services, tx, key, entry);
    services.vault.forget(key.arn);
    return entry.materialId;
  });
}

/**
 * Deletes imported material whose ValidTo has passed; its key goes to PendingImport. Driven by
 * the clock (the composition root's sweep), never by a read. Each deletion is audited as a
 * DeleteExpiredKeyMaterial service event once it has committed. Returns how many were deleted.
 */
export async function expireImportedKeyMaterial(services: Services): Promise<number> {
  const { store, clock } = services;
  const now = clock.now();
  let expired = 0;
  for (const due of await store.materialHistory.listExpired(now)) {
    const done = await store.transaction(async (tx) => {
      const key = await tx.keys.lock(due.keyArn);
      if (!key) return false;
      const entry = (await tx.materialHistory.listForKey(key.arn)).find(
        (e) => e.materialId === due.materialId,
      );
      const validTo = entry?.imported?.validTo;
      if (entry?.imported?.importState !== "IMPORTED" || validTo === undefined) return false;
      if (validTo.getTime() > now.getTime()) return false;
      await removeImportedMaterial(services, tx, key, entry);
      return true;
    });
    if (!done) continue;
    expired += 1;
    await services.audit.recordServiceEvent({
      eventName: "DeleteExpiredKeyMaterial",
      eventId: services.random.uuid(),
      time: now,
      keyArn: due.keyArn,
      keyMaterialId: due.materialId,
    });
  }
  return expired;
}
