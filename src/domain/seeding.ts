/**
 * Seeding: keys with fixed ids and given (or generated) key material, aliases and grants with
 * fixed ids, as a seed file declares them. The KMS API cannot make any of these (CreateKey
 * picks the key id, ImportKeyMaterial needs a key of origin EXTERNAL and a wrapped upload), so
 * seeding has its own three steps, seedKey, seedAlias and seedGrant, each preceded by a
 * prepare step that checks the item against the rules the operations check: CreateKey's
 * (keys.ts: KeySpec/KeyUsage pairs, SM2 only in China Regions, origins; the model's
 * constraints; policies; tags), ImportKeyMaterial's (import.ts: what material fits a spec),
 * rotation's, multi-Region's, CreateAlias's (aliases.ts) and CreateGrant's (grants.ts). No rule
 * is written twice.
 *
 * What seeding does differently from the API, on purpose: it needs no caller (no policy is
 * evaluated and the lockout check does not apply: the seed's author administers the store), a
 * key can be created Disabled, given material may belong to an AWS_KMS key (it then behaves
 * like a generated one), and earlier materials of a symmetric key appear as rotations made at
 * seeding time. Material is sealed by the same vault as every other key material.
 */
import { seededKeyMaterialId } from "../platform/crypto/seed-material.js";
import type { Store } from "../platform/store/store.js";
import { accountRootArn, keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import type { KeyRecord, TagRecord } from "../vocabulary/key-records.js";
import { isKmsError } from "../vocabulary/kms-errors.js";
import type { Random } from "../vocabulary/ports.js";
import type { KeyMaterialEntry, RotationSettings } from "../vocabulary/rotation-records.js";
import type { CreateKeyRequest, GrantConstraints } from "../vocabulary/types.generated.js";
import { validationErrors } from "../vocabulary/validation.js";
import { assertAliasName, assertNotAlias, maxAliasesPerKey } from "./aliases.js";
import { assertWellFormedGrantId, checkGrantRequest } from "./grants.js";
import { assertImportableSpec, type CheckedMaterial, checkedMaterial } from "./import.js";
import { isWellFormedKeyId } from "./key-access.js";
import { assertKeyState } from "./key-states.js";
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
import {
  fieldLocation,
  type SeedAlias,
  type SeedGrant,
  type SeedKey,
  type SeedPlace,
  type SeedReplica,
  seedProblem,
} from "./seed-plan.js";
import type { Services } from "./services.js";
import { tagsFromWire, validateTags } from "./tags.js";

/** Problems found while preparing, each with its place in the seed document. */
export class SeedProblems {
  readonly list: string[] = [];

  add(place: SeedPlace, field: string | undefined, problem: string): void {
    this.list.push(seedProblem(fieldLocation(place, field), problem));
  }

  /** Runs `rule`; whether it held (a rule it breaks becomes a problem at `field`). */
  passes(place: SeedPlace, field: string | undefined, rule: () => void): boolean {
    return (
      this.check(place, field, () => {
        rule();
        return true;
      }) === true
    );
  }

  /** Runs `check`; a rule it breaks becomes a problem at `field`, and the result undefined. */
  check<T>(place: SeedPlace, field: string | undefined, check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      this.add(place, field, describeFailure(error));
      return undefined;
    }
  }
}

/** A KMS rule's error as a line of a seed problem: AWS's message, or its type when it has none. */
export function describeFailure(error: unknown): string {
  if (isKmsError(error)) return error.message === "" ? error.type : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** AWS refuses rotation of asymmetric and HMAC keys without a message: say why. */
function whyNoRotation(error: unknown): string {
  const reason = describeFailure(error);
  return reason === "UnsupportedOperationException"
    ? "only symmetric encryption keys rotate (KMS answers UnsupportedOperationException)"
    : reason;
}

/** The model's constraint failures of `input` (a request shape), each at its field. */
function checkModel(
  problems: SeedProblems,
  place: SeedPlace,
  shape: string,
  input: unknown,
  fields: Readonly<Record<string, string>>,
): boolean {
  const errors = validationErrors(shape, input);
  for (const error of errors) {
    // "Value '…' at 'tags.1.member.tagKey' failed to satisfy …": the member names the field.
    const member = /at '([^'.]+)/.exec(error)?.[1];
    problems.add(place, member === undefined ? undefined : (fields[member] ?? member), error);
  }
  return errors.length === 0;
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
  if (!checkModel(problems, place, "CreateKeyRequest", request, keyFields)) return undefined;
  let type: ReturnType<typeof keyTypeOf> | undefined;
  try {
    type = keyTypeOf(request, region);
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

/** The key a seeded alias or grant names, looked up among the seed's keys and the store's. */
export type KeyLookup = (arn: string) => KeyRecord | undefined;

/** The ARN a key reference of a seeded alias or grant names (key id or key ARN). */
function referencedArn(
  problems: SeedProblems,
  place: SeedPlace,
  field: string,
  accountId: string,
  region: string,
  reference: string,
): string | undefined {
  if (reference.startsWith("arn:")) {
    const arn = parseKmsArn(reference);
    if (arn?.resourceType !== "key") {
      problems.add(place, field, `'${reference}' is not a key ARN`);
      return undefined;
    }
    if (arn.accountId !== accountId || arn.region !== region) {
      problems.add(
        place,
        field,
        `${reference} is not a key of account ${accountId} in ${region}, where this item is`,
      );
      return undefined;
    }
    return reference;
  }
  if (!isWellFormedKeyId(reference)) {
    problems.add(place, field, `'${reference}' is not a key id or key ARN`);
    return undefined;
  }
  return keyArn(region, accountId, reference);
}

/**
 * Checks a seeded alias: CreateAlias's name rules and model constraints, and a customer managed
 * key of the alias's account and Region as its target. `aliasesOf` counts the aliases its
 * target has and will have before this one, for the quota of 50.
 */
export function prepareSeedAlias(
  problems: SeedProblems,
  alias: SeedAlias,
  findKey: KeyLookup,
  aliasesOf: (target: KeyRecord) => number,
): { readonly target: KeyRecord } | undefined {
  const { place } = alias;
  const before = problems.list.length;
  checkModel(
    problems,
    place,
    "CreateAliasRequest",
    { AliasName: alias.aliasName, TargetKeyId: alias.targetKeyId },
    { aliasName: "name", targetKeyId: "target" },
  );
  if (alias.aliasName.startsWith("alias/aws/"))
    problems.add(
      place,
      "name",
      "alias names beginning with alias/aws/ are reserved for AWS managed keys",
    );
  else problems.check(place, "name", () => assertAliasName(alias.aliasName));
  if (!problems.passes(place, "target", () => assertNotAlias(alias.targetKeyId))) return undefined;
  const arn = referencedArn(
    problems,
    place,
    "target",
    alias.accountId,
    alias.region,
    alias.targetKeyId,
  );
  if (arn === undefined || problems.list.length > before) return undefined;
  const target = findKey(arn);
  if (!target) {
    problems.add(place, "target", `no key ${arn} in the seed or the store`);
    return undefined;
  }
  if (target.keyManager !== "CUSTOMER") {
    problems.add(place, "target", `${arn} is an AWS managed key: aliases of its own are AWS's`);
    return undefined;
  }
  problems.check(place, "target", () => assertKeyState(target, "CreateAlias"));
  if (aliasesOf(target) >= maxAliasesPerKey)
    problems.add(
      place,
      "target",
      `${arn} would have more than ${maxAliasesPerKey} aliases, the most a KMS key can have`,
    );
  return problems.list.length > before ? undefined : { target };
}

export async function seedAlias(
  tx: Store,
  alias: SeedAlias,
  target: KeyRecord,
  now: Date,
): Promise<boolean> {
  if (await tx.aliases.get(alias.accountId, alias.region, alias.aliasName)) return false;
  await tx.aliases.insert({
    accountId: alias.accountId,
    region: alias.region,
    aliasName: alias.aliasName,
    targetKeyId: target.keyId,
    creationDate: now,
    lastUpdatedDate: now,
  });
  return true;
}

/**
 * Checks a seeded grant: CreateGrant's model constraints, the operations and constraints its
 * key supports, a well-formed grant id; builds its record. A key the store holds must be in a
 * state CreateGrant accepts; a key the seed creates is new.
 */
export function prepareSeedGrant(
  problems: SeedProblems,
  grant: SeedGrant,
  findKey: KeyLookup,
  now: Date,
): GrantRecord | undefined {
  const { place } = grant;
  const before = problems.list.length;
  problems.check(place, "id", () => assertWellFormedGrantId(grant.grantId));
  checkModel(
    problems,
    place,
    "CreateGrantRequest",
    {
      KeyId: grant.keyId,
      GranteePrincipal: grant.granteePrincipal,
      RetiringPrincipal: grant.retiringPrincipal,
      Operations: [...grant.operations],
      Constraints: grant.constraints,
      Name: grant.name,
    },
    {
      keyId: "key",
      granteePrincipal: "grantee",
      retiringPrincipal: "retiringPrincipal",
      operations: "operations",
      constraints: "constraints",
      name: "name",
    },
  );
  const arn = referencedArn(problems, place, "key", grant.accountId, grant.region, grant.keyId);
  if (arn === undefined || problems.list.length > before) return undefined;
  const key = findKey(arn);
  if (!key) {
    problems.add(place, "key", `no key ${arn} in the seed or the store`);
    return undefined;
  }
  const checked = problems.check(place, "operations", () =>
    checkGrantRequest(key, grant.operations, grant.constraints as GrantConstraints | undefined),
  );
  if (checked === undefined) return undefined;
  return {
    grantId: grant.grantId,
    keyArn: key.arn,
    region: key.region,
    name: grant.name,
    creationDate: now,
    granteePrincipal: grant.granteePrincipal,
    retiringPrincipal: grant.retiringPrincipal,
    issuingAccount: accountRootArn(key.region, key.accountId),
    operations: checked.operations,
    constraints: checked.constraints,
  };
}

/** Checks that a stored key accepts a new grant now (CreateGrant's state rule). */
export function checkGrantableState(
  problems: SeedProblems,
  grant: SeedGrant,
  key: KeyRecord,
): void {
  problems.check(grant.place, "key", () => assertKeyState(key, "CreateGrant"));
}

export async function seedGrant(tx: Store, grant: GrantRecord): Promise<boolean> {
  if (await tx.grants.find(grant.grantId)) return false;
  await tx.grants.insert(grant);
  return true;
}
