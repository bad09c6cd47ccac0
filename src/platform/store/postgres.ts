/**
 * Opens the shared-state backend: a PostgreSQL database that several Trent nodes use at once
 * (TRENT_DATABASE_URL). Nodes keep no state of their own, so every read goes to the database;
 * transactions run READ COMMITTED, lock what they read in order to write, and are rerun when
 * the database aborts one to break a deadlock (kysely-store.ts, store.ts). Migrations take
 * Kysely's advisory lock, so nodes may start together.
 */
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
} from "kysely";
import pg from "pg";
import { type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { openKyselyStore, queryLog } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { Store, StoreQueryObserver } from "./store.js";

/** Connections each node keeps open at most (pg's own default). */
const poolSize = 10;

export function postgresKysely(
  databaseUrl: string,
  log: LogTarget = () => {},
  observer?: StoreQueryObserver,
): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection that the server drops (restart, failover) must not crash the process;
  // the pool discards it and the next query opens a new one. pg's messages carry no password.
  const logger = toLogger(log);
  pool.on("error", (error) => logger.warn(`PostgreSQL connection lost: ${error.message}`));
  return new Kysely<Database>({
    dialect: observer
      ? new ObservedPostgresDialect({ pool }, observer)
      : new PostgresDialect({ pool }),
    log: queryLog(observer),
  });
}

/**
 * Kysely's log hook sees statements only; a database that refuses connections fails before
 * any statement runs. Those failures count as statements of kind "connect".
 */
class ObservedPostgresDriver extends PostgresDriver {
  constructor(
    config: PostgresDialectConfig,
    private readonly observer: StoreQueryObserver,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const started = performance.now();
    try {
      return await super.acquireConnection();
    } catch (error) {
      this.observer.query("connect", performance.now() - started, true);
      throw error;
    }
  }
}

class ObservedPostgresDialect extends PostgresDialect {
  constructor(
    private readonly config: PostgresDialectConfig,
    private readonly observer: StoreQueryObserver,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ObservedPostgresDriver(this.config, this.observer);
  }
}

export async function openPostgresStore(
  databaseUrl: string,
  log?: LogTarget,
  observer?: StoreQueryObserver,
): Promise<Store> {
  const db = postgresKysely(databaseUrl, log, observer);
  try {
    return await openKyselyStore(db, {
      binary: "bytea",
      sortCollation: "C",
      concurrentWriters: true,
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
