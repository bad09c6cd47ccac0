/**
 * Opens the embedded default backend: a SQLite file in the data directory (WAL, so readers
 * never wait for the writer), or an in-memory database for tests. Transactions begin
 * IMMEDIATE, taking the write lock at once, so another process writing the same file (a backup,
 * a second worker) makes them wait (busy_timeout) instead of failing halfway.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from "kysely";
import { openKyselyStore, queryLog } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { Store, StoreQueryObserver } from "./store.js";

export const sqliteFileName = "trent.sqlite";

/** Compiled statements kept per database; more distinct SQL texts evict the oldest. */
const statementCacheSize = 256;

/**
 * The database as Kysely sees it, keeping compiled statements by SQL text. Kysely's SQLite
 * driver calls prepare() for every query it runs, and compiling the SQL cost about 40% of a key
 * lookup (bench/README.md). Kysely writes the same text for the same query shape (values are
 * bound parameters), so a handful of statements serve every request. Reusing them is safe: the
 * driver runs one query at a time on its one connection, Trent never streams (a statement
 * being iterated cannot run another query), and SQLite recompiles a kept statement by itself
 * after a schema change. The bound keeps IN lists of many lengths from growing it forever.
 */
function withStatementCache(sqlite: SQLite.Database, written: () => void): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (statements.size >= statementCacheSize) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(sql, statement);
      }
      // Kysely prepares every statement it runs, so this sees each write (BEGIN and COMMIT
      // included) just before it runs.
      if (!statement.reader) written();
      return statement;
    },
  };
}

/**
 * Kysely begins SQLite transactions DEFERRED: they start as readers and ask for the write lock
 * at their first write. If another connection (another process on the file) has committed
 * since this one began reading, SQLite cannot upgrade it and answers SQLITE_BUSY at once,
 * without waiting, whatever busy_timeout says. BEGIN IMMEDIATE takes the write lock first, and
 * waiting for it obeys busy_timeout. Every Store transaction writes (or reads to write), so
 * none loses anything by starting as the writer.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateTransactionDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.config);
  }
}

/**
 * The database's version for the key row cache (key-row-cache.ts): a counter that moves on
 * every write this connection runs (`written`) and whenever `PRAGMA data_version` changes,
 * which SQLite guarantees when another connection (another process on the file) committed.
 */
function databaseVersion(sqlite: SQLite.Database): {
  readonly written: () => void;
  readonly current: () => number;
} {
  const dataVersion = sqlite.prepare("pragma data_version").pluck();
  let generation = 0;
  let seen: unknown;
  return {
    written: () => {
      generation += 1;
    },
    current: () => {
      const now = dataVersion.get();
      if (now !== seen) {
        seen = now;
        generation += 1;
      }
      return generation;
    },
  };
}

export async function openSqliteStore(
  dataDir: string,
  observer?: StoreQueryObserver,
): Promise<Store> {
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
  const version = databaseVersion(sqlite);
  const db = new Kysely<Database>({
    dialect: new ImmediateTransactionDialect({
      database: withStatementCache(sqlite, version.written),
    }),
    log: queryLog(observer),
  });
  return openKyselyStore(db, { binary: "blob", version: version.current });
}
