/**
 * The one Store implementation, over Kysely. It uses only portable SQL, so the SQLite and
 * PostgreSQL dialects share it; the dialect-specific part is opening the connection
 * (sqlite.ts, postgres.ts). Row ↔ record mapping lives here and nowhere else.
 */
import {
  CompiledQuery,
  type Kysely,
  type LogEvent,
  Migrator,
  type Selectable,
  sql,
  type Transaction,
} from "kysely";
import type {
  CustomKeyStoreRecord,
  XksKeyRecord,
} from "../../vocabulary/custom-key-store-records.js";
import { type GrantRecord, grantListKey } from "../../vocabulary/grant-records.js";
import type {
  AliasRecord,
  KeyMaterialRecord,
  KeyRecord,
  TagRecord,
} from "../../vocabulary/key-records.js";
import type { KeyMaterialEntry, RotationSettings } from "../../vocabulary/rotation-records.js";
import type {
  ConnectionErrorCodeType,
  ConnectionStateType,
  CustomKeyStoreType,
  ExpirationModelType,
  GrantOperation,
  ImportState,
  KeyLastUsageTrackingOperation,
  KeyManagerType,
  KeySpec,
  KeyState,
  KeyUsageType,
  MultiRegionKeyType,
  OriginType,
  RotationType,
  XksProxyConnectivityType,
} from "../../vocabulary/types.generated.js";
import { type DatabaseVersion, KeyRowCache } from "./key-row-cache.js";
import { ConsoleSessions } from "./kysely-console-sessions.js";
import { RootKeys, SealedSecrets } from "./kysely-root-keys.js";
import { type MigrationDialect, migrationProvider } from "./migrations.js";
import type {
  AliasesTable,
  CustomKeyStoresTable,
  Database,
  GrantsTable,
  KeyMaterialHistoryTable,
  KeyMaterialsTable,
  KeyRotationsTable,
  KeysTable,
} from "./schema.js";
import type {
  AliasRepository,
  ConsoleSessionRepository,
  CustomKeyStoreRepository,
  GrantRepository,
  KeyLastUsageRecord,
  KeyLastUsageRepository,
  KeyMaterialHistoryRepository,
  KeyMaterialRepository,
  KeyRepository,
  KeyRotationRepository,
  KeySearch,
  KeyUse,
  MaterialPosition,
  Page,
  RootKeyRepository,
  SealedSecretRepository,
  Store,
  StoreHealth,
  StoreQueryObserver,
  TagRepository,
} from "./store.js";

export interface StoreDialect extends MigrationDialect {
  /**
   * True when other connections write at the same time (PostgreSQL, several nodes):
   * transactions then run READ COMMITTED, the lock methods take row and advisory locks, and a
   * transaction the database aborts (deadlock, serialization failure) runs again. SQLite's one
   * connection runs transactions one after another already, each holding the write lock from
   * its start (sqlite.ts), so there the lock methods only read.
   */
  readonly concurrentWriters?: boolean | undefined;
  /**
   * A version that changes whenever the database may have changed (key-row-cache.ts): given,
   * key lookups outside transactions are served from memory while it holds still.
   */
  readonly version?: DatabaseVersion | undefined;
}

/**
 * Reruns of a transaction aborted by the database (deadlock_detected, serialization_failure):
 * at most `attempts` runs, and none begun after `budgetMs`. Before each rerun it waits a random
 * time up to `baseMs` doubled per failed run (capped at `capMs`): "full jitter", so two
 * transactions that deadlocked do not meet again at the same moment. PostgreSQL detects a
 * deadlock only after deadlock_timeout (1 s by default) and a loaded host stretches that, so the
 * budget leaves room for several detections while staying well inside a client's patience (the
 * 30 s request timeout): a 2 s budget let a deadlock on a busy machine end in a 500.
 */
const rerun = { attempts: 10, baseMs: 4, capMs: 200, budgetMs: 10_000 } as const;

function rerunDelay(failedRuns: number): number {
  return Math.random() * Math.min(rerun.capMs, rerun.baseMs * 2 ** (failedRuns - 1));
}

/** A lock method called where there is no transaction to hold the lock: a programming error. */
function lockOutsideTransaction(method: string): Error {
  return new Error(`${method} outside a transaction: the lock would end with the read`);
}

/** How a repository of one store view locks: not at all (outside a transaction), or how. */
type Locking = "outside-transaction" | "rows" | "serial";

function sqlState(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
function num(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}

function optionalNum(value: number | string | bigint | null): number | undefined {
  return value === null ? undefined : num(value);
}

function toKeyRow(key: KeyRecord): KeysTable {
  return {
    arn: key.arn,
    key_id: key.keyId,
    account_id: key.accountId,
    region: key.region,
    created_at: key.creationDate.getTime(),
    description: key.description,
    key_usage: key.keyUsage,
    key_spec: key.keySpec,
    origin: key.origin,
    key_manager: key.keyManager,
    key_state: key.keyState,
    deletion_date: key.deletionDate?.getTime() ?? null,
    pending_window_days: key.pendingDeletionWindowInDays ?? null,
    multi_region: key.multiRegion ? 1 : 0,
    multi_region_key_type: key.multiRegionKeyType ?? null,
    custom_key_store_id: key.customKeyStoreId ?? null,
    policy: key.policy,
    current_material_id: key.currentKeyMaterialId ?? null,
  };
}

function fromKeyRow(row: Selectable<KeysTable>): KeyRecord {
  const deletion = optionalNum(row.deletion_date);
  return {
    arn: row.arn,
    keyId: row.key_id,
    accountId: row.account_id,
    region: row.region,
    creationDate: new Date(num(row.created_at)),
    description: row.description,
    keyUsage: row.key_usage as KeyUsageType,
    keySpec: row.key_spec as KeySpec,
    origin: row.origin as OriginType,
    keyManager: row.key_manager as KeyManagerType,
    keyState: row.key_state as KeyState,
    deletionDate: deletion === undefined ? undefined : new Date(deletion),
    pendingDeletionWindowInDays: optionalNum(row.pending_window_days),
    multiRegion: num(row.multi_region) === 1,
    multiRegionKeyType: (row.multi_region_key_type ?? undefined) as MultiRegionKeyType | undefined,
    customKeyStoreId: row.custom_key_store_id ?? undefined,
    policy: row.policy,
    currentKeyMaterialId: row.current_material_id ?? undefined,
  };
}

function bytes(value: Uint8Array | Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function fromMaterialRow(row: Selectable<KeyMaterialsTable>): KeyMaterialRecord {
  return {
    keyArn: row.key_arn,
    materialId: row.material_id,
    sealed: bytes(row.sealed),
    publicKey: row.public_key === null ? undefined : bytes(row.public_key),
    createdAt: new Date(num(row.created_at)),
    rootKeyVersion: optionalNum(row.root_key_version),
  };
}

function toAliasRow(alias: AliasRecord): AliasesTable {
  return {
    account_id: alias.accountId,
    region: alias.region,
    alias_name: alias.aliasName,
    target_key_id: alias.targetKeyId,
    created_at: alias.creationDate.getTime(),
    updated_at: alias.lastUpdatedDate.getTime(),
  };
}

function fromAliasRow(row: Selectable<AliasesTable>): AliasRecord {
  return {
    accountId: row.account_id,
    region: row.region,
    aliasName: row.alias_name,
    targetKeyId: row.target_key_id,
    creationDate: new Date(num(row.created_at)),
    lastUpdatedDate: new Date(num(row.updated_at)),
  };
}

type Db = Kysely<Database> | Transaction<Database>;

/** A LIKE pattern that matches `text` literally (backslash is the escape character). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

class Keys implements KeyRepository {
  /**
   * Every request looks its key up by ARN, so that query is built and compiled once per
   * repository: building it through the query builder on every call cost about as much as
   * SQLite's own work for it.
   */
  private byArn: CompiledQuery | undefined;

  constructor(
    private readonly db: Db,
    private readonly locking: Locking,
    /** Outside transactions on SQLite only (key-row-cache.ts). */
    private readonly cache?: KeyRowCache,
  ) {}

  async get(arn: string) {
    const { cache } = this;
    if (cache === undefined) return this.read(arn);
    // The version before the read: a write landing meanwhile makes the entry stale at once.
    const version = cache.version();
    const cached = cache.get(arn, version);
    if (cached !== undefined) return cached;
    const key = await this.read(arn);
    return key === undefined ? undefined : cache.set(arn, version, key);
  }

  private async read(arn: string) {
    this.byArn ??= this.db.selectFrom("keys").selectAll().where("arn", "=", arn).compile();
    const { rows } = await this.db.executeQuery<Selectable<KeysTable>>(
      CompiledQuery.raw(this.byArn.sql, [arn]),
    );
    const row = rows[0];
    return row ? fromKeyRow(row) : undefined;
  }

  async lock(arn: string) {
    if (this.locking === "outside-transaction") throw lockOutsideTransaction("keys.lock");
    if (this.locking === "serial") return this.get(arn);
    // The key and every key sharing its account and key id (its multi-Region relatives), in
    // ARN order, so two transactions locking the same set never hold parts of it crosswise.
    // FOR NO KEY UPDATE is what an UPDATE of the row takes: it waits for other lockers and
    // writers of the row, not for readers.
    const rows = await this.db
      .selectFrom("keys")
      .selectAll()
      .where("account_id", "=", (eb) =>
        eb.selectFrom("keys as k").select("k.account_id").where("k.arn", "=", arn),
      )
      .where("key_id", "=", (eb) =>
        eb.selectFrom("keys as k").select("k.key_id").where("k.arn", "=", arn),
      )
      .orderBy("arn")
      .forNoKeyUpdate()
      .execute();
    const row = rows.find((r) => r.arn === arn);
    return row ? fromKeyRow(row) : undefined;
  }

  async insert(key: KeyRecord) {
    await this.db.insertInto("keys").values(toKeyRow(key)).execute();
  }

  async update(key: KeyRecord) {
    const { arn, ...rest } = toKeyRow(key);
    await this.db.updateTable("keys").set(rest).where("arn", "=", arn).execute();
  }

  async list(accountId: string, region: string, page: Page) {
    let query = this.db
      .selectFrom("keys")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region);
    if (page.after !== undefined) query = query.where("key_id", ">", page.after);
    const rows = await query.orderBy("key_id").limit(page.limit).execute();
    return rows.map(fromKeyRow);
  }

  async search(accountId: string, region: string, search: KeySearch, page: Page) {
    let query = this.db
      .selectFrom("keys")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region);
    if (search.keyState !== undefined) query = query.where("key_state", "=", search.keyState);
    if (search.keySpec !== undefined) query = query.where("key_spec", "=", search.keySpec);
    if (search.keyUsage !== undefined) query = query.where("key_usage", "=", search.keyUsage);
    if (search.origin !== undefined) query = query.where("origin", "=", search.origin);
    const { aliasContains, tagKey, tagValue } = search;
    if (aliasContains !== undefined)
      // From the aliases' side: an account has far fewer aliases than keys, so the database
      // collects the matching key ids once instead of probing aliases for every key.
      query = query.where("key_id", "in", (eb) =>
        eb
          .selectFrom("aliases")
          .select("target_key_id")
          .where("aliases.account_id", "=", accountId)
          .where("aliases.region", "=", region)
          .where(
            sql<boolean>`lower(alias_name) like ${`%${likeEscaped(aliasContains.toLowerCase())}%`} escape '\\'`,
          ),
      );
    if (tagKey !== undefined)
      query = query.where("arn", "in", (eb) => {
        let tagged = eb.selectFrom("tags").select("key_arn").where("tag_key", "=", tagKey);
        if (tagValue !== undefined) tagged = tagged.where("tag_value", "=", tagValue);
        return tagged;
      });
    if (page.after !== undefined) query = query.where("key_id", ">", page.after);
    const rows = await query.orderBy("key_id").limit(page.limit).execute();
    return rows.map(fromKeyRow);
  }

  async listAll(page: Page) {
    let query = this.db.selectFrom("keys").selectAll();
    if (page.after !== undefined) query = query.where("arn", ">", page.after);
    const rows = await query.orderBy("arn").limit(page.limit).execute();
    return rows.map(fromKeyRow);
  }

  async listRelated(accountId: string, keyId: string) {
    const rows = await this.db
      .selectFrom("keys")
      .selectAll()
      .where("key_id", "=", keyId)
      .where("account_id", "=", accountId)
      .orderBy("region")
      .execute();
    return rows.map(fromKeyRow);
  }

  async count() {
    const row = await this.db
      .selectFrom("keys")
      .select((eb) => eb.fn.countAll().as("keys"))
      .executeTakeFirstOrThrow();
    // PostgreSQL's count is a bigint, which its driver hands over as text.
    return Number(row.keys);
  }

  async listDueForDeletion(now: Date) {
    const rows = await this.db
      .selectFrom("keys")
      .selectAll()
      .where("key_state", "=", "PendingDeletion")
      .where("deletion_date", "<=", now.getTime())
      .execute();
    return rows.map(fromKeyRow);
  }

  async delete(arn: string) {
    const key = await this.get(arn);
    if (!key) return;
    await this.db.deleteFrom("key_materials").where("key_arn", "=", arn).execute();
    await this.db.deleteFrom("tags").where("key_arn", "=", arn).execute();
    await this.db.deleteFrom("key_last_usage").where("key_arn", "=", arn).execute();
    await this.db.deleteFrom("grants").where("key_arn", "=", arn).execute();
    await this.db.deleteFrom("key_rotations").where("key_arn", "=", arn).execute();
    await this.db.deleteFrom("key_material_history").where("key_arn", "=", arn).execute();
    await this.db
      .deleteFrom("aliases")
      .where("account_id", "=", key.accountId)
      .where("region", "=", key.region)
      .where("target_key_id", "=", key.keyId)
      .execute();
    await this.db.deleteFrom("keys").where("arn", "=", arn).execute();
  }
}

class Materials implements KeyMaterialRepository {
  constructor(private readonly db: Db) {}

  async insert(material: KeyMaterialRecord) {
    await this.db
      .insertInto("key_materials")
      .values({
        key_arn: material.keyArn,
        material_id: material.materialId,
        sealed: material.sealed,
        public_key: material.publicKey ?? null,
        created_at: material.createdAt.getTime(),
        root_key_version: material.rootKeyVersion ?? null,
      })
      .execute();
  }

  async get(keyArn: string, materialId: string) {
    const row = await this.db
      .selectFrom("key_materials")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .where("material_id", "=", materialId)
      .executeTakeFirst();
    return row ? fromMaterialRow(row) : undefined;
  }

  async listForKey(keyArn: string) {
    const rows = await this.db
      .selectFrom("key_materials")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .orderBy("created_at")
      .execute();
    return rows.map(fromMaterialRow);
  }

  async delete(keyArn: string, materialId: string) {
    await this.db
      .deleteFrom("key_materials")
      .where("key_arn", "=", keyArn)
      .where("material_id", "=", materialId)
      .execute();
  }

  async listSealedUnder(
    version: number | undefined,
    page: { readonly limit: number; readonly after?: MaterialPosition | undefined },
  ) {
    let query = this.db
      .selectFrom("key_materials")
      .selectAll()
      .where("root_key_version", version === undefined ? "is" : "=", version ?? null);
    const after = page.after;
    if (after !== undefined)
      query = query.where((eb) =>
        eb.or([
          eb("key_arn", ">", after.keyArn),
          eb.and([eb("key_arn", "=", after.keyArn), eb("material_id", ">", after.materialId)]),
        ]),
      );
    const rows = await query.orderBy("key_arn").orderBy("material_id").limit(page.limit).execute();
    return rows.map(fromMaterialRow);
  }

  async reseal(material: KeyMaterialRecord, sealed: Uint8Array, rootKeyVersion: number) {
    const result = await this.db
      .updateTable("key_materials")
      .set({ sealed, root_key_version: rootKeyVersion })
      .where("key_arn", "=", material.keyArn)
      .where("material_id", "=", material.materialId)
      .where(
        "root_key_version",
        material.rootKeyVersion === undefined ? "is" : "=",
        material.rootKeyVersion ?? null,
      )
      .where("sealed", "=", material.sealed)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async adoptUnversioned(version: number) {
    const result = await this.db
      .updateTable("key_materials")
      .set({ root_key_version: version })
      .where("root_key_version", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

function toRotationRow(settings: RotationSettings): KeyRotationsTable {
  return {
    key_arn: settings.keyArn,
    automatic: settings.automatic ? 1 : 0,
    period_days: settings.periodInDays,
    next_rotation_at: settings.nextRotationDate?.getTime() ?? null,
    on_demand_rotations: settings.onDemandRotations,
  };
}

function fromRotationRow(row: Selectable<KeyRotationsTable>): RotationSettings {
  const next = optionalNum(row.next_rotation_at);
  return {
    keyArn: row.key_arn,
    automatic: num(row.automatic) === 1,
    periodInDays: num(row.period_days),
    nextRotationDate: next === undefined ? undefined : new Date(next),
    onDemandRotations: num(row.on_demand_rotations),
  };
}

class Rotations implements KeyRotationRepository {
  constructor(private readonly db: Db) {}

  async get(keyArn: string) {
    const row = await this.db
      .selectFrom("key_rotations")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .executeTakeFirst();
    return row ? fromRotationRow(row) : undefined;
  }

  async put(settings: RotationSettings) {
    const { key_arn, ...rest } = toRotationRow(settings);
    await this.db
      .insertInto("key_rotations")
      .values({ key_arn, ...rest })
      .onConflict((oc) => oc.column("key_arn").doUpdateSet(rest))
      .execute();
  }

  async listDue(now: Date) {
    const rows = await this.db
      .selectFrom("key_rotations")
      .innerJoin("keys", "keys.arn", "key_rotations.key_arn")
      .selectAll("key_rotations")
      .where("key_rotations.automatic", "=", 1)
      .where("key_rotations.next_rotation_at", "<=", now.getTime())
      .where("keys.key_state", "=", "Enabled")
      .orderBy("key_rotations.next_rotation_at")
      .execute();
    return rows.map(fromRotationRow);
  }
}

function toHistoryRow(entry: KeyMaterialEntry): KeyMaterialHistoryTable {
  return {
    key_arn: entry.keyArn,
    material_id: entry.materialId,
    position: entry.position,
    rotated_at: entry.rotationDate?.getTime() ?? null,
    rotation_type: entry.rotationType ?? null,
    pending_rotation: entry.pendingRotation ? 1 : 0,
    import_state: entry.imported?.importState ?? null,
    expiration_model: entry.imported?.expirationModel ?? null,
    valid_to: entry.imported?.validTo?.getTime() ?? null,
    description: entry.imported?.description ?? null,
  };
}

function fromHistoryRow(row: Selectable<KeyMaterialHistoryTable>): KeyMaterialEntry {
  const rotatedAt = optionalNum(row.rotated_at);
  const validTo = optionalNum(row.valid_to);
  return {
    keyArn: row.key_arn,
    materialId: row.material_id,
    position: num(row.position),
    rotationDate: rotatedAt === undefined ? undefined : new Date(rotatedAt),
    rotationType: (row.rotation_type ?? undefined) as RotationType | undefined,
    pendingRotation: num(row.pending_rotation) === 1,
    imported:
      row.import_state === null || row.expiration_model === null
        ? undefined
        : {
            importState: row.import_state as ImportState,
            expirationModel: row.expiration_model as ExpirationModelType,
            validTo: validTo === undefined ? undefined : new Date(validTo),
            description: row.description ?? undefined,
          },
  };
}

class MaterialHistory implements KeyMaterialHistoryRepository {
  constructor(private readonly db: Db) {}

  async listForKey(keyArn: string) {
    const rows = await this.db
      .selectFrom("key_material_history")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .orderBy("position")
      .execute();
    return rows.map(fromHistoryRow);
  }

  async put(entry: KeyMaterialEntry) {
    const { key_arn, material_id, ...rest } = toHistoryRow(entry);
    await this.db
      .insertInto("key_material_history")
      .values({ key_arn, material_id, ...rest })
      .onConflict((oc) => oc.columns(["key_arn", "material_id"]).doUpdateSet(rest))
      .execute();
  }

  async delete(keyArn: string, materialId: string) {
    await this.db
      .deleteFrom("key_material_history")
      .where("key_arn", "=", keyArn)
      .where("material_id", "=", materialId)
      .execute();
  }

  async listExpired(now: Date) {
    const rows = await this.db
      .selectFrom("key_material_history")
      .selectAll()
      .where("import_state", "=", "IMPORTED")
      .where("expiration_model", "=", "KEY_MATERIAL_EXPIRES")
      .where("valid_to", "<=", now.getTime())
      .orderBy("valid_to")
      .execute();
    return rows.map(fromHistoryRow);
  }
}

class Aliases implements AliasRepository {
  constructor(
    private readonly db: Db,
    private readonly locking: Locking,
  ) {}

  async lock(accountId: string, region: string, aliasName: string) {
    if (this.locking === "outside-transaction") throw lockOutsideTransaction("aliases.lock");
    if (this.locking === "serial") return this.get(accountId, region, aliasName);
    const row = await this.db
      .selectFrom("aliases")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("alias_name", "=", aliasName)
      .forNoKeyUpdate()
      .executeTakeFirst();
    return row ? fromAliasRow(row) : undefined;
  }

  async get(accountId: string, region: string, aliasName: string) {
    const row = await this.db
      .selectFrom("aliases")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("alias_name", "=", aliasName)
      .executeTakeFirst();
    return row ? fromAliasRow(row) : undefined;
  }

  async insert(alias: AliasRecord) {
    await this.db.insertInto("aliases").values(toAliasRow(alias)).execute();
  }

  async update(alias: AliasRecord) {
    const row = toAliasRow(alias);
    await this.db
      .updateTable("aliases")
      .set({ target_key_id: row.target_key_id, updated_at: row.updated_at })
      .where("account_id", "=", row.account_id)
      .where("region", "=", row.region)
      .where("alias_name", "=", row.alias_name)
      .execute();
  }

  async delete(accountId: string, region: string, aliasName: string) {
    await this.db
      .deleteFrom("aliases")
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("alias_name", "=", aliasName)
      .execute();
  }

  async listForKeys(accountId: string, region: string, keyIds: readonly string[]) {
    if (keyIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("aliases")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("target_key_id", "in", keyIds)
      .orderBy("alias_name")
      .execute();
    return rows.map(fromAliasRow);
  }

  async list(accountId: string, region: string, page: Page & { targetKeyId?: string | undefined }) {
    let query = this.db
      .selectFrom("aliases")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region);
    if (page.targetKeyId !== undefined) query = query.where("target_key_id", "=", page.targetKeyId);
    if (page.after !== undefined) query = query.where("alias_name", ">", page.after);
    const rows = await query.orderBy("alias_name").limit(page.limit).execute();
    return rows.map(fromAliasRow);
  }
}

class Tags implements TagRepository {
  constructor(private readonly db: Db) {}

  async list(keyArn: string): Promise<TagRecord[]> {
    const rows = await this.db
      .selectFrom("tags")
      .select(["tag_key", "tag_value"])
      .where("key_arn", "=", keyArn)
      .orderBy("position")
      .orderBy("tag_key")
      .execute();
    return rows.map((r) => ({ key: r.tag_key, value: r.tag_value }));
  }

  async put(keyArn: string, tags: readonly TagRecord[]) {
    const existing = await this.db
      .selectFrom("tags")
      .select((eb) => eb.fn.max("position").as("last"))
      .where("key_arn", "=", keyArn)
      .executeTakeFirst();
    let position = existing?.last === null || existing?.last === undefined ? 0 : num(existing.last);
    for (const tag of tags) {
      position += 1;
      await this.db
        .insertInto("tags")
        .values({ key_arn: keyArn, tag_key: tag.key, tag_value: tag.value, position })
        .onConflict((oc) =>
          oc.columns(["key_arn", "tag_key"]).doUpdateSet({ tag_value: tag.value }),
        )
        .execute();
    }
  }

  async remove(keyArn: string, tagKeys: readonly string[]) {
    if (tagKeys.length === 0) return;
    await this.db
      .deleteFrom("tags")
      .where("key_arn", "=", keyArn)
      .where("tag_key", "in", [...tagKeys])
      .execute();
  }
}

function toGrantRow(grant: GrantRecord): GrantsTable {
  return {
    grant_id: grant.grantId,
    key_arn: grant.keyArn,
    region: grant.region,
    name: grant.name ?? null,
    created_at: grant.creationDate.getTime(),
    grantee_principal: grant.granteePrincipal,
    retiring_principal: grant.retiringPrincipal ?? null,
    issuing_account: grant.issuingAccount,
    operations: JSON.stringify(grant.operations),
    constraints: grant.constraints === undefined ? null : JSON.stringify(grant.constraints),
    list_key: grantListKey(grant),
  };
}

function fromGrantRow(row: Selectable<GrantsTable>): GrantRecord {
  return {
    grantId: row.grant_id,
    keyArn: row.key_arn,
    region: row.region,
    name: row.name ?? undefined,
    creationDate: new Date(num(row.created_at)),
    granteePrincipal: row.grantee_principal,
    retiringPrincipal: row.retiring_principal ?? undefined,
    issuingAccount: row.issuing_account,
    operations: JSON.parse(row.operations) as GrantOperation[],
    constraints: row.constraints === null ? undefined : JSON.parse(row.constraints),
  };
}

class Grants implements GrantRepository {
  constructor(private readonly db: Db) {}

  async insert(grant: GrantRecord) {
    await this.db.insertInto("grants").values(toGrantRow(grant)).execute();
  }

  async get(keyArn: string, grantId: string) {
    const row = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .where("grant_id", "=", grantId)
      .executeTakeFirst();
    return row ? fromGrantRow(row) : undefined;
  }

  async find(grantId: string) {
    const row = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("grant_id", "=", grantId)
      .executeTakeFirst();
    return row ? fromGrantRow(row) : undefined;
  }

  async listForKey(
    keyArn: string,
    page: Page & { grantId?: string | undefined; granteePrincipal?: string | undefined },
  ) {
    let query = this.db.selectFrom("grants").selectAll().where("key_arn", "=", keyArn);
    if (page.grantId !== undefined) query = query.where("grant_id", "=", page.grantId);
    if (page.granteePrincipal !== undefined)
      query = query.where("grantee_principal", "=", page.granteePrincipal);
    if (page.after !== undefined) query = query.where("list_key", ">", page.after);
    const rows = await query.orderBy("list_key").limit(page.limit).execute();
    return rows.map(fromGrantRow);
  }

  async listForGrantees(keyArn: string, granteePrincipals: readonly string[]) {
    if (granteePrincipals.length === 0) return [];
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .where("grantee_principal", "in", [...granteePrincipals])
      .orderBy("list_key")
      .execute();
    return rows.map(fromGrantRow);
  }

  async listRetirable(retiringPrincipal: string, region: string, page: Page) {
    let query = this.db
      .selectFrom("grants")
      .selectAll()
      .where("retiring_principal", "=", retiringPrincipal)
      .where("region", "=", region);
    if (page.after !== undefined) query = query.where("list_key", ">", page.after);
    const rows = await query.orderBy("list_key").limit(page.limit).execute();
    return rows.map(fromGrantRow);
  }

  async findByName(keyArn: string, name: string) {
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .where("name", "=", name)
      .orderBy("list_key")
      .execute();
    return rows.map(fromGrantRow);
  }

  async delete(grantId: string) {
    const result = await this.db
      .deleteFrom("grants")
      .where("grant_id", "=", grantId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

class LastUsage implements KeyLastUsageRepository {
  constructor(private readonly db: Db) {}

  async get(keyArn: string): Promise<KeyLastUsageRecord | undefined> {
    const row = await this.db
      .selectFrom("key_last_usage")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .executeTakeFirst();
    if (!row) return undefined;
    const tracking = optionalNum(row.tracking_started_at);
    const usedAt = optionalNum(row.used_at);
    return {
      trackingStartDate: tracking === undefined ? undefined : new Date(tracking),
      lastUse:
        usedAt === undefined || row.operation === null
          ? undefined
          : {
              operation: row.operation as KeyLastUsageTrackingOperation,
              timestamp: new Date(usedAt),
              eventId: row.event_id ?? "",
              requestId: row.request_id ?? "",
            },
    };
  }

  async record(use: KeyUse) {
    await this.db
      .insertInto("key_last_usage")
      .values({
        key_arn: use.keyArn,
        tracking_started_at: null,
        operation: use.operation,
        used_at: use.timestamp.getTime(),
        event_id: use.eventId,
        request_id: use.requestId,
      })
      .onConflict((oc) =>
        oc
          .column("key_arn")
          .doUpdateSet((eb) => ({
            operation: eb.ref("excluded.operation"),
            used_at: eb.ref("excluded.used_at"),
            event_id: eb.ref("excluded.event_id"),
            request_id: eb.ref("excluded.request_id"),
          }))
          .where((eb) =>
            eb.or([
              eb("key_last_usage.used_at", "is", null),
              eb("key_last_usage.used_at", "<=", eb.ref("excluded.used_at")),
            ]),
          ),
      )
      .execute();
  }
}

function toCustomKeyStoreRow(store: CustomKeyStoreRecord): CustomKeyStoresTable {
  return {
    custom_key_store_id: store.id,
    account_id: store.accountId,
    region: store.region,
    name: store.name,
    store_type: store.type,
    created_at: store.creationDate.getTime(),
    connection_state: store.connectionState,
    connection_error_code: store.connectionErrorCode ?? null,
    xks_connectivity: store.xks?.connectivity ?? null,
    xks_uri_endpoint: store.xks?.uriEndpoint ?? null,
    xks_uri_path: store.xks?.uriPath ?? null,
    xks_access_key_id: store.xks?.accessKeyId ?? null,
    credential_material_id: store.xks?.credentialMaterialId ?? null,
  };
}

function fromCustomKeyStoreRow(row: Selectable<CustomKeyStoresTable>): CustomKeyStoreRecord {
  const xks =
    row.xks_connectivity === null ||
    row.xks_uri_endpoint === null ||
    row.xks_uri_path === null ||
    row.xks_access_key_id === null ||
    row.credential_material_id === null
      ? undefined
      : {
          connectivity: row.xks_connectivity as XksProxyConnectivityType,
          uriEndpoint: row.xks_uri_endpoint,
          uriPath: row.xks_uri_path,
          accessKeyId: row.xks_access_key_id,
          credentialMaterialId: row.credential_material_id,
        };
  return {
    id: row.custom_key_store_id,
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    type: row.store_type as CustomKeyStoreType,
    creationDate: new Date(num(row.created_at)),
    connectionState: row.connection_state as ConnectionStateType,
    connectionErrorCode: (row.connection_error_code ?? undefined) as
      | ConnectionErrorCodeType
      | undefined,
    xks,
  };
}

class CustomKeyStores implements CustomKeyStoreRepository {
  constructor(
    private readonly db: Db,
    private readonly locking: Locking,
  ) {}

  async lock(accountId: string, region: string, id: string) {
    if (this.locking === "outside-transaction")
      throw lockOutsideTransaction("customKeyStores.lock");
    if (this.locking === "serial") return this.get(accountId, region, id);
    const row = await this.db
      .selectFrom("custom_key_stores")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("custom_key_store_id", "=", id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    return row ? fromCustomKeyStoreRow(row) : undefined;
  }

  async lockNames(region: string) {
    if (this.locking === "outside-transaction")
      throw lockOutsideTransaction("customKeyStores.lockNames");
    if (this.locking === "serial") return;
    // No row stands for "the names of a Region" (nor does a unique index cover proxy addresses
    // across accounts), so a transaction-scoped advisory lock on a hash of the Region does; a
    // hash collision only makes two Regions wait for each other.
    const name = `trent/custom-key-store-names/${region}`;
    await sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(this.db);
  }

  async get(accountId: string, region: string, id: string) {
    const row = await this.db
      .selectFrom("custom_key_stores")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("custom_key_store_id", "=", id)
      .executeTakeFirst();
    return row ? fromCustomKeyStoreRow(row) : undefined;
  }

  async findByName(accountId: string, region: string, name: string) {
    const row = await this.db
      .selectFrom("custom_key_stores")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("name", "=", name)
      .executeTakeFirst();
    return row ? fromCustomKeyStoreRow(row) : undefined;
  }

  async findByProxyUri(region: string, uriEndpoint: string, uriPath: string) {
    const row = await this.db
      .selectFrom("custom_key_stores")
      .selectAll()
      .where("region", "=", region)
      .where("xks_uri_endpoint", "=", uriEndpoint)
      .where("xks_uri_path", "=", uriPath)
      .executeTakeFirst();
    return row ? fromCustomKeyStoreRow(row) : undefined;
  }

  async list(accountId: string, region: string, page: Page) {
    let query = this.db
      .selectFrom("custom_key_stores")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("region", "=", region);
    if (page.after !== undefined) query = query.where("custom_key_store_id", ">", page.after);
    const rows = await query.orderBy("custom_key_store_id").limit(page.limit).execute();
    return rows.map(fromCustomKeyStoreRow);
  }

  async insert(store: CustomKeyStoreRecord) {
    await this.db.insertInto("custom_key_stores").values(toCustomKeyStoreRow(store)).execute();
  }

  async update(store: CustomKeyStoreRecord) {
    const { account_id, region, custom_key_store_id, ...rest } = toCustomKeyStoreRow(store);
    await this.db
      .updateTable("custom_key_stores")
      .set(rest)
      .where("account_id", "=", account_id)
      .where("region", "=", region)
      .where("custom_key_store_id", "=", custom_key_store_id)
      .execute();
  }

  async delete(accountId: string, region: string, id: string) {
    await this.db.deleteFrom("xks_keys").where("custom_key_store_id", "=", id).execute();
    await this.db
      .deleteFrom("custom_key_stores")
      .where("account_id", "=", accountId)
      .where("region", "=", region)
      .where("custom_key_store_id", "=", id)
      .execute();
  }

  async keyArns(id: string) {
    const rows = await this.db
      .selectFrom("keys")
      .select("arn")
      .where("custom_key_store_id", "=", id)
      .orderBy("arn")
      .execute();
    return rows.map((row) => row.arn);
  }

  async putXksKey(record: XksKeyRecord) {
    await this.db.deleteFrom("xks_keys").where("key_arn", "=", record.keyArn).execute();
    await this.db
      .insertInto("xks_keys")
      .values({
        key_arn: record.keyArn,
        custom_key_store_id: record.customKeyStoreId,
        xks_key_id: record.xksKeyId,
      })
      .execute();
  }

  async getXksKey(keyArn: string) {
    const row = await this.db
      .selectFrom("xks_keys")
      .selectAll()
      .where("key_arn", "=", keyArn)
      .executeTakeFirst();
    return row
      ? { keyArn: row.key_arn, customKeyStoreId: row.custom_key_store_id, xksKeyId: row.xks_key_id }
      : undefined;
  }

  async findXksKey(customKeyStoreId: string, xksKeyId: string) {
    const rows = await this.db
      .selectFrom("xks_keys")
      .selectAll()
      .where("custom_key_store_id", "=", customKeyStoreId)
      .where("xks_key_id", "=", xksKeyId)
      .execute();
    return rows.map((row) => ({
      keyArn: row.key_arn,
      customKeyStoreId: row.custom_key_store_id,
      xksKeyId: row.xks_key_id,
    }));
  }
}

class KyselyStoreView implements Store {
  readonly keys: KeyRepository;
  readonly materials: KeyMaterialRepository;
  readonly aliases: AliasRepository;
  readonly tags: TagRepository;
  readonly grants: GrantRepository;
  readonly lastUsage: KeyLastUsageRepository;
  readonly rotations: KeyRotationRepository;
  readonly materialHistory: KeyMaterialHistoryRepository;
  readonly customKeyStores: CustomKeyStoreRepository;
  readonly rootKeys: RootKeyRepository;
  readonly sealedSecrets: SealedSecretRepository;
  readonly consoleSessions: ConsoleSessionRepository;

  constructor(
    protected readonly db: Db,
    private readonly root: Kysely<Database>,
    private readonly concurrentWriters: boolean,
    keyRows?: KeyRowCache,
  ) {
    const locking: Locking =
      db === root ? "outside-transaction" : concurrentWriters ? "rows" : "serial";
    this.keys = new Keys(db, locking, db === root ? keyRows : undefined);
    this.materials = new Materials(db);
    this.aliases = new Aliases(db, locking);
    this.tags = new Tags(db);
    this.grants = new Grants(db);
    this.lastUsage = new LastUsage(db);
    this.rotations = new Rotations(db);
    this.materialHistory = new MaterialHistory(db);
    this.customKeyStores = new CustomKeyStores(db, locking);
    this.rootKeys = new RootKeys(db);
    this.sealedSecrets = new SealedSecrets(db);
    this.consoleSessions = new ConsoleSessions(db);
  }

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    // Nested transactions join the outer one.
    if (this.db !== this.root) return work(this);
    const run = (trx: Transaction<Database>) =>
      work(new KyselyStoreView(trx, this.root, this.concurrentWriters));
    if (!this.concurrentWriters) return this.root.transaction().execute(run);
    // READ COMMITTED: each statement sees what is committed when it starts, and a transaction
    // that reads in order to write takes the lock methods' locks first, so two nodes changing
    // the same key (or alias, or custom key store) run one after the other while unrelated
    // writes never wait for each other. SERIALIZABLE, tried first, aborted unrelated writes:
    // with small tables the planner scans whole relations, and SSI's predicate locks on them
    // made every pair of concurrent writers conflict.
    const started = Date.now();
    let uniqueViolationRerun = false;
    for (let failedRuns = 0; ; ) {
      try {
        return await this.root.transaction().setIsolationLevel("read committed").execute(run);
      } catch (error) {
        const state = sqlState(error);
        if (state === "23505" && !uniqueViolationRerun) {
          // unique_violation: a concurrent transaction inserted the row this one checked was
          // absent. Rerun once: the check now finds the row and answers as it would have on
          // SQLite (CreateAlias: AlreadyExistsException). Work that never checked fails again.
          uniqueViolationRerun = true;
          continue;
        }
        // deadlock_detected (locks taken in crossing orders), serialization_failure (other
        // PostgreSQL-compatible databases run SERIALIZABLE whatever is asked): the database
        // rolled everything back, so running again is safe.
        failedRuns += 1;
        const delay = rerunDelay(failedRuns);
        const retriable = state === "40001" || state === "40P01";
        if (
          !retriable ||
          failedRuns >= rerun.attempts ||
          Date.now() + delay - started > rerun.budgetMs
        )
          throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async reset() {
    await this.transaction(async (store) => {
      const db = (store as KyselyStoreView).db;
      for (const table of [
        "xks_keys",
        "custom_key_stores",
        "key_material_history",
        "key_rotations",
        "grants",
        "key_last_usage",
        "tags",
        "aliases",
        "key_materials",
        "keys",
      ] as const) {
        await db.deleteFrom(table).execute();
      }
    });
  }

  async health(): Promise<StoreHealth> {
    // Migration names do not depend on the dialect.
    const known = Object.keys(await migrationProvider({ binary: "blob" }).getMigrations());
    const ran = (
      await sql<{ name: string }>`select name from ${sql.table(migrationTableName)}`.execute(
        this.root,
      )
    ).rows.map((row) => row.name);
    return {
      pendingMigrations: known.filter((name) => !ran.includes(name)),
      unknownMigrations: ran.filter((name) => !known.includes(name)),
    };
  }

  async close() {
    await this.root.destroy();
  }
}

const migrationTableName = "trent_migrations";

/** Migrates the database to the latest schema and returns a Store over it. */
export async function openKyselyStore(db: Kysely<Database>, dialect: StoreDialect): Promise<Store> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName,
    migrationLockTableName: "trent_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const concurrentWriters = dialect.concurrentWriters === true;
  // Several writers (PostgreSQL nodes) leave no cheap per-connection version to check.
  const keyRows =
    dialect.version === undefined || concurrentWriters
      ? undefined
      : new KeyRowCache(dialect.version);
  return new KyselyStoreView(db, db, concurrentWriters, keyRows);
}

/** The statement kinds metrics count by; anything else is "other" (labels stay bounded). */
const statementKinds: ReadonlySet<string> = new Set([
  "select",
  "insert",
  "update",
  "delete",
  "begin",
  "commit",
  "rollback",
  "savepoint",
  "release",
  "with",
]);

function statementKind(text: string): string {
  const word = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toLowerCase();
  return word !== undefined && statementKinds.has(word) ? word : "other";
}

/**
 * Kysely's log hook as a StoreQueryObserver sees it: one call per statement, transactions'
 * begin and commit included. Undefined without an observer, so Kysely skips its timing.
 */
export function queryLog(
  observer: StoreQueryObserver | undefined,
): ((event: LogEvent) => void) | undefined {
  if (!observer) return undefined;
  return (event) =>
    observer.query(
      statementKind(event.query.sql),
      event.queryDurationMillis,
      event.level === "error",
    );
}
