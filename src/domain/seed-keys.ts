/**
 * Seeding keys: keys with fixed ids and given (or generated) key material, which the KMS API
 * cannot make (CreateKey picks the key id; ImportKeyMaterial needs a key of origin EXTERNAL and
 * a wrapped upload). prepareSeedKey checks a seeded key against the rules the operations check
 * (keys.ts: KeySpec/KeyUsage pairs, SM2 only in China Regions, origins; the model's
 * constraints; policies; tags; import.ts: what material fits a spec; rotation's and
 * multi-Region's rules), so no rule is written twice; seedKey writes it.
 *
 * What seeding does differently from the API, on purpose: it needs no caller (no policy is
 * evaluated and the lockout check does not apply: the seed's author administers the store), a
 * key can be created Disabled, given material may belong to an AWS_KMS key (it then behaves
 * like a generated one), earlier materials of a symmetric key appear as rotations made at
 * seeding time, and the replicas of a key with given material get that material too. Material
 * is sealed by the same vault as every other key material.
 */
import { seededKeyMaterialId } from "../platform/crypto/seed-material.js";
import type { Store } from "../platform/store/store.js";
import type { KeyRecord, TagRecord } from "../vocabulary/key-records.js";
import type { Random } from "../vocabulary/ports.js";
import type { KeyMaterialEntry, RotationSettings } from "../vocabulary/rotation-records.js";
import type { CreateKeyRequest } from "../vocabulary/types.generated.js";
import { assertImportableSpec, type CheckedMaterial, checkedMaterial } from "./import.js";
import { isWellFormedKeyId } from "./key-access.js";
import { keyTypeOf, newKeyMaterialId, newKeyRecord, originOf } from "./keys.js";
import { assertReplicaRegion, replicaRecord, shareKeyMaterials } from "./multi-region.js";
import { defaultKeyPolicy } from "./policy/default-policy.js";
import { parsePolicyDocument } from "./policy/policy-document.js";
import {
  assertAutomaticRotationSupported,
  assertOnDemandRotationSupported,
  assertSymmetricForRotation,
  automaticRotationEnabled,
  defaultRotationSettings,
  rotationPeriod,
} from "./rotation.js";
import { checkModel, describeFailure, type SeedProblems } from "./seed-checks.js";
import { type SeedKey, type SeedPlace, type SeedReplica, seedProblem } from "./seed-plan.js";
import type { Services } from "./services.js";
import { tagsFromWire, validateTags } from "./tags.js";

/** AWS refuses rotation of asymmetric and HMAC keys without a message: say why. */
function whyNoRotation(error: unknown): string {
  const reason = describeFailure(error);
  return reason === "UnsupportedOperationException"
    ? "only symmetric encryption keys rotate (KMS answers UnsupportedOperationException)"
    : reason;
}

export interface PreparedMaterial {
  readonly id: string;
  readonly checked: CheckedMaterial;
}

/** How a prepared key gets its key material. */
export type PreparedMaterials =
  | { readonly kind: "generate"; readonly id: string }
  | { readonly kind: "none" }
  | { readonly kind: "given"; readonly materials: readonly PreparedMaterial[] };

export interface PreparedReplica {
  readonly seed: SeedReplica;
  readonly record: KeyRecord;
  readonly tags: readonly TagRecord[];
}

/** A seeded key checked against KMS's rules, ready to write. */
export interface PreparedKey {
  readonly seed: SeedKey;
  readonly record: KeyRecord;
  readonly tags: readonly TagRecord[];
  readonly materials: PreparedMaterials;
  /** Material history entries (rotations, imports) beside the first material of the key. */
  readonly history: readonly KeyMaterialEntry[];
  readonly rotation: RotationSettings | undefined;
  readonly replicas: readonly PreparedReplica[];
}

const materialIdPattern = /^[0-9a-f]{64}$/;
const keyFields = {
  description: "description",
  keySpec: "keySpec",
  keyUsage: "keyUsage",
  origin: "origin",
  policy: "policy",
  tags: "tags",
  multiRegion: "multiRegion",
} as const;

function policyOf(
  problems: SeedProblems,
  place: SeedPlace,
  policy: string | undefined,
  region: string,
  accountId: string,
): string {
  if (policy === undefined) return defaultKeyPolicy(region, accountId);
  problems.check(place, "policy", () => parsePolicyDocument(policy));
  return policy;
}

function tagsOf(problems: SeedProblems, place: SeedPlace, seed: SeedKey | SeedReplica) {
  problems.check(place, "tags", () => validateTags(seed.tags));
  return tagsFromWire(seed.tags);
}

/** The given materials checked for the key's spec, with their ids. */
function preparedGiven(
  problems: SeedProblems,
  seed: SeedKey,
  record: KeyRecord,
  materials: Extract<SeedKey["material"], { kind: "given" }>["materials"],
): PreparedMaterial[] {
  if (materials.length > 1) {
    const rotates = () =>
      record.origin === "EXTERNAL"
        ? assertOnDemandRotationSupported(record)
        : assertSymmetricForRotation(record);
    try {
      rotates();
    } catch (error) {
      problems.add(
        seed.place,
        "material",
        `several key materials are rotations, which this key cannot have: ${whyNoRotation(error)}`,
      );
      return [];
    }
  }
  const seen = new Set<string>();
  const prepared: PreparedMaterial[] = [];
  for (const material of materials) {
    if (material.id !== undefined && !materialIdPattern.test(material.id)) {
      problems.list.push(
        seedProblem(material.place, "a key material id must be 64 lowercase hex digits"),
      );
      continue;
    }
    const id = material.id ?? seededKeyMaterialId(seed.accountId, seed.keyId, material.bytes);
    if (seen.has(id)) {
      problems.list.push(
        seedProblem(
          material.place,
          `key material ${id} is given twice for this key (the same material, or the same id)`,
        ),
      );
      continue;
    }
    seen.add(id);
    try {
      // A copy: checking may zero what it is given.
      prepared.push({ id, checked: checkedMaterial(record, Uint8Array.from(material.bytes)) });
    } catch (error) {
      problems.list.push(seedProblem(material.place, describeFailure(error)));
    }
  }
  return prepared;
}

/** History entries of given materials: imports for EXTERNAL keys, rotations after the first. */
function historyOf(record: KeyRecord, ids: readonly string[], now: Date): KeyMaterialEntry[] {
  const external = record.origin === "EXTERNAL";
  return ids.flatMap((materialId, index): KeyMaterialEntry[] => {
    // A key whose material KMS made has no entry for its first material (rotation.ts).
    if (!external && index === 0) return [];
    return [
      {
        keyArn: record.arn,
        materialId,
        position: external ? index + 1 : index,
        rotationDate: index === 0 ? undefined : now,
        rotationType: index === 0 ? undefined : external ? "ON_DEMAND" : "AUTOMATIC",
        pendingRotation: false,
        imported: external
          ? {
              importState: "IMPORTED",
              expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
              validTo: undefined,
              description: undefined,
            }
          : undefined,
      },
    ];
  });
}

function rotationOf(
  problems: SeedProblems,
  seed: SeedKey,
  record: KeyRecord,
  now: Date,
): RotationSettings | undefined {
  const rotation = seed.rotation;
  if (rotation === undefined) return undefined;
  const period = rotation.periodInDays;
  if (period !== undefined && (period < rotationPeriod.min || period > rotationPeriod.max)) {
    problems.add(
      seed.place,
      "rotation",
      `the rotation period must be between ${rotationPeriod.min} and ${rotationPeriod.max} days, got ${period}`,
    );
    return undefined;
  }
  const defaults = defaultRotationSettings(record.arn);
  if (!rotation.enabled) {
    if (rotation.nextRotation !== undefined)
      problems.add(seed.place, "rotation", "a next rotation date needs rotation enabled");
    return { ...defaults, periodInDays: period ?? defaults.periodInDays };
  }
  try {
    assertAutomaticRotationSupported(record);
  } catch (error) {
    problems.add(
      seed.place,
      "rotation",
      `automatic rotation is not possible: ${whyNoRotation(error)}`,
    );
    return undefined;
  }
  const enabled = automaticRotationEnabled(defaults, period, now);
  return rotation.nextRotation === undefined
    ? enabled
    : { ...enabled, nextRotationDate: rotation.nextRotation };
}

/**
 * Checks a seeded key (and its replicas) against KMS's rules and builds its records. Adds every
 * problem found to `problems`, and still returns the key when its records could be built, so
 * the aliases and grants naming it are checked too (a seed with problems is never written);
 * undefined when the key cannot be built at all.
 */
export function prepareSeedKey(
  problems: SeedProblems,
  seed: SeedKey,
  now: Date,
  random: Random,
): PreparedKey | undefined {
  const { place, accountId, region, keyId } = seed;
  if (!isWellFormedKeyId(keyId) || keyId !== keyId.toLowerCase()) {
    problems.add(
      place,
      "id",
      `'${keyId}' is not a key id: KMS key ids are lowercase UUIDs, or mrk- and 32 lowercase hex digits for multi-Region keys`,
    );
    return undefined;
  }
  const mrk = keyId.startsWith("mrk-");
  if (seed.multiRegion !== mrk)
    problems.add(
      place,
      "multiRegion",
      mrk
        ? "a key id starting with mrk- names a multi-Region key"
        : "a multi-Region key needs an id of mrk- and 32 hex digits",
    );
  const request: CreateKeyRequest = {
    Description: seed.description,
    KeySpec: seed.keySpec,
    KeyUsage: seed.keyUsage,
    Origin: seed.origin,
    Policy: seed.policy,
    Tags: seed.tags.length > 0 ? [...seed.tags] : undefined,
    MultiRegion: seed.multiRegion,
  };
  if (!checkModel(problems, place, "CreateKeyRequest", request, keyFields, region))
    return undefined;
  let type: ReturnType<typeof keyTypeOf> | undefined;
  try {
    type = keyTypeOf(request);
  } catch (error) {
    const message = describeFailure(error);
    problems.add(place, message.startsWith("KeySpec") ? "keySpec" : "keyUsage", message);
  }
  const origin = problems.check(place, "origin", () => originOf(request));
  if (origin !== undefined && origin !== "AWS_KMS" && origin !== "EXTERNAL")
    problems.add(
      place,
      "origin",
      `a seeded key has origin AWS_KMS or EXTERNAL; keys in custom key stores (${origin}) cannot be seeded`,
    );
  const policy = policyOf(problems, place, seed.policy, region, accountId);
  const tags = tagsOf(problems, place, seed);
  if (type === undefined || origin === undefined) return undefined;

  let materials: PreparedMaterials;
  if (seed.material.kind === "generate") {
    if (origin === "EXTERNAL") {
      problems.add(
        place,
        "material",
        "KMS does not generate key material for a key of origin EXTERNAL: give the material, or none (the key then waits for ImportKeyMaterial)",
      );
      return undefined;
    }
    materials = { kind: "generate", id: newKeyMaterialId(random) };
  } else if (seed.material.kind === "none") {
    materials =
      origin === "EXTERNAL" ? { kind: "none" } : { kind: "generate", id: newKeyMaterialId(random) };
  } else {
    materials = { kind: "given", materials: [] };
  }
  const draft = newKeyRecord({
    keyId,
    accountId,
    region,
    now,
    description: seed.description ?? "",
    keySpec: type.keySpec,
    keyUsage: type.keyUsage,
    origin,
    multiRegion: seed.multiRegion,
    policy,
    keyMaterialId: materials.kind === "generate" ? materials.id : undefined,
  });
  if (origin === "EXTERNAL" && seed.material.kind === "given")
    problems.check(place, "keySpec", () => assertImportableSpec(draft));
  if (seed.material.kind === "given") {
    const given = preparedGiven(problems, seed, draft, seed.material.materials);
    materials = { kind: "given", materials: given };
  }
  const ids = materials.kind === "given" ? materials.materials.map((m) => m.id) : [];
  const current = materials.kind === "generate" ? materials.id : ids.at(-1);
  let record: KeyRecord = {
    ...draft,
    currentKeyMaterialId: current,
    keyState: current === undefined ? "PendingImport" : "Enabled",
  };
  if (!seed.enabled) {
    if (record.keyState === "PendingImport")
      problems.add(
        place,
        "enabled",
        "a key without key material waits in PendingImport; it cannot be created disabled",
      );
    record = { ...record, keyState: "Disabled" };
  }
  const rotation = rotationOf(problems, seed, record, now);
  const replicas = seed.replicas.flatMap((replica): PreparedReplica[] => {
    if (!seed.multiRegion) {
      problems.add(replica.place, undefined, "only a multi-Region key (an mrk- id) has replicas");
      return [];
    }
    const fine = problems.passes(replica.place, "region", () =>
      assertReplicaRegion(record, replica.region),
    );
    const replicaPolicy = policyOf(
      problems,
      replica.place,
      replica.policy,
      replica.region,
      accountId,
    );
    const replicaTags = tagsOf(problems, replica.place, replica);
    checkModel(
      problems,
      replica.place,
      "ReplicateKeyRequest",
      {
        KeyId: keyId,
        ReplicaRegion: replica.region,
        Description: replica.description,
        Policy: replica.policy,
        Tags: replica.tags.length > 0 ? [...replica.tags] : undefined,
      },
      { replicaRegion: "region", description: "description", policy: "policy", tags: "tags" },
      record.region,
    );
    if (!fine) return [];
    const made = replicaRecord(record, {
      region: replica.region,
      description: replica.description ?? "",
      policy: replicaPolicy,
      now,
    });
    // The seed gives the material to every member of the set, imported or not.
    const replicaRecordWithMaterial: KeyRecord = {
      ...made,
      currentKeyMaterialId: record.currentKeyMaterialId,
      keyState:
        record.currentKeyMaterialId === undefined
          ? "PendingImport"
          : replica.enabled
            ? "Enabled"
            : "Disabled",
    };
    if (!replica.enabled && record.currentKeyMaterialId === undefined)
      problems.add(
        replica.place,
        "enabled",
        "a key without key material waits in PendingImport; it cannot be created disabled",
      );
    return [{ seed: replica, record: replicaRecordWithMaterial, tags: replicaTags }];
  });
  return {
    seed,
    record,
    tags,
    materials,
    history: historyOf(record, ids, now),
    rotation,
    replicas,
  };
}

/**
 * Writes a prepared key inside `tx`: the key, its sealed materials (through the vault, like
 * CreateKey and ImportKeyMaterial), its material history, rotation settings and tags, then
 * each replica with its own sealed copies. `generated` is the material of a key whose
 * material Trent generates. Replicas in Regions where the key exists already are left alone;
 * returns the records written.
 */
export async function seedKey(
  services: Services,
  tx: Store,
  key: PreparedKey,
  generated: CheckedMaterial | undefined,
  now: Date,
): Promise<KeyRecord[]> {
  const written: KeyRecord[] = [];
  const materials: PreparedMaterial[] =
    key.materials.kind === "given"
      ? [...key.materials.materials]
      : key.materials.kind === "generate" && generated
        ? [{ id: key.materials.id, checked: generated }]
        : [];
  const writeKey = async (record: KeyRecord, tags: readonly TagRecord[]) => {
    await tx.keys.insert(record);
    for (const material of materials)
      await services.vault.create(
        tx,
        record.arn,
        material.id,
        material.checked.secret,
        material.checked.publicKey,
        now,
      );
    for (const entry of key.history) await tx.materialHistory.put({ ...entry, keyArn: record.arn });
    if (tags.length > 0) await tx.tags.put(record.arn, tags);
    written.push(record);
  };
  if (!(await tx.keys.get(key.record.arn))) {
    await writeKey(key.record, key.tags);
    if (key.rotation) await tx.rotations.put(key.rotation);
  }
  for (const replica of key.replicas)
    if (!(await tx.keys.get(replica.record.arn))) await writeKey(replica.record, replica.tags);
  return written;
}

/**
 * A replica declared for a primary key that already exists (and was left as it is): made from
 * the primary as stored, with its own sealed copies of the primary's materials, as
 * ReplicateKey makes one. Undefined when the replica exists too.
 */
export async function seedReplicaOfStoredPrimary(
  services: Services,
  tx: Store,
  primary: KeyRecord,
  replica: PreparedReplica,
  now: Date,
): Promise<KeyRecord | undefined> {
  const current = await tx.keys.lock(primary.arn);
  if (!current || (await tx.keys.get(replica.record.arn))) return undefined;
  const made = replicaRecord(current, {
    region: replica.seed.region,
    description: replica.seed.description ?? "",
    policy: replica.record.policy,
    now,
  });
  const record: KeyRecord =
    made.keyState === "Enabled" && !replica.seed.enabled ? { ...made, keyState: "Disabled" } : made;
  await tx.keys.insert(record);
  if (current.origin !== "EXTERNAL") await shareKeyMaterials(services, tx, current, record, now);
  if (replica.tags.length > 0) await tx.tags.put(record.arn, replica.tags);
  return record;
}
