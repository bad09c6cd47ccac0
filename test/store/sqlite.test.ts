/**
 * The store contract on the embedded default backend, SQLite (in memory and in a file); then
 * a second process writing the same file while the store's transactions read and write.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../../src/platform/store/schema.js";
import { openSqliteStore, sqliteFileName } from "../../src/platform/store/sqlite.js";
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
  it("waits for another process writing the same file instead of failing halfway", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-sqlite-"));
    const store = await openSqliteStore(dir);
    try {
      const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      // Another process (a backup, another worker) commits small writes as fast as it can.
      const writer = spawn(
        process.execPath,
        [
          "-e",
          `const db = new (require("better-sqlite3"))(process.argv[1]);
           db.pragma("busy_timeout = 5000");
           const put = db.prepare("insert or replace into tags (key_arn, tag_key, tag_value, position) values ('other', 'n', ?, 1)");
           const end = Date.now() + 1500;
           for (let n = 0; Date.now() < end; n += 1) put.run(String(n));
           db.close();`,
          join(dir, sqliteFileName),
        ],
        { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      writer.stderr.on("data", (chunk) => {
        stderr += String(chunk);
      });
      const exited = new Promise<number | null>((resolve) => writer.on("exit", resolve));
      // Read, then write from what was read: a transaction begun DEFERRED holds a snapshot the
      // other process's commits make stale, and its first write fails with SQLITE_BUSY at once.
      let runs = 0;
      const end = Date.now() + 1000;
      while (Date.now() < end) {
        await store.transaction(async (tx) => {
          const count = (await tx.tags.list(arn)).length;
          await new Promise((resolve) => setImmediate(resolve));
          await tx.tags.put(arn, [{ key: `t${count % 40}`, value: String(runs) }]);
        });
        runs += 1;
      }
      assert.equal(await exited, 0, stderr);
      assert.ok(runs > 10, `only ${runs} transactions ran`);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
