/**
 * The store a configuration names: PostgreSQL when TRENT_DATABASE_URL is set, else SQLite in the
 * data directory (or in memory). Shared by `trent serve` and the commands that work on a store
 * beside a running server (`trent root-key rotate`, `trent root-key status`).
 */
import { redactDatabaseUrl, type TrentConfig } from "../../vocabulary/config.js";
import type { LogTarget } from "../../vocabulary/ports.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore, sqliteFileName } from "./sqlite.js";
import type { Store, StoreQueryObserver } from "./store.js";

/** Where the store of `config` is, for messages about its data (never a password). */
export function storeDescription(config: TrentConfig, givenStore: boolean): string {
  if (givenStore) return "the store given to Trent";
  if (config.databaseUrl !== undefined) return redactDatabaseUrl(config.databaseUrl);
  return config.dataDir === ":memory:"
    ? "the in-memory store"
    : `${config.dataDir}/${sqliteFileName}`;
}

/** Opens the store `config` names (PostgreSQL or SQLite), unless one is given. */
export async function openConfiguredStore(
  config: TrentConfig,
  log: LogTarget,
  given?: Store,
  observer?: StoreQueryObserver,
): Promise<Store> {
  if (given) return given;
  return config.databaseUrl === undefined
    ? openSqliteStore(config.dataDir, observer)
    : openPostgresStore(config.databaseUrl, log, observer);
}
