/**
 * The key row cache (src/platform/store/key-row-cache.ts) on SQLite never serves a row older
 * than the last committed write: not after this store's own writes (outside and inside
 * transactions), not after another connection to the same file committed (another worker
 * process; `PRAGMA data_version` sees it), and never inside a transaction.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { openSqliteStore, sqliteFileName } from "../../src/platform/store/sqlite.js";
import { storedKey } from "../support/key-records.js";

const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const key = storedKey("1234abcd-12ab-34cd-56ef-1234567890ab");

describe("the SQLite store's key row cache", () => {
  it("serves the row written last by this store, in and out of transactions", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      await store.keys.insert(key);
      assert.equal((await store.keys.get(arn))?.keyState, "Enabled");
      assert.equal((await store.keys.get(arn))?.keyState, "Enabled");
      await store.keys.update({ ...key, keyState: "Disabled" });
      assert.equal((await store.keys.get(arn))?.keyState, "Disabled");
      await store.transaction(async (trx) => {
        await trx.keys.update({ ...key, keyState: "PendingDeletion" });
        assert.equal((await trx.keys.get(arn))?.keyState, "PendingDeletion");
      });
      assert.equal((await store.keys.get(arn))?.keyState, "PendingDeletion");
      // A read running beside a transaction may see the row before or after it (as a read
      // that waited for the connection would); once the transaction is done, only after.
      await Promise.all([
        store.transaction(async (trx) => trx.keys.update({ ...key, description: "changed" })),
        store.keys.get(arn),
      ]);
      assert.equal((await store.keys.get(arn))?.description, "changed");
      await store.keys.delete(arn);
      assert.equal(await store.keys.get(arn), undefined);
    } finally {
      await store.close();
    }
  });

  it("sees a commit by another connection to the same file at the next read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-key-rows-"));
    const store = await openSqliteStore(dir);
    const other = new SQLite(join(dir, sqliteFileName));
    try {
      await store.keys.insert(key);
      assert.equal((await store.keys.get(arn))?.keyState, "Enabled");
      assert.equal((await store.keys.get(arn))?.keyState, "Enabled");
      other.prepare("update keys set key_state = 'Disabled' where arn = ?").run(arn);
      assert.equal((await store.keys.get(arn))?.keyState, "Disabled");
      other.prepare("update keys set key_state = 'Enabled' where arn = ?").run(arn);
      assert.equal((await store.keys.get(arn))?.keyState, "Enabled");
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands out records nobody can change", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      await store.keys.insert(key);
      const read = await store.keys.get(arn);
      assert.ok(read && Object.isFrozen(read));
    } finally {
      await store.close();
    }
  });
});
