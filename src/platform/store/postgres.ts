/**
 * Opens the shared-state backend: a PostgreSQL database that several Trent nodes use at once
 * (TRENT_DATABASE_URL). Nodes keep no state of their own, so every read goes to the database;
 * transactions run READ COMMITTED, lock what they read in order to write, and are rerun when
 * the database aborts one to break a deadlock (kysely-store.ts, store.ts). Migrations take
 * Kysely's advisory lock, so nodes may start together.
 */
import { Kysely, PostgresDialect } from "kysely";
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
    dialect: new PostgresDialect({
      pool: observer ? countingConnectFailures(pool, observer) : pool,
    }),
    log: queryLog(observer),
  });
}

/**
 * Kysely's log hook sees statements only; a database that refuses connections fails before
 * any statement runs. Those failures count as statements of kind "connect".
 */
function countingConnectFailures(pool: pg.Pool, observer: StoreQueryObserver): pg.Pool {
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  return Object.assign(pool, {
    async connect() {
      const started = performance.now();
      try {
        return await connect();
      } catch (error) {
        observer.query("connect", performance.now() - started, true);
        throw error;
      }
    },
  });
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
