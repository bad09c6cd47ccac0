/**
 * The storage interface, in domain words. Callers never see SQL; every method is async so
 * SQLite and PostgreSQL backends are interchangeable. Reads have no side effects: deleting keys
 * whose deletion date has passed is an explicit call driven by the clock.
 *
 * Concurrency. Several Trent nodes may share one PostgreSQL database, and a transaction there
 * sees other transactions' commits as they happen (READ COMMITTED), so a record read and then
 * written back may have changed in between. Every transaction that reads in order to write
 * therefore starts by locking what its decision depends on, with the `lock` methods below:
 *   - `keys.lock(arn)` for a key and anything that hangs off it: its state and other
 *     columns, material, material history, rotation settings, tags, grants, the aliases
 *     pointing at it (their quota), its deletion;
 *   - `aliases.lock(...)` for an alias repointed or deleted;
 *   - `customKeyStores.lock(...)` for a custom key store's state and its keys' placement;
 *   - `customKeyStores.lockNames(region)` before checking that a name or proxy address is free.
 * A lock lasts until the transaction ends; another transaction asking for the same lock waits
 * for that, so the two run one after the other and the second sees the first's writes. Plain
 * reads never wait for a lock (Encrypt does not wait for a DisableKey being written). A lock
 * method returns the record as it stands once locked: decide from that, not from a copy read
 * earlier. A transaction never needs to lock what it only inserts under a new id, and single
 * statements (one insert, one delete) need no lock. Take locks in this order: names, then a
 * custom key store, then an alias, then keys. Two transactions that take locks in crossing
 * orders may deadlock (deleting a key, which deletes the aliases pointing at it, crosses an
 * UpdateAlias onto that key); the database then aborts one, which `transaction` reruns.
 * On SQLite one transaction runs at a time and holds the write lock from its start, so the lock
 * methods only read. Outside a transaction they throw: there would be nothing to hold the lock.
 */

import type {
  CustomKeyStoreRecord,
  XksKeyRecord,
} from "../../vocabulary/custom-key-store-records.js";
import type { GrantRecord } from "../../vocabulary/grant-records.js";
import type {
  AliasRecord,
  KeyMaterialRecord,
  KeyRecord,
  TagRecord,
} from "../../vocabulary/key-records.js";
import type { KeyMaterialEntry, RotationSettings } from "../../vocabulary/rotation-records.js";
import type { KeyLastUsageTrackingOperation } from "../../vocabulary/types.generated.js";

export interface Page {
  readonly limit: number;
  /** Return records strictly after this sort key (the last one of the previous page). */
  readonly after?: string | undefined;
}

/**
 * What the console's key list narrows keys by; absent fields do not narrow. Values are compared
 * exactly, except the alias text, which matches any alias whose name contains it (ignoring
 * ASCII case).
 */
export interface KeySearch {
  readonly keyState?: string | undefined;
  readonly keySpec?: string | undefined;
  readonly keyUsage?: string | undefined;
  readonly origin?: string | undefined;
  readonly aliasContains?: string | undefined;
  /** Keys with a tag of this key; with tagValue, of this key and value. */
  readonly tagKey?: string | undefined;
  readonly tagValue?: string | undefined;
}

export interface KeyRepository {
  get(arn: string): Promise<KeyRecord | undefined>;
  /**
   * Locks the key until the transaction ends, together with its related multi-Region keys
   * (those sharing its account and key id, which rotation and UpdatePrimaryRegion write
   * together), and returns it as it now stands; undefined when there is no such key.
   */
  lock(arn: string): Promise<KeyRecord | undefined>;
  insert(key: KeyRecord): Promise<void>;
  update(key: KeyRecord): Promise<void>;
  /** Keys of one account and region, ordered by key id. */
  list(accountId: string, region: string, page: Page): Promise<KeyRecord[]>;
  /**
   * Keys of one account and region that match `search`, ordered by key id, a keyset page at a
   * time (`after` is the last key id of the previous page): a deep page costs what the first
   * does, whatever the number of keys. One of state, spec, usage and origin alone is an index
   * range read; alias text, tags and combinations are checked on a walk in key id order, so a
   * page of a filter that almost no key matches walks the account's keys once.
   */
  search(accountId: string, region: string, search: KeySearch, page: Page): Promise<KeyRecord[]>;
  /** Every key of every account and Region, ordered by ARN (`trent export`). */
  listAll(page: Page): Promise<KeyRecord[]>;
  /**
   * The keys of one account with this key id, in every Region, ordered by Region: a
   * multi-Region key and its replicas share their key id.
   */
  listRelated(accountId: string, keyId: string): Promise<KeyRecord[]>;
  /** How many keys the store holds, in every account and region (for `trent status`). */
  count(): Promise<number>;
  /** Keys pending deletion whose deletion date is at or before `now`. */
  listDueForDeletion(now: Date): Promise<KeyRecord[]>;
  /** Deletes the key with its material, aliases, tags and grants. */
  delete(arn: string): Promise<void>;
}

/** Where a listing of key materials in (key ARN, material id) order resumes. */
export interface MaterialPosition {
  readonly keyArn: string;
  readonly materialId: string;
}

export interface KeyMaterialRepository {
  insert(material: KeyMaterialRecord): Promise<void>;
  get(keyArn: string, materialId: string): Promise<KeyMaterialRecord | undefined>;
  listForKey(keyArn: string): Promise<KeyMaterialRecord[]>;
  /** Deletes one sealed material (imported material deleted or expired). */
  delete(keyArn: string, materialId: string): Promise<void>;
  /**
   * Materials sealed under root key `version` (undefined: rows from before versions were
   * recorded), in key ARN then material id order, strictly after `after`.
   */
  listSealedUnder(
    version: number | undefined,
    page: { readonly limit: number; readonly after?: MaterialPosition | undefined },
  ): Promise<KeyMaterialRecord[]>;
  /**
   * Replaces the sealed bytes and root key version of `material` if the row is still exactly as
   * read (same version, same sealed bytes): false when it changed or is gone, so a concurrent
   * change is never overwritten.
   */
  reseal(material: KeyMaterialRecord, sealed: Uint8Array, rootKeyVersion: number): Promise<boolean>;
  /** Records `version` on every material that has no root key version; returns how many. */
  adoptUnversioned(version: number): Promise<number>;
}

/** One root key version in the registry. */
export interface RootKeyRecord {
  readonly version: number;
  /** A fixed text sealed under that key, AAD naming the version. */
  readonly checkValue: Uint8Array;
  readonly createdAt: Date;
  /** Set once nothing was sealed under it any more and rotation retired it. */
  readonly retiredAt: Date | undefined;
}

/** How many sealed rows each root key version has (undefined: rows without a version). */
export interface SealedRowCount {
  readonly version: number | undefined;
  readonly keyMaterials: number;
  readonly sealedSecrets: number;
}

export interface RootKeyRepository {
  /** Every registered version, oldest first. */
  list(): Promise<RootKeyRecord[]>;
  /**
   * Registers a version unless it is registered already (another node got there first):
   * resolves to false then, and the caller reads the registry again.
   */
  register(record: RootKeyRecord): Promise<boolean>;
  retire(version: number, at: Date): Promise<void>;
  /** True when a key material or sealed secret is sealed under `version` (undefined: no version). */
  isReferenced(version: number | undefined): Promise<boolean>;
  /** Sealed rows per version, for operators (`trent root-key status`). */
  countSealed(): Promise<SealedRowCount[]>;
}

/** A secret Trent keeps for itself (grant-token MAC key, import key), sealed. */
export interface SealedSecretRecord {
  readonly name: string;
  readonly sealed: Uint8Array;
  readonly rootKeyVersion: number;
  readonly createdAt: Date;
}

export interface SealedSecretRepository {
  get(name: string): Promise<SealedSecretRecord | undefined>;
  /** Stores a secret unless one of that name exists: false then (another node stored it). */
  insert(record: SealedSecretRecord): Promise<boolean>;
  /** Secrets sealed under root key `version`, by name. */
  listSealedUnder(version: number): Promise<SealedSecretRecord[]>;
  /** Like KeyMaterialRepository.reseal: compare-and-set on the row as read. */
  reseal(secret: SealedSecretRecord, sealed: Uint8Array, rootKeyVersion: number): Promise<boolean>;
}

/** A console session as stored: never the session id itself, only its SHA-256. */
export interface ConsoleSessionRecord {
  readonly idHash: string;
  readonly csrfToken: string;
  /** The signed-in caller, as JSON. */
  readonly caller: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export interface ConsoleSessionRepository {
  insert(record: ConsoleSessionRecord): Promise<void>;
  get(idHash: string): Promise<ConsoleSessionRecord | undefined>;
  /** Moves the session's last use forward (never back, when requests race). */
  touch(idHash: string, lastSeenAt: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Deletes sessions idle since before `lastSeenBefore` or signed in before `createdBefore`. */
  deleteExpired(lastSeenBefore: number, createdBefore: number): Promise<void>;
}

export interface KeyRotationRepository {
  get(keyArn: string): Promise<RotationSettings | undefined>;
  /** Inserts or replaces the key's settings. */
  put(settings: RotationSettings): Promise<void>;
  /** Settings of Enabled keys with automatic rotation whose next date is at or before `now`. */
  listDue(now: Date): Promise<RotationSettings[]>;
}

export interface KeyMaterialHistoryRepository {
  /** The key's entries in position order. */
  listForKey(keyArn: string): Promise<KeyMaterialEntry[]>;
  /** Inserts or replaces the entry of one material. */
  put(entry: KeyMaterialEntry): Promise<void>;
  delete(keyArn: string, materialId: string): Promise<void>;
  /** Imported material still in Trent whose ValidTo is at or before `now`. */
  listExpired(now: Date): Promise<KeyMaterialEntry[]>;
}

export interface AliasRepository {
  get(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined>;
  /** Locks the alias until the transaction ends and returns it as it now stands. */
  lock(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined>;
  insert(alias: AliasRecord): Promise<void>;
  update(alias: AliasRecord): Promise<void>;
  delete(accountId: string, region: string, aliasName: string): Promise<void>;
  /** The aliases of these keys (by key id) in one account and region, ordered by name. */
  listForKeys(accountId: string, region: string, keyIds: readonly string[]): Promise<AliasRecord[]>;
  /** Aliases of one account and region ordered by name, optionally only those of one key. */
  list(
    accountId: string,
    region: string,
    page: Page & { readonly targetKeyId?: string | undefined },
  ): Promise<AliasRecord[]>;
}

export interface TagRepository {
  list(keyArn: string): Promise<TagRecord[]>;
  /** Adds tags, replacing the value of keys already present. */
  put(keyArn: string, tags: readonly TagRecord[]): Promise<void>;
  remove(keyArn: string, tagKeys: readonly string[]): Promise<void>;
}

export interface GrantRepository {
  insert(grant: GrantRecord): Promise<void>;
  get(keyArn: string, grantId: string): Promise<GrantRecord | undefined>;
  /** The grant with this id on any key (a grant token names only the grant). */
  find(grantId: string): Promise<GrantRecord | undefined>;
  /** Grants of one key, oldest first, optionally only one grant id or one grantee. */
  listForKey(
    keyArn: string,
    page: Page & {
      readonly grantId?: string | undefined;
      readonly granteePrincipal?: string | undefined;
    },
  ): Promise<GrantRecord[]>;
  /** Grants of one key whose grantee is one of `granteePrincipals`. */
  listForGrantees(keyArn: string, granteePrincipals: readonly string[]): Promise<GrantRecord[]>;
  /** Grants in one Region, on any key, whose retiring principal is `retiringPrincipal`. */
  listRetirable(retiringPrincipal: string, region: string, page: Page): Promise<GrantRecord[]>;
  /** Grants of one key with this name (names are not unique: a retry with other parameters
   * makes a new grant under the same name). */
  findByName(keyArn: string, name: string): Promise<GrantRecord[]>;
  /** Deletes the grant; false when there was none (another request deleted it first). */
  delete(grantId: string): Promise<boolean>;
}

/** One successful cryptographic use of a key, as GetKeyLastUsage reports it. */
export interface KeyUse {
  readonly keyArn: string;
  readonly operation: KeyLastUsageTrackingOperation;
  readonly timestamp: Date;
  /** The eventID of the request's audit record. */
  readonly eventId: string;
  readonly requestId: string;
}

export interface KeyLastUsageRecord {
  /**
   * When tracking began for a key that already existed before Trent tracked usage; undefined
   * when the key has been tracked since its creation.
   */
  readonly trackingStartDate: Date | undefined;
  readonly lastUse: Omit<KeyUse, "keyArn"> | undefined;
}

export interface KeyLastUsageRepository {
  get(keyArn: string): Promise<KeyLastUsageRecord | undefined>;
  /** Records a use unless a later one is already recorded (concurrent requests race). */
  record(use: KeyUse): Promise<void>;
}

export interface CustomKeyStoreRepository {
  get(accountId: string, region: string, id: string): Promise<CustomKeyStoreRecord | undefined>;
  /**
   * Locks the store until the transaction ends (its connection state, and which keys it holds)
   * and returns it as it now stands.
   */
  lock(accountId: string, region: string, id: string): Promise<CustomKeyStoreRecord | undefined>;
  /**
   * Until the transaction ends, no other transaction that called this for the Region runs past
   * this call: a store name or proxy address found free stays free until this one inserts it.
   */
  lockNames(region: string): Promise<void>;
  findByName(
    accountId: string,
    region: string,
    name: string,
  ): Promise<CustomKeyStoreRecord | undefined>;
  /** The external key store of the Region (any account) using this proxy API address. */
  findByProxyUri(
    region: string,
    uriEndpoint: string,
    uriPath: string,
  ): Promise<CustomKeyStoreRecord | undefined>;
  /** Stores of one account and region, ordered by id. */
  list(accountId: string, region: string, page: Page): Promise<CustomKeyStoreRecord[]>;
  insert(store: CustomKeyStoreRecord): Promise<void>;
  update(store: CustomKeyStoreRecord): Promise<void>;
  /** Deletes the store and its external key associations. */
  delete(accountId: string, region: string, id: string): Promise<void>;
  /** ARNs of the keys (in any state) whose custom key store is `id`. */
  keyArns(id: string): Promise<string[]>;
  putXksKey(record: XksKeyRecord): Promise<void>;
  getXksKey(keyArn: string): Promise<XksKeyRecord | undefined>;
  /** Associations of one external key in one store (keys since deleted included). */
  findXksKey(customKeyStoreId: string, xksKeyId: string): Promise<XksKeyRecord[]>;
}

/** What a readiness probe learns from one real query of the database. */
export interface StoreHealth {
  /** Migrations this Trent knows that the database has not run (it would migrate at start). */
  readonly pendingMigrations: readonly string[];
  /** Migrations the database ran that this Trent does not know: a newer Trent upgraded it. */
  readonly unknownMigrations: readonly string[];
}

/**
 * What metrics see of the database: each statement as it ends, by kind (the SQL's first word:
 * select, insert, update, delete, begin, commit, ...), with its duration and whether it failed;
 * a connection the database refused is a failed statement of kind "connect".
 */
export interface StoreQueryObserver {
  query(kind: string, durationMs: number, failed: boolean): void;
}

export interface Store {
  readonly keys: KeyRepository;
  readonly materials: KeyMaterialRepository;
  readonly aliases: AliasRepository;
  readonly tags: TagRepository;
  readonly grants: GrantRepository;
  readonly lastUsage: KeyLastUsageRepository;
  readonly rotations: KeyRotationRepository;
  readonly materialHistory: KeyMaterialHistoryRepository;
  readonly customKeyStores: CustomKeyStoreRepository;
  /** The root key registry; a test-suite reset keeps it, as it keeps the root key. */
  readonly rootKeys: RootKeyRepository;
  /** Trent's own sealed secrets; kept by a reset too. */
  readonly sealedSecrets: SealedSecretRepository;
  /** The console's sessions; a test-suite reset keeps them (signing out is the user's). */
  readonly consoleSessions: ConsoleSessionRepository;
  /**
   * Runs `work` atomically: all its writes land, or none do; locks taken inside last until it
   * ends. On PostgreSQL `work` runs again when the database aborts it (a deadlock between
   * locks, a lost race to insert the same row), so it must have no effects outside the store
   * that a second run would repeat.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** Wipes every record (test-suite reset). */
  reset(): Promise<void>;
  /**
   * Reads the migrations table: resolves when the database answers, rejects with the driver's
   * error when it does not (for /ready).
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
