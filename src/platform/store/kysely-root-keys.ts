/**
 * The root key registry and Trent's sealed secrets over Kysely (portable SQL, both dialects),
 * used by start-up's proof and by root key rotation (domain/root-keys.ts). Inserts that two
 * nodes may race on use ON CONFLICT DO NOTHING and report whether they won, so the loser reads
 * the winner's row instead of failing.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, RootKeysTable, SealedSecretsTable } from "./schema.js";
import type {
  RootKeyRecord,
  RootKeyRepository,
  SealedRowCount,
  SealedSecretRecord,
  SealedSecretRepository,
} from "./store.js";

type Db = Kysely<Database> | Transaction<Database>;

/** PostgreSQL returns bigint columns and counts as strings; SQLite as numbers. */
function num(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}

function bytes(value: Uint8Array | Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function fromRootKeyRow(row: Selectable<RootKeysTable>): RootKeyRecord {
  return {
    version: num(row.version),
    checkValue: bytes(row.check_value),
    createdAt: new Date(num(row.created_at)),
    retiredAt: row.retired_at === null ? undefined : new Date(num(row.retired_at)),
  };
}

function fromSecretRow(row: Selectable<SealedSecretsTable>): SealedSecretRecord {
  return {
    name: row.name,
    sealed: bytes(row.sealed),
    rootKeyVersion: num(row.root_key_version),
    createdAt: new Date(num(row.created_at)),
  };
}

export class RootKeys implements RootKeyRepository {
  constructor(private readonly db: Db) {}

  async list() {
    const rows = await this.db.selectFrom("root_keys").selectAll().orderBy("version").execute();
    return rows.map(fromRootKeyRow);
  }

  async register(record: RootKeyRecord) {
    const result = await this.db
      .insertInto("root_keys")
      .values({
        version: record.version,
        check_value: record.checkValue,
        created_at: record.createdAt.getTime(),
        retired_at: record.retiredAt?.getTime() ?? null,
      })
      .onConflict((oc) => oc.column("version").doNothing())
      .executeTakeFirst();
    return num(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async retire(version: number, at: Date) {
    await this.db
      .updateTable("root_keys")
      .set({ retired_at: at.getTime() })
      .where("version", "=", version)
      .where("retired_at", "is", null)
      .execute();
  }

  async isReferenced(version: number | undefined) {
    const material = await this.db
      .selectFrom("key_materials")
      .select("key_arn")
      .where("root_key_version", version === undefined ? "is" : "=", version ?? null)
      .limit(1)
      .executeTakeFirst();
    if (material !== undefined) return true;
    if (version === undefined) return false;
    const secret = await this.db
      .selectFrom("sealed_secrets")
      .select("name")
      .where("root_key_version", "=", version)
      .limit(1)
      .executeTakeFirst();
    return secret !== undefined;
  }

  async countSealed() {
    const materials = await this.db
      .selectFrom("key_materials")
      .select((eb) => ["root_key_version", eb.fn.countAll().as("count")])
      .groupBy("root_key_version")
      .execute();
    const secrets = await this.db
      .selectFrom("sealed_secrets")
      .select((eb) => ["root_key_version", eb.fn.countAll().as("count")])
      .groupBy("root_key_version")
      .execute();
    const counts = new Map<number | undefined, { keyMaterials: number; sealedSecrets: number }>();
    const entry = (version: number | null) => {
      const key = version === null ? undefined : num(version);
      let found = counts.get(key);
      if (!found) {
        found = { keyMaterials: 0, sealedSecrets: 0 };
        counts.set(key, found);
      }
      return found;
    };
    for (const row of materials) entry(row.root_key_version).keyMaterials = num(row.count);
    for (const row of secrets) entry(row.root_key_version).sealedSecrets = num(row.count);
    const result: SealedRowCount[] = [...counts].map(([version, count]) => ({
      version,
      ...count,
    }));
    return result.sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
  }
}

export class SealedSecrets implements SealedSecretRepository {
  constructor(private readonly db: Db) {}

  async get(name: string) {
    const row = await this.db
      .selectFrom("sealed_secrets")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return row ? fromSecretRow(row) : undefined;
  }

  async insert(record: SealedSecretRecord) {
    const result = await this.db
      .insertInto("sealed_secrets")
      .values({
        name: record.name,
        sealed: record.sealed,
        root_key_version: record.rootKeyVersion,
        created_at: record.createdAt.getTime(),
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    return num(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async listSealedUnder(version: number) {
    const rows = await this.db
      .selectFrom("sealed_secrets")
      .selectAll()
      .where("root_key_version", "=", version)
      .orderBy("name")
      .execute();
    return rows.map(fromSecretRow);
  }

  async reseal(secret: SealedSecretRecord, sealed: Uint8Array, rootKeyVersion: number) {
    const result = await this.db
      .updateTable("sealed_secrets")
      .set({ sealed, root_key_version: rootKeyVersion })
      .where("name", "=", secret.name)
      .where("root_key_version", "=", secret.rootKeyVersion)
      .where("sealed", "=", secret.sealed)
      .executeTakeFirst();
    return num(result.numUpdatedRows) === 1;
  }
}
