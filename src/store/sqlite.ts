/**
 * Opens the embedded default backend: a SQLite file in the data directory (WAL, so readers
 * never wait for the writer), or an in-memory database for tests.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { openKyselyStore } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { Store } from "./store.js";

export const sqliteFileName = "trent.sqlite";

export async function openSqliteStore(dataDir: string): Promise<Store> {
  let file = ":memory:";
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = join(dataDir, sqliteFileName);
    // Create the file owner-only before SQLite opens it; SQLite gives its WAL and shared-memory
    // files the same permissions as the database file.
    closeSync(openSync(file, "a", 0o600));
  }
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return openKyselyStore(db, { binary: "blob" });
}
