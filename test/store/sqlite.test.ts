/** The store contract on the embedded default backend, SQLite (in memory and in a file). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../../src/store/schema.js";
import { openSqliteStore, sqliteFileName } from "../../src/store/sqlite.js";
import { storeContract } from "./contract.js";

describe("SQLite store", () => {
  storeContract({
    open: () => openSqliteStore(":memory:"),
    async database() {
      const db = new Kysely<Database>({
        dialect: new SqliteDialect({ database: new SQLite(":memory:") }),
      });
      return { db, dialect: { binary: "blob" } };
    },
  });

  it("keeps records in an owner-only file across reopening", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-sqlite-"));
    try {
      const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const first = await openSqliteStore(dir);
      await first.tags.put(arn, [{ key: "kept", value: "yes" }]);
      await first.close();
      assert.equal(statSync(join(dir, sqliteFileName)).mode & 0o777, 0o600);
      const second = await openSqliteStore(dir);
      try {
        assert.deepEqual(await second.tags.list(arn), [{ key: "kept", value: "yes" }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
