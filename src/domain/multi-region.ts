/**
 * Multi-Region keys: a primary key and its replicas, one per Region of the same partition. They
 * share the key id, key spec, key usage, origin and key material; policy, description, tags,
 * aliases and key state are each key's own. One Trent serves every Region, so the related keys
 * are rows of the same store that differ only in Region (and ARN).
 *
 * Key material is sealed with the key ARN as AAD (crypto/sealing.ts), so every related key holds
 * its own sealed copy of each material under the same material id. A ciphertext blob names the
 * key that made it and the material id; the related key in another Region opens it with its own
 * copy. Rotation of any member gives every other member the new material (AWS rotates the set).
 * https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html
 */

import type { Store } from "../platform/store/store.js";
import { keyArn, parseKmsArn, partitionOf } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { KeyMaterialEntry } from "../vocabulary/rotation-records.js";
import type { MultiRegionConfiguration } from "../vocabulary/types.generated.js";
import type { Services } from "./services.js";

/**
 * The Regions a replica may be made in, by partition. Trent cannot ask AWS which Regions exist,
 * so this is the published list; a name outside it is not a Region KMS serves.
 * https://docs.aws.amazon.com/general/latest/gr/kms.html
 */
export const regionsByPartition: Readonly<Record<string, readonly string[]>> = {
  aws: [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
  "aws-iso": ["us-iso-east-1", "us-iso-west-1"],
  "aws-iso-b": ["us-isob-east-1"],
};

export function isPrimaryKey(key: KeyRecord): boolean {
  return key.multiRegion && key.multiRegionKeyType !== "REPLICA";
}

/** The key and its related multi-Region keys in other Regions, ordered by Region. */
export async function relatedKeys(store: Store, key: KeyRecord): Promise<KeyRecord[]> {
  if (!key.multiRegion) return [key];
  const related = (await store.keys.listRelated(key.accountId, key.keyId)).filter(
    (k) => k.multiRegion && partitionOf(k.region) === partitionOf(key.region),
  );
  return related.some((k) => k.arn === key.arn) ? related : [key, ...related];
}

/**
 * DescribeKey's MultiRegionConfiguration: the key's own type, the primary key, and every
 * replica key (a replica lists itself among them, as AWS does).
 */
export function multiRegionConfigurationOf(
  key: KeyRecord,
  related: readonly KeyRecord[],
): MultiRegionConfiguration {
  const primary = related.find((k) => k.multiRegionKeyType === "PRIMARY") ?? key;
  return {
    MultiRegionKeyType: key.multiRegionKeyType ?? "PRIMARY",
    PrimaryKey: { Arn: primary.arn, Region: primary.region },
    ReplicaKeys: related
      .filter((k) => k.multiRegionKeyType === "REPLICA")
      .map((k) => ({ Arn: k.arn, Region: k.region })),
  };
}

function unsupported(message: string): KmsError {
  return new KmsError("UnsupportedOperationException", message);
}

/**
 * ReplicateKey and UpdatePrimaryRegion work only on multi-Region primary keys. AWS writes
 * "multi-region" in lower case here (recorded 2025-09-08).
 */
export function assertMultiRegionPrimary(key: KeyRecord): void {
  if (!key.multiRegion) throw unsupported(`${key.arn} is not a multi-region key.`);
  if (!isPrimaryKey(key)) throw unsupported(`${key.arn} is not a multi-region primary key.`);
}

/**
 * A replica goes to another Region of the primary's partition that KMS serves (the model's
 * pattern has already checked the shape of the name).
 */
export function assertReplicaRegion(primary: KeyRecord, replicaRegion: string): void {
  if (replicaRegion === primary.region)
    throw unsupported(
      `The replica Region ${replicaRegion} must differ from the Region of the primary key ${primary.arn}.`,
    );
  const partition = partitionOf(primary.region);
  const known = Object.values(regionsByPartition).some((regions) =>
    regions.includes(replicaRegion),
  );
  if (!known) throw unsupported(`${replicaRegion} is not a valid Region for a replica key.`);
  if (partitionOf(replicaRegion) !== partition)
    throw unsupported(
      `The replica Region ${replicaRegion} is not in the partition ${partition} of the primary key ${primary.arn}.`,
    );
}

export interface NewReplica {
  readonly region: string;
  readonly description: string;
  readonly policy: string;
  readonly now: Date;
}

/**
 * The record of a new replica: the primary's shared properties, its own policy and description.
 * A replica of a key with imported material waits for that material (PendingImport), as AWS's
 * replicas do; otherwise it is Enabled at once (AWS's transient Creating state has no meaning
 * for a replica made synchronously).
 */
export function replicaRecord(primary: KeyRecord, replica: NewReplica): KeyRecord {
  const external = primary.origin === "EXTERNAL";
  return {
    ...primary,
    arn: keyArn(replica.region, primary.accountId, primary.keyId),
    region: replica.region,
    creationDate: replica.now,
    description: replica.description,
    keyState: external ? "PendingImport" : "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegionKeyType: "REPLICA",
    policy: replica.policy,
    currentKeyMaterialId: external ? undefined : primary.currentKeyMaterialId,
  };
}

/**
 * Gives `target` its own sealed copy of every key material of `source`, under the same material
 * ids, and the same material history (so ListKeyRotations agrees). Runs inside `tx`.
 */
export async function shareKeyMaterials(
  services: Services,
  tx: Store,
  source: KeyRecord,
  target: KeyRecord,
  now: Date,
): Promise<void> {
  for (const material of await tx.materials.listForKey(source.arn)) {
    // Opened material is the vault's cached copy: used, never zeroed here.
    const secret = await services.vault.open(tx, source.arn, material.materialId);
    if (secret === undefined) continue;
    await services.vault.create(
      tx,
      target.arn,
      material.materialId,
      secret,
      material.publicKey,
      now,
    );
  }
  for (const entry of await tx.materialHistory.listForKey(source.arn))
    await tx.materialHistory.put({ ...entry, keyArn: target.arn });
}

/**
 * After `rotated` took a new material by rotation, every related key takes the same material
 * and history entry and makes it current, so ciphertext stays interchangeable. Runs inside the
 * rotation's transaction; `secret` is the new material, not yet zeroed by the caller.
 */
export async function shareRotatedMaterial(
  services: Services,
  tx: Store,
  rotated: KeyRecord,
  entry: KeyMaterialEntry,
  secret: Uint8Array,
): Promise<void> {
  if (!rotated.multiRegion) return;
  for (const related of await relatedKeys(tx, rotated)) {
    if (related.arn === rotated.arn) continue;
    await services.vault.create(
      tx,
      related.arn,
      entry.materialId,
      secret,
      undefined,
      entry.rotationDate ?? services.clock.now(),
    );
    await tx.materialHistory.put({ ...entry, keyArn: related.arn });
    await tx.keys.update({ ...related, currentKeyMaterialId: entry.materialId });
  }
}

/**
 * The ARN of the key in `region` that is related to the multi-Region key `arn` names: the same
 * partition, account and mrk- key id. Undefined when `arn` names no multi-Region key or a key
 * of another partition.
 */
export function relatedArnIn(arn: string, region: string): string | undefined {
  const parsed = parseKmsArn(arn);
  if (parsed?.resourceType !== "key" || !parsed.resource.startsWith("mrk-")) return undefined;
  if (partitionOf(parsed.region) !== partitionOf(region)) return undefined;
  return keyArn(region, parsed.accountId, parsed.resource);
}

/** Whether a blob made by the key `blobKeyArn` may be opened with `key`: it or a related key. */
export function isSameOrRelatedKey(key: KeyRecord, blobKeyArn: string): boolean {
  if (blobKeyArn === key.arn) return true;
  return key.multiRegion && relatedArnIn(blobKeyArn, key.region) === key.arn;
}

/**
 * ScheduleKeyDeletion of a primary key whose replicas still exist: the primary waits in
 * PendingReplicaDeletion, with no deletion date yet, until its last replica is deleted; then
 * its waiting period begins (releasePrimaryAfterReplicaDeletion).
 * https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-delete.html
 */
export async function withReplicaDeletionRule(tx: Store, scheduled: KeyRecord): Promise<KeyRecord> {
  if (!isPrimaryKey(scheduled)) return scheduled;
  const replicas = (await relatedKeys(tx, scheduled)).filter((k) => k.arn !== scheduled.arn);
  if (replicas.length === 0) return scheduled;
  return { ...scheduled, keyState: "PendingReplicaDeletion", deletionDate: undefined };
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * After the replica `deleted` is gone: a primary in PendingReplicaDeletion without replicas left
 * becomes PendingDeletion, its waiting period counted from `now`.
 */
export async function releasePrimaryAfterReplicaDeletion(
  tx: Store,
  deleted: KeyRecord,
  now: Date,
): Promise<void> {
  if (!deleted.multiRegion || isPrimaryKey(deleted)) return;
  const related = (await relatedKeys(tx, deleted)).filter((k) => k.arn !== deleted.arn);
  const primary = related.find((k) => k.multiRegionKeyType === "PRIMARY");
  if (primary?.keyState !== "PendingReplicaDeletion") return;
  if (related.some((k) => k.multiRegionKeyType === "REPLICA")) return;
  const days = primary.pendingDeletionWindowInDays ?? 30;
  await tx.keys.update({
    ...primary,
    keyState: "PendingDeletion",
    deletionDate: new Date(now.getTime() + days * dayMs),
  });
}
