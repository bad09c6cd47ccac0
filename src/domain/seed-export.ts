/**
 * What `trent export` writes: the store's customer managed keys (with their replicas, tags,
 * policies, rotation settings and, when asked for, their key material opened through the
 * vault), aliases and grants, by account and Region, in the terms of a seed, so that the seed
 * file written from it re-creates them (front-doors/seed/export-seed.ts writes the YAML).
 *
 * Left out, each with a note: AWS managed keys (KMS creates them when they are used), keys in a
 * custom key store (their material is outside Trent), keys pending deletion, materials waiting
 * for an on-demand rotation, and the aliases and grants of keys left out. Grant tokens are not
 * stored, so none is exported: applying the seed mints new ones.
 */
import type { Store } from "../platform/store/store.js";
import { keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import { grantListKey } from "../vocabulary/grant-records.js";
import type { AliasRecord, KeyRecord, TagRecord } from "../vocabulary/key-records.js";
import type { RotationSettings } from "../vocabulary/rotation-records.js";
import type { KeyMaterialVault } from "./key-material.js";
import { materialHistory } from "./rotation.js";

export interface ExportedMaterial {
  readonly id: string;
  /** The material as stored (key-generation.ts); only with includeMaterial. */
  readonly secret: Uint8Array;
}

export interface ExportedReplica {
  readonly record: KeyRecord;
  readonly tags: readonly TagRecord[];
}

export interface ExportedKey {
  readonly record: KeyRecord;
  readonly tags: readonly TagRecord[];
  readonly rotation: RotationSettings | undefined;
  /** Oldest first, the current one last; undefined when material is not exported. */
  readonly materials: readonly ExportedMaterial[] | undefined;
  readonly replicas: readonly ExportedReplica[];
}

export interface ExportedRegion {
  readonly accountId: string;
  readonly region: string;
  readonly keys: readonly ExportedKey[];
  readonly aliases: readonly AliasRecord[];
  readonly grants: readonly GrantRecord[];
}

export interface SeedExport {
  readonly regions: readonly ExportedRegion[];
  /** What was left out, and why. */
  readonly notes: readonly string[];
}

const pageSize = 100;

async function allKeys(store: Store): Promise<KeyRecord[]> {
  const keys: KeyRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.keys.listAll({ limit: pageSize, after });
    keys.push(...page);
    if (page.length < pageSize) return keys;
    after = page.at(-1)?.arn;
  }
}

async function allAliases(store: Store, accountId: string, region: string): Promise<AliasRecord[]> {
  const aliases: AliasRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.aliases.list(accountId, region, { limit: pageSize, after });
    aliases.push(...page);
    if (page.length < pageSize) return aliases;
    after = page.at(-1)?.aliasName;
  }
}

async function allGrants(store: Store, keyArn: string): Promise<GrantRecord[]> {
  const grants: GrantRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.grants.listForKey(keyArn, { limit: pageSize, after });
    grants.push(...page);
    if (page.length < pageSize) return grants;
    const last = page.at(-1);
    after = last && grantListKey(last);
  }
}

/** Why a key cannot be exported as a seed, or undefined when it can. */
function leftOut(key: KeyRecord): string | undefined {
  if (key.keyManager !== "CUSTOMER") return "an AWS managed key (KMS creates it when it is used)";
  if (key.customKeyStoreId !== undefined)
    return `in custom key store ${key.customKeyStoreId}, whose key material is outside Trent`;
  if (key.keyState === "PendingDeletion" || key.keyState === "PendingReplicaDeletion")
    return "pending deletion";
  return undefined;
}

async function materialsOf(
  store: Store,
  vault: KeyMaterialVault,
  key: KeyRecord,
  notes: string[],
): Promise<ExportedMaterial[]> {
  const history = [...(await materialHistory(store, key))].sort((a, b) => a.position - b.position);
  const materials: ExportedMaterial[] = [];
  for (const entry of history) {
    if (entry.pendingRotation) {
      notes.push(
        `${key.arn}: key material ${entry.materialId} waits for an on-demand rotation: not exported`,
      );
      continue;
    }
    const secret = await vault.open(store, key.arn, entry.materialId);
    // Imported material that was deleted or expired is no longer in Trent.
    if (secret !== undefined)
      materials.push({ id: entry.materialId, secret: Uint8Array.from(secret) });
  }
  // A seed's last material is the current one.
  const current = materials.findIndex((m) => m.id === key.currentKeyMaterialId);
  if (current === -1) return [];
  return [...materials.slice(0, current), ...materials.slice(current + 1), materials[current]!];
}

/**
 * The store as a seed. With a vault, key material is included (opened plaintext: the caller
 * writes it only where the operator asked, and zeroes it after).
 */
export async function collectSeedExport(
  store: Store,
  vault: KeyMaterialVault | undefined,
): Promise<SeedExport> {
  const notes: string[] = [];
  const exported = new Map<string, ExportedKey>();
  const replicas: KeyRecord[] = [];
  for (const key of await allKeys(store)) {
    const reason = leftOut(key);
    if (reason !== undefined) {
      notes.push(`${key.arn}: ${reason}: not exported`);
      continue;
    }
    if (key.multiRegion && key.multiRegionKeyType === "REPLICA") {
      replicas.push(key);
      continue;
    }
    exported.set(key.arn, {
      record: key,
      tags: await store.tags.list(key.arn),
      rotation: await store.rotations.get(key.arn),
      materials: vault === undefined ? undefined : await materialsOf(store, vault, key, notes),
      replicas: [],
    });
  }
  for (const replica of replicas) {
    const primary = [...exported.values()].find(
      (k) =>
        k.record.multiRegion &&
        k.record.keyId === replica.keyId &&
        k.record.accountId === replica.accountId,
    );
    if (!primary) {
      notes.push(`${replica.arn}: a replica whose primary key is not exported: not exported`);
      continue;
    }
    exported.set(primary.record.arn, {
      ...primary,
      replicas: [
        ...primary.replicas,
        { record: replica, tags: await store.tags.list(replica.arn) },
      ],
    });
  }

  const byRegion = new Map<string, { accountId: string; region: string; keys: ExportedKey[] }>();
  const arns = new Set<string>();
  const place = (record: KeyRecord) => {
    const name = `${record.accountId} ${record.region}`;
    let region = byRegion.get(name);
    if (!region) {
      region = { accountId: record.accountId, region: record.region, keys: [] };
      byRegion.set(name, region);
    }
    arns.add(record.arn);
    return region;
  };
  for (const key of exported.values()) {
    place(key.record).keys.push(key);
    for (const replica of key.replicas) place(replica.record);
  }
  const regions: ExportedRegion[] = [];
  for (const { accountId, region, keys } of byRegion.values()) {
    // A Region may hold only replicas: its keys list is empty, its aliases and grants are not.
    const aliases: AliasRecord[] = [];
    for (const alias of await allAliases(store, accountId, region)) {
      if (alias.aliasName.startsWith("alias/aws/")) continue;
      if (arns.has(keyArn(region, accountId, alias.targetKeyId))) aliases.push(alias);
      else
        notes.push(`alias ${alias.aliasName} in ${accountId} ${region}: its key is not exported`);
    }
    const grants: GrantRecord[] = [];
    for (const arn of arns) {
      const parsed = parseKmsArn(arn);
      if (parsed?.accountId === accountId && parsed.region === region)
        grants.push(...(await allGrants(store, arn)));
    }
    regions.push({ accountId, region, keys, aliases, grants });
  }
  return { regions, notes };
}
