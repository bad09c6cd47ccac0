/**
 * `trent export`: the store written as a seed file in Trent's format (trent-seed-format.ts), so
 * that `trent seed apply` re-creates the same keys (ids, specs, policies, tags, rotation,
 * replicas), aliases and grants. Key material is written only when asked for: then every
 * material of a key with its material id, so ciphertexts made before still decrypt after the
 * seed is applied to another store; without it, keys Trent generated say `material: generate`
 * and get new material when applied. Grant tokens are not stored and not exported.
 */
import { Document } from "yaml";
import { defaultKeyPolicy } from "../../domain/policy/default-policy.js";
import {
  collectSeedExport,
  type ExportedKey,
  type ExportedReplica,
} from "../../domain/seed-export.js";
import type { Services } from "../../domain/services.js";
import { pemOfPrivateKey } from "../../platform/crypto/seed-material.js";
import type { GrantRecord } from "../../vocabulary/grant-records.js";
import type { KeyRecord, TagRecord } from "../../vocabulary/key-records.js";
import { trentSeedVersion } from "./trent-seed-format.js";

export interface ExportOptions {
  readonly includeMaterial: boolean;
  /** When the export was made, for the file's header comment. */
  readonly now: Date;
}

export interface SeedFileExport {
  readonly yaml: string;
  readonly keys: number;
  readonly aliases: number;
  readonly grants: number;
  /** What was left out, and why. */
  readonly notes: readonly string[];
}

type Entry = Record<string, unknown>;

function tagsOf(tags: readonly TagRecord[]): Entry | undefined {
  return tags.length === 0 ? undefined : Object.fromEntries(tags.map((t) => [t.key, t.value]));
}

/** The policy unless it is the default one, which applying the seed gives again. */
function policyOf(record: KeyRecord): string | undefined {
  return record.policy === defaultKeyPolicy(record.region, record.accountId)
    ? undefined
    : record.policy;
}

/** Asymmetric keys but ML-DSA store PKCS#8 private keys: written as PEM. */
function isPrivateKey(record: KeyRecord): boolean {
  const spec = record.keySpec;
  return !(spec === "SYMMETRIC_DEFAULT" || spec.startsWith("HMAC_") || spec.startsWith("ML_DSA_"));
}

function materialOf(key: ExportedKey): unknown {
  const { record, materials } = key;
  if (materials === undefined || materials.length === 0)
    return record.origin === "AWS_KMS" ? "generate" : undefined;
  const written = materials.map((m) =>
    isPrivateKey(record)
      ? { pem: pemOfPrivateKey(m.secret), id: m.id }
      : { hex: Buffer.from(m.secret).toString("hex"), id: m.id },
  );
  return written.length === 1 ? written[0] : written;
}

function enabledOf(record: KeyRecord): false | undefined {
  return record.keyState === "Disabled" ? false : undefined;
}

function replicaEntry(replica: ExportedReplica): Entry {
  const { record } = replica;
  return {
    region: record.region,
    description: record.description === "" ? undefined : record.description,
    enabled: enabledOf(record),
    tags: tagsOf(replica.tags),
    policy: policyOf(record),
  };
}

function keyEntry(key: ExportedKey): Entry {
  const { record, rotation } = key;
  const symmetric = record.keySpec === "SYMMETRIC_DEFAULT";
  return {
    id: record.keyId,
    description: record.description === "" ? undefined : record.description,
    keySpec: symmetric ? undefined : record.keySpec,
    keyUsage: symmetric ? undefined : record.keyUsage,
    origin: record.origin === "AWS_KMS" ? undefined : record.origin,
    enabled: enabledOf(record),
    tags: tagsOf(key.tags),
    policy: policyOf(record),
    rotation:
      rotation === undefined
        ? undefined
        : {
            enabled: rotation.automatic,
            periodDays: rotation.periodInDays,
            nextRotation: rotation.nextRotationDate?.toISOString(),
          },
    material: materialOf(key),
    replicas: key.replicas.length === 0 ? undefined : key.replicas.map(replicaEntry),
  };
}

function grantEntry(grant: GrantRecord): Entry {
  const constraints = grant.constraints && {
    encryptionContextEquals: grant.constraints.encryptionContextEquals,
    encryptionContextSubset: grant.constraints.encryptionContextSubset,
  };
  return {
    id: grant.grantId,
    key: grant.keyArn.slice(grant.keyArn.indexOf(":key/") + ":key/".length),
    name: grant.name,
    grantee: grant.granteePrincipal,
    retiringPrincipal: grant.retiringPrincipal,
    operations: [...grant.operations],
    constraints,
  };
}

/** Removes undefined members, which YAML would write as null. */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, defined(v)]),
  );
}

/**
 * The store of `services` as a seed file. With includeMaterial the text holds plaintext key
 * material: the caller writes it to a file only its owner can read.
 */
export async function exportSeed(
  services: Pick<Services, "store" | "vault">,
  options: ExportOptions,
): Promise<SeedFileExport> {
  const state = await collectSeedExport(
    services.store,
    options.includeMaterial ? services.vault : undefined,
  );
  const accounts: Record<string, Record<string, Entry>> = {};
  let keys = 0;
  let aliases = 0;
  let grants = 0;
  for (const region of state.regions) {
    // A Region holding only replicas (declared under their primary) has nothing of its own.
    if (region.keys.length + region.aliases.length + region.grants.length === 0) continue;
    accounts[region.accountId] ??= {};
    const regionEntry: Entry = {};
    if (region.keys.length > 0) regionEntry.keys = region.keys.map(keyEntry);
    if (region.aliases.length > 0)
      regionEntry.aliases = region.aliases.map((a) => ({
        name: a.aliasName,
        target: a.targetKeyId,
      }));
    if (region.grants.length > 0) regionEntry.grants = region.grants.map(grantEntry);
    (accounts[region.accountId] as Record<string, Entry>)[region.region] = regionEntry;
    keys += region.keys.reduce((n, k) => n + 1 + k.replicas.length, 0);
    aliases += region.aliases.length;
    grants += region.grants.length;
  }
  for (const region of state.regions)
    for (const key of region.keys) for (const m of key.materials ?? []) m.secret.fill(0);
  const document = new Document(defined({ version: trentSeedVersion, accounts }));
  document.commentBefore =
    ` Trent seed file written by \`trent export\` at ${options.now.toISOString()} (docs/seeding.md).\n` +
    (options.includeMaterial
      ? " It holds plaintext key material: whoever reads it can use these keys outside Trent.\n"
      : " Without key material: keys Trent generated get new material when it is applied.\n") +
    " Apply it with `trent seed apply <file>`.";
  return {
    yaml: document.toString({ lineWidth: 0 }),
    keys,
    aliases,
    grants,
    notes: state.notes,
  };
}
