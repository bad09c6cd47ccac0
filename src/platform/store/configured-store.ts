/**
 * The store a configuration names: PostgreSQL when TRENT_DATABASE_URL is set, else SQLite in the
 * data directory (or in memory). Shared by `trent serve` and the commands that work on a store
 * beside a running server (`trent root-key rotate`, `trent root-key status`).
 */
import { join } from "node:path";
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

/** Which store `config` names and where it is, for the start-up lines and `trent status`. */
export interface StoreFacts {
  readonly engine: "sqlite" | "postgresql" | "given";
  /** The database file, "memory", or PostgreSQL's host:port/database (no user, no password). */
  readonly location: string;
}

export function storeFacts(config: TrentConfig, givenStore: boolean): StoreFacts {
  if (givenStore) return { engine: "given", location: "the store given to Trent" };
  if (config.databaseUrl !== undefined)
    return { engine: "postgresql", location: postgresPlace(config.databaseUrl) };
  return {
    engine: "sqlite",
    location: config.dataDir === ":memory:" ? "memory" : join(config.dataDir, sqliteFileName),
  };
}

/** host:port/database of a PostgreSQL URL; the user and password stay out of it. */
function postgresPlace(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    // A socket directory may stand in the query instead of a host name.
    const host = url.hostname || url.searchParams.get("host") || "localhost";
    return `${host}:${url.port || "5432"}/${database}`;
  } catch {
    return "(unparsable database URL)";
  }
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
