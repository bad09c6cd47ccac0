/**
 * The core's entry for seed files, beside kms.call for KMS requests: a checked seed plan
 * (domain/seed-plan.ts, built by the seed front door) is applied all or nothing, and every
 * key, alias and grant it creates leaves an audit record, as the clock's work does
 * (platform/audit/cloudtrail-record.ts).
 *
 * In this order: every item is checked against KMS's rules and the store (domain/seed-keys.ts,
 * seed-aliases.ts, seed-grants.ts) and every problem is collected; any problem refuses the
 * whole seed, before anything is written. Then key material that Trent generates is generated, and everything is written in
 * one store transaction. Items that exist already (a key with the seed's key ARN, an alias of
 * that name, a grant with that id) are left as they are and reported, so applying a seed again
 * changes nothing. Records are written once the transaction has committed.
 */

import type { CheckedMaterial } from "../domain/import.js";
import { prepareSeedAlias, seedAlias } from "../domain/seed-aliases.js";
import { SeedProblems } from "../domain/seed-checks.js";
import { checkGrantableState, prepareSeedGrant, seedGrant } from "../domain/seed-grants.js";
import {
  type PreparedKey,
  prepareSeedKey,
  seedKey,
  seedReplicaOfStoredPrimary,
} from "../domain/seed-keys.js";
import { type SeedAlias, SeedError, type SeedFormat, type SeedPlan } from "../domain/seed-plan.js";
import type { Services } from "../domain/services.js";
import { mintGrantToken } from "../platform/crypto/grant-token.js";
import { generateKeyMaterial } from "../platform/crypto/key-generation.js";
import { aliasArn, keyArn } from "../vocabulary/arns.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import type { KeyRecord } from "../vocabulary/key-records.js";

export interface SeededGrant {
  readonly grantId: string;
  readonly keyArn: string;
  /** A fresh grant token for the grant, minted by this Trent (tokens are never stored). */
  readonly token: string;
}

/** What applying a seed did. */
export interface SeedReport {
  readonly source: string;
  readonly format: SeedFormat;
  /** ARNs of the keys created (replicas included). */
  readonly createdKeys: readonly string[];
  /** ARNs of the aliases created. */
  readonly createdAliases: readonly string[];
  readonly createdGrants: readonly string[];
  /** Items that existed already and were left as they are, one line each. */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
  /** A token for every grant the seed names, created or found. */
  readonly grants: readonly SeededGrant[];
}

function duplicate(what: string, first: string): string {
  return `${what} is declared twice in the seed (first at ${first})`;
}

export async function applySeedPlan(services: Services, plan: SeedPlan): Promise<SeedReport> {
  const { store, random } = services;
  const now = services.clock.now();
  const problems = new SeedProblems();
  const skipped: string[] = [];

  // Keys, with their replicas: the seed's records, and which of them the store has already.
  const declared = new Map<string, string>();
  const prepared: PreparedKey[] = [];
  const known = new Map<string, KeyRecord>();
  const storedPrimaries = new Set<string>();
  /** Key ARNs the transaction is to create, unless another node (or process) got there first. */
  const toCreate: string[] = [];
  for (const seed of plan.keys) {
    // A replica in the primary's own Region is the replica rule's problem, not a duplicate.
    const arns = [
      { arn: keyArn(seed.region, seed.accountId, seed.keyId), place: seed.place },
      ...seed.replicas
        .filter((replica) => replica.region !== seed.region)
        .map((replica) => ({
          arn: keyArn(replica.region, seed.accountId, seed.keyId),
          place: replica.place,
        })),
    ];
    let clash = false;
    for (const { arn, place } of arns) {
      const first = declared.get(arn);
      if (first !== undefined) {
        problems.add(place, undefined, duplicate(`key ${arn}`, first));
        clash = true;
      } else declared.set(arn, place.position);
    }
    const key = prepareSeedKey(problems, seed, now, random);
    if (!key || clash) continue;
    prepared.push(key);
    const stored = await store.keys.get(key.record.arn);
    if (stored) {
      storedPrimaries.add(key.record.arn);
      known.set(stored.arn, stored);
      skipped.push(`key ${stored.arn} exists: left as it is`);
    } else {
      known.set(key.record.arn, key.record);
      toCreate.push(key.record.arn);
    }
    for (const replica of key.replicas) {
      const storedReplica = await store.keys.get(replica.record.arn);
      if (storedReplica) skipped.push(`key ${storedReplica.arn} exists: left as it is`);
      else toCreate.push(replica.record.arn);
      known.set(replica.record.arn, storedReplica ?? replica.record);
    }
  }
  // A key the seed does not declare may still be the target of an alias or grant.
  const findKey = async (arn: string): Promise<KeyRecord | undefined> => {
    const found = known.get(arn) ?? (await store.keys.get(arn));
    if (found) known.set(arn, found);
    return found;
  };
  const referenced = (accountId: string, region: string, reference: string) =>
    reference.startsWith("arn:") ? reference : keyArn(region, accountId, reference);

  // Aliases: new ones counted against their key's quota of 50.
  const aliasCounts = new Map<string, number>();
  const aliasNames = new Map<string, string>();
  const aliases: { alias: SeedAlias; target: KeyRecord }[] = [];
  for (const alias of plan.aliases) {
    const arn = aliasArn(alias.region, alias.accountId, alias.aliasName);
    const first = aliasNames.get(arn);
    if (first !== undefined) {
      problems.add(alias.place, "name", duplicate(`alias ${arn}`, first));
      continue;
    }
    aliasNames.set(arn, alias.place.position);
    const targetArn = referenced(alias.accountId, alias.region, alias.targetKeyId);
    const target = await findKey(targetArn);
    if (target && !aliasCounts.has(target.arn))
      aliasCounts.set(
        target.arn,
        (
          await store.aliases.list(target.accountId, target.region, {
            limit: 50,
            targetKeyId: target.keyId,
          })
        ).length,
      );
    const existing = await store.aliases.get(alias.accountId, alias.region, alias.aliasName);
    const checked = prepareSeedAlias(
      problems,
      alias,
      (a) => (a === targetArn ? target : known.get(a)),
      (key) => (existing ? 0 : (aliasCounts.get(key.arn) ?? 0)),
    );
    if (!checked) continue;
    if (existing) {
      skipped.push(`alias ${arn} exists (target ${existing.targetKeyId}): left as it is`);
      continue;
    }
    aliasCounts.set(checked.target.arn, (aliasCounts.get(checked.target.arn) ?? 0) + 1);
    aliases.push({ alias, target: checked.target });
  }

  // Grants: fixed ids, unique across every key.
  const grantIds = new Map<string, string>();
  const grants: GrantRecord[] = [];
  const namedGrants: { grantId: string; keyArn: string }[] = [];
  for (const grant of plan.grants) {
    const first = grantIds.get(grant.grantId);
    if (first !== undefined) {
      problems.add(grant.place, "id", duplicate(`grant ${grant.grantId}`, first));
      continue;
    }
    grantIds.set(grant.grantId, grant.place.position);
    const keyArnOfGrant = referenced(grant.accountId, grant.region, grant.keyId);
    const key = await findKey(keyArnOfGrant);
    const record = prepareSeedGrant(
      problems,
      grant,
      (a) => (a === keyArnOfGrant ? key : known.get(a)),
      now,
    );
    if (!record) continue;
    const existing = await store.grants.find(record.grantId);
    if (existing) {
      if (existing.keyArn !== record.keyArn)
        problems.add(
          grant.place,
          "id",
          `grant ${record.grantId} exists already, on another key (${existing.keyArn})`,
        );
      else {
        skipped.push(`grant ${record.grantId} of ${record.keyArn} exists: left as it is`);
        namedGrants.push({ grantId: record.grantId, keyArn: record.keyArn });
      }
      continue;
    }
    // A key the store holds must accept a grant in its present state; the seed's keys are new.
    const stored = await store.keys.get(record.keyArn);
    if (stored) checkGrantableState(problems, grant, stored);
    grants.push(record);
    namedGrants.push({ grantId: record.grantId, keyArn: record.keyArn });
  }

  if (problems.list.length > 0) throw new SeedError(problems.list);

  // Generated before the transaction: RSA takes up to seconds, and the work of a transaction
  // may run twice on PostgreSQL.
  const generated = new Map<string, CheckedMaterial>();
  for (const key of prepared)
    if (key.materials.kind === "generate" && !storedPrimaries.has(key.record.arn)) {
      const material = await generateKeyMaterial(key.record.keySpec, random);
      generated.set(key.record.arn, { secret: material.secret, publicKey: material.publicKey });
    }

  let written: {
    keys: KeyRecord[];
    aliases: { arn: string; keyArn: string }[];
    grants: GrantRecord[];
  };
  try {
    written = await store.transaction(async (tx) => {
      const keys: KeyRecord[] = [];
      for (const key of prepared) {
        if (!storedPrimaries.has(key.record.arn)) {
          keys.push(...(await seedKey(services, tx, key, generated.get(key.record.arn), now)));
          continue;
        }
        for (const replica of key.replicas) {
          const made = await seedReplicaOfStoredPrimary(services, tx, key.record, replica, now);
          if (made) keys.push(made);
        }
      }
      const madeAliases: { arn: string; keyArn: string }[] = [];
      for (const { alias, target } of aliases)
        if (await seedAlias(tx, alias, target, now))
          madeAliases.push({
            arn: aliasArn(alias.region, alias.accountId, alias.aliasName),
            keyArn: target.arn,
          });
      const madeGrants: GrantRecord[] = [];
      for (const grant of grants) if (await seedGrant(tx, grant)) madeGrants.push(grant);
      return { keys, aliases: madeAliases, grants: madeGrants };
    });
  } finally {
    for (const material of generated.values()) material.secret.fill(0);
    for (const key of prepared)
      if (key.materials.kind === "given")
        for (const material of key.materials.materials) material.checked.secret.fill(0);
  }

  for (const key of written.keys)
    await services.audit.recordServiceEvent({
      eventName: "CreateKey",
      eventId: random.uuid(),
      time: now,
      keyArn: key.arn,
      seedSource: plan.source,
      keyMaterialId: key.currentKeyMaterialId,
    });
  for (const alias of written.aliases)
    await services.audit.recordServiceEvent({
      eventName: "CreateAlias",
      eventId: random.uuid(),
      time: now,
      keyArn: alias.keyArn,
      aliasArn: alias.arn,
      seedSource: plan.source,
    });
  for (const grant of written.grants)
    await services.audit.recordServiceEvent({
      eventName: "CreateGrant",
      eventId: random.uuid(),
      time: now,
      keyArn: grant.keyArn,
      grantId: grant.grantId,
      seedSource: plan.source,
    });

  // What another writer created between the checks and the transaction was left as it is too.
  const made = new Set([
    ...written.keys.map((k) => k.arn),
    ...written.aliases.map((a) => a.arn),
    ...written.grants.map((g) => g.grantId),
  ]);
  const meanwhile = " (created meanwhile by another writer): left as it is";
  for (const arn of toCreate) if (!made.has(arn)) skipped.push(`key ${arn} exists${meanwhile}`);
  for (const { alias } of aliases) {
    const arn = aliasArn(alias.region, alias.accountId, alias.aliasName);
    if (!made.has(arn)) skipped.push(`alias ${arn} exists${meanwhile}`);
  }
  for (const grant of grants)
    if (!made.has(grant.grantId))
      skipped.push(`grant ${grant.grantId} of ${grant.keyArn} exists${meanwhile}`);

  return {
    source: plan.source,
    format: plan.format,
    createdKeys: written.keys.map((k) => k.arn),
    createdAliases: written.aliases.map((a) => a.arn),
    createdGrants: written.grants.map((g) => g.grantId),
    skipped,
    warnings: plan.warnings,
    grants: namedGrants.map((grant) => ({
      ...grant,
      token: mintGrantToken(services.grantTokenKey, grant.grantId, random.bytes(16)),
    })),
  };
}
