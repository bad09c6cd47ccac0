/**
 * Key rotation: which keys rotate, automatic rotation settings and their schedule, on-demand
 * rotation and its quota, the history of a key's key materials (ListKeyRotations), and the
 * clock-driven sweep that performs automatic rotations.
 *
 * A rotation adds key material and moves the key's current-material pointer to it; the old
 * material stays, because every ciphertext blob names the material that sealed it. Rotation is
 * synchronous (AWS finishes it in the background, so its GetKeyRotationStatus can show an
 * OnDemandRotationStartDate and its RotateKeyOnDemand a ConflictException; Trent has neither).
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
import { generateKeyMaterial } from "../platform/crypto/key-generation.js";
import type { Store } from "../platform/store/store.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import type { KeyMaterialEntry, RotationSettings } from "../vocabulary/rotation-records.js";
import type {
  IncludeKeyMaterial,
  KeyMaterialState,
  RotationsListEntry,
  RotationType,
} from "../vocabulary/types.generated.js";
import { isSymmetricEncryptionKey } from "./key-specs.js";
import { newKeyMaterialId } from "./keys.js";
import { shareRotatedMaterial } from "./multi-region.js";
import type { Services } from "./services.js";

/** RotationPeriodInDays: the model enforces 90–2560; AWS's default is 365. */
export const rotationPeriod = { min: 90, max: 2560, default: 365 } as const;

/** AWS's quota of on-demand rotations over the life of one key. */
export const onDemandRotationLimit = 25;

const dayMs = 24 * 60 * 60 * 1000;

export function defaultRotationSettings(keyArn: string): RotationSettings {
  return {
    keyArn,
    automatic: false,
    periodInDays: rotationPeriod.default,
    nextRotationDate: undefined,
    onDemandRotations: 0,
  };
}

export async function rotationSettingsOf(store: Store, key: KeyRecord): Promise<RotationSettings> {
  return (await store.rotations.get(key.arn)) ?? defaultRotationSettings(key.arn);
}

/** AWS's wording for a key whose origin rules out the operation (key-state table note [6]). */
export function originNotValid(key: KeyRecord): KmsError {
  return new KmsError(
    "UnsupportedOperationException",
    `${key.arn} origin is ${key.origin} which is not valid for this operation.`,
  );
}

/**
 * Only symmetric encryption keys rotate. AWS refuses the others (asymmetric and HMAC keys) with
 * an UnsupportedOperationException that has no message.
 */
export function assertSymmetricForRotation(key: KeyRecord): void {
  if (!isSymmetricEncryptionKey(key.keySpec, key.keyUsage))
    throw messagelessError("rotationOfNonSymmetricKey");
}

/**
 * EnableKeyRotation, DisableKeyRotation: symmetric keys whose material KMS generated. Keys with
 * imported material or in a custom key store get the origin wording AWS uses for them.
 */
export function assertAutomaticRotationSupported(key: KeyRecord): void {
  assertSymmetricForRotation(key);
  if (key.origin !== "AWS_KMS" || key.customKeyStoreId !== undefined) throw originNotValid(key);
}

/**
 * RotateKeyOnDemand: symmetric keys of origin AWS_KMS, and of origin EXTERNAL when new material
 * was imported for the rotation; not keys in a custom key store, nor multi-Region keys with
 * imported material (their replicas would need the material first, and Trent has no replicas).
 */
export function assertOnDemandRotationSupported(key: KeyRecord): void {
  assertSymmetricForRotation(key);
  const external = key.origin === "EXTERNAL";
  if (key.customKeyStoreId !== undefined || !(key.origin === "AWS_KMS" || external))
    throw originNotValid(key);
  if (external && key.multiRegion) throw originNotValid(key);
}

/** The settings with automatic rotation on; an enabled key keeps its schedule's anchor. */
export function automaticRotationEnabled(
  settings: RotationSettings,
  periodInDays: number | undefined,
  now: Date,
): RotationSettings {
  const period = periodInDays ?? rotationPeriod.default;
  // The schedule counts from the enable date (or the last automatic rotation): changing the
  // period of an enabled key moves the next date, and calling again changes nothing.
  const anchor =
    settings.automatic && settings.nextRotationDate !== undefined
      ? settings.nextRotationDate.getTime() - settings.periodInDays * dayMs
      : now.getTime();
  return {
    ...settings,
    automatic: true,
    periodInDays: period,
    nextRotationDate: new Date(anchor + period * dayMs),
  };
}

export function automaticRotationDisabled(settings: RotationSettings): RotationSettings {
  return { ...settings, automatic: false, nextRotationDate: undefined };
}

/**
 * Every material of the key, oldest first, including the implicit first material of a key whose
 * material KMS generated.
 */
export async function materialHistory(store: Store, key: KeyRecord): Promise<KeyMaterialEntry[]> {
  const entries = await store.materialHistory.listForKey(key.arn);
  if (key.origin !== "AWS_KMS") return entries;
  const first = (await store.materials.listForKey(key.arn)).find(
    (m) => !entries.some((e) => e.materialId === m.materialId),
  );
  if (!first) return entries;
  return [
    {
      keyArn: key.arn,
      materialId: first.materialId,
      position: 0,
      rotationDate: undefined,
      rotationType: undefined,
      pendingRotation: false,
      imported: undefined,
    },
    ...entries,
  ];
}

export function nextPosition(history: readonly KeyMaterialEntry[]): number {
  return history.reduce((max, e) => Math.max(max, e.position), 0) + 1;
}

/**
 * Rotates the key's material now, inside `store` (a transaction): a new generated material for
 * a key of origin AWS_KMS, the material imported for rotation (PENDING_ROTATION) for a key of
 * origin EXTERNAL. Returns the key with its new current material.
 */
export async function rotateKeyMaterial(
  services: Services,
  store: Store,
  key: KeyRecord,
  rotationType: RotationType,
  now: Date,
): Promise<KeyRecord> {
  const history = await materialHistory(store, key);
  let entry: KeyMaterialEntry;
  if (key.origin === "EXTERNAL") {
    const pending = history.find((e) => e.pendingRotation);
    if (!pending)
      throw new KmsError(
        "KMSInvalidStateException",
        `No available key material pending rotation for the key: ${key.arn}.`,
      );
    entry = { ...pending, pendingRotation: false, rotationDate: now, rotationType };
  } else {
    const material = await generateKeyMaterial(key.keySpec, services.random);
    const materialId = newKeyMaterialId(services.random);
    await services.vault.create(store, key.arn, materialId, material.secret, undefined, now);
    entry = {
      keyArn: key.arn,
      materialId,
      position: nextPosition(history),
      rotationDate: now,
      rotationType,
      pendingRotation: false,
      imported: undefined,
    };
    // Related multi-Region keys take the same material, so ciphertext stays interchangeable.
    await shareRotatedMaterial(services, store, key, entry, material.secret);
    material.secret.fill(0);
  }
  await store.materialHistory.put(entry);
  const rotated: KeyRecord = { ...key, currentKeyMaterialId: entry.materialId };
  await store.keys.update(rotated);
  return rotated;
}

/** The next date after an automatic rotation that was due at `due` and ran at `now`. */
function nextAfterRotation(settings: RotationSettings, due: Date, now: Date): Date {
  const period = settings.periodInDays * dayMs;
  // Keep the schedule; but a key that could not rotate for a while (disabled) rotates once on
  // return and then every period from then, as AWS describes for re-enabled keys.
  const next = due.getTime() + period;
  return new Date(next > now.getTime() ? next : now.getTime() + period);
}

/**
 * Performs every automatic rotation that is due: Enabled keys whose NextRotationDate has
 * passed. Driven by the clock (the composition root's sweep), never by a read. Each rotation
 * is audited as a RotateKey service event once it has committed (related multi-Region keys
 * take the new material in the same rotation, and CloudTrail names only the rotated key).
 * Returns how many keys rotated.
 */
export async function rotateDueKeys(services: Services): Promise<number> {
  const { store, clock } = services;
  const now = clock.now();
  let rotated = 0;
  for (const due of await store.rotations.listDue(now)) {
    const done = await store.transaction(async (tx) => {
      // Locked and read again: another node may have rotated or disabled it.
      const key = await tx.keys.lock(due.keyArn);
      const settings = await tx.rotations.get(due.keyArn);
      const dueDate = settings?.nextRotationDate;
      if (key?.keyState !== "Enabled" || !settings?.automatic || dueDate === undefined)
        return undefined;
      if (dueDate.getTime() > now.getTime()) return undefined;
      const after = await rotateKeyMaterial(services, tx, key, "AUTOMATIC", now);
      await tx.rotations.put({
        ...settings,
        nextRotationDate: nextAfterRotation(settings, dueDate, now),
      });
      return { before: key, after };
    });
    if (!done) continue;
    rotated += 1;
    await services.audit.recordServiceEvent({
      eventName: "RotateKey",
      eventId: services.random.uuid(),
      time: now,
      keyArn: done.after.arn,
      rotationType: "AUTOMATIC",
      keyOrigin: done.after.origin,
      previousKeyMaterialId: done.before.currentKeyMaterialId,
      currentKeyMaterialId: done.after.currentKeyMaterialId,
    });
  }
  return rotated;
}

function materialState(key: KeyRecord, entry: KeyMaterialEntry): KeyMaterialState {
  if (entry.pendingRotation) return "PENDING_ROTATION";
  return entry.materialId === key.currentKeyMaterialId ? "CURRENT" : "NON_CURRENT";
}

/**
 * The ListKeyRotations entries of a key's history. ROTATIONS_ONLY (the default) lists the
 * materials that rotations made current; ALL_KEY_MATERIAL adds the first material and imported
 * material pending rotation. Import facts appear only for keys of origin EXTERNAL.
 */
export function rotationListEntries(
  key: KeyRecord,
  history: readonly KeyMaterialEntry[],
  include: IncludeKeyMaterial,
): RotationsListEntry[] {
  return history
    .filter((e) => include === "ALL_KEY_MATERIAL" || e.rotationDate !== undefined)
    .map((e) => ({
      KeyId: key.keyId,
      KeyMaterialId: e.materialId,
      KeyMaterialDescription: e.imported?.description,
      ImportState: e.imported?.importState,
      KeyMaterialState: materialState(key, e),
      ExpirationModel: e.imported?.expirationModel,
      ValidTo: e.imported?.validTo,
      RotationDate: e.rotationDate,
      RotationType: e.rotationType,
    }));
}
