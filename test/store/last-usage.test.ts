import assert from "node:assert/strict";
import { describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import type { KeyRecord } from "../../src/domain/key.js";
import { openKyselyStore } from "../../src/store/kysely-store.js";
import { migrationProvider } from "../../src/store/migrations.js";
import type { Database } from "../../src/store/schema.js";
import { openSqliteStore } from "../../src/store/sqlite.js";

const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function key(keyArn: string): KeyRecord {
  return {
    arn: keyArn,
    keyId: keyArn.slice(keyArn.lastIndexOf("/") + 1),
    accountId: "111122223333",
    region: "us-east-1",
    creationDate: new Date("2025-01-01T00:00:00Z"),
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    keyState: "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy: "{}",
    currentKeyMaterialId: undefined,
  };
}

function use(timestamp: string, operation: "Encrypt" | "Decrypt", id: string) {
  return {
    keyArn: arn,
    operation,
    timestamp: new Date(timestamp),
    eventId: `e-${id}`,
    requestId: `r-${id}`,
  };
}

describe("key last usage store", () => {
  it("has nothing for a key never used, then keeps the latest use", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      await store.keys.insert(key(arn));
      assert.equal(await store.lastUsage.get(arn), undefined);

      await store.lastUsage.record(use("2025-02-01T00:00:00Z", "Encrypt", "1"));
      await store.lastUsage.record(use("2025-03-01T00:00:00Z", "Decrypt", "2"));
      // A slower request that started earlier finishes last: it must not win.
      await store.lastUsage.record(use("2025-02-15T00:00:00Z", "Encrypt", "3"));
      assert.deepEqual(await store.lastUsage.get(arn), {
        trackingStartDate: undefined,
        lastUse: {
          operation: "Decrypt",
          timestamp: new Date("2025-03-01T00:00:00Z"),
          eventId: "e-2",
          requestId: "r-2",
        },
      });
    } finally {
      await store.close();
    }
  });

  it("forgets a key's use when the key is deleted or the store is reset", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      await store.keys.insert(key(arn));
      await store.lastUsage.record(use("2025-02-01T00:00:00Z", "Encrypt", "1"));
      await store.keys.delete(arn);
      assert.equal(await store.lastUsage.get(arn), undefined);

      await store.lastUsage.record(use("2025-02-01T00:00:00Z", "Encrypt", "1"));
      await store.reset();
      assert.equal(await store.lastUsage.get(arn), undefined);
    } finally {
      await store.close();
    }
  });

  it("starts tracking keys that existed before migration 0002 at the migration", async () => {
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SQLite(":memory:") }),
    });
    const migrator = new Migrator({
      db,
      provider: migrationProvider({ binary: "blob" }),
      migrationTableName: "trent_migrations",
      migrationLockTableName: "trent_migrations_lock",
    });
    const { error } = await migrator.migrateTo("0001_initial");
    assert.equal(error, undefined);
    const old = key(arn);
    await db
      .insertInto("keys")
      .values({
        arn: old.arn,
        key_id: old.keyId,
        account_id: old.accountId,
        region: old.region,
        created_at: old.creationDate.getTime(),
        description: "",
        key_usage: old.keyUsage,
        key_spec: old.keySpec,
        origin: old.origin,
        key_manager: old.keyManager,
        key_state: old.keyState,
        deletion_date: null,
        pending_window_days: null,
        multi_region: 0,
        multi_region_key_type: null,
        custom_key_store_id: null,
        policy: "{}",
        current_material_id: null,
      })
      .execute();

    const before = Date.now();
    const store = await openKyselyStore(db, { binary: "blob" });
    try {
      const usage = await store.lastUsage.get(arn);
      assert.ok(usage?.trackingStartDate);
      assert.ok(usage.trackingStartDate.getTime() >= before);
      assert.equal(usage.lastUse, undefined);

      // A later use keeps the date tracking began.
      await store.lastUsage.record(use("2030-01-01T00:00:00Z", "Encrypt", "1"));
      const used = await store.lastUsage.get(arn);
      assert.equal(used?.trackingStartDate?.getTime(), usage.trackingStartDate.getTime());
      assert.equal(used?.lastUse?.operation, "Encrypt");
    } finally {
      await store.close();
    }
  });
});
