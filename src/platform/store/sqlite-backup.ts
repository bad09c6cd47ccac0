/**
 * Backup and restore of the embedded SQLite store (`trent backup`, `trent restore`).
 *
 * A backup is taken with SQLite's online backup API from a read-only connection of its own,
 * while a server may keep writing in another process: it sees every committed transaction,
 * including those still in the WAL that a copy of trent.sqlite alone would miss, and copies
 * every page in one step, inside one read transaction, so it is one consistent snapshot and
 * a busy writer cannot make it start over. The result is one self-contained file (rollback
 * journal mode, no -wal beside it), created owner-only and put in place only when complete.
 *
 * Key material is sealed under the root key before it reaches the store, so a backup holds
 * it sealed; the root key itself is not in the database and never in a backup.
 *
 * A restore checks that the file is a sound Trent database this Trent can open, then swaps it
 * in atomically (temporary file in the data directory, fsync, rename) after removing the old
 * database's -wal, -shm and -journal files, which SQLite would otherwise replay into it.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { migrationProvider } from "./migrations.js";
import { sqliteFileName } from "./sqlite.js";

/** A refusal or failure the operator can act on; its message is the whole explanation. */
export class BackupError extends Error {}

export interface BackupResult {
  readonly source: string;
  readonly file: string;
  readonly keys: number;
  readonly bytes: number;
}

export interface RestoreResult {
  readonly database: string;
  readonly keys: number;
}

/** Pages per backup step: all of them, so the snapshot is taken in one read transaction. */
const allPages = 0x7fffffff;

/** Sidecar files of a SQLite database; stale ones must not meet a restored database. */
const sidecarSuffixes = ["-wal", "-shm", "-journal"] as const;

function sqliteErrorCode(error: unknown): string | undefined {
  return error instanceof SQLite.SqliteError ? error.code : undefined;
}

/** Creates `file` empty and owner-only; SQLite keeps the mode of a file it opens. */
function createOwnerOnly(file: string): void {
  closeSync(openSync(file, "wx", 0o600));
}

function fsyncFile(file: string): void {
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or link in `dir` durable; some platforms cannot sync a directory. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Not supported here (e.g. Windows); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function countKeys(db: SQLite.Database): number {
  return (db.prepare("select count(*) as n from keys").get() as { n: number }).n;
}

/**
 * Opens `file` read-only and checks it is a Trent database this Trent can open: it has Trent's
 * migration table, every migration it records is one this Trent knows (a newer Trent's schema
 * is refused), and, when asked, SQLite's integrity check passes.
 */
async function openTrentDatabase(
  file: string,
  options: { readonly integrityCheck: boolean },
): Promise<SQLite.Database> {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    let integrity = "ok";
    try {
      // Any read tells a file that is no database; the check reads every page.
      db.prepare("select count(*) from sqlite_master").get();
      if (options.integrityCheck)
        integrity = String(db.pragma("integrity_check", { simple: true }));
    } catch (error) {
      if (sqliteErrorCode(error) === "SQLITE_NOTADB")
        throw new BackupError(`${file} is not a SQLite database`);
      throw new BackupError(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (integrity !== "ok")
      throw new BackupError(`${file} fails SQLite's integrity check: ${integrity}`);
    const migrationTable = db
      .prepare("select 1 from sqlite_master where type = 'table' and name = 'trent_migrations'")
      .get();
    if (migrationTable === undefined)
      throw new BackupError(
        `${file} is a SQLite database but not a Trent one (no trent_migrations table)`,
      );
    const known = new Set(Object.keys(await migrationProvider({ binary: "blob" }).getMigrations()));
    const applied = (
      db.prepare("select name from trent_migrations").all() as { name: string }[]
    ).map((row) => row.name);
    const unknown = applied.filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new BackupError(
        `${file} was written by a newer Trent (schema migrations this Trent does not know: ${unknown.join(", ")}); use that version of Trent or a later one`,
      );
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Copies all of `source` into the new file `target` in one backup step, then makes `target`
 * a single self-contained file.
 */
async function snapshot(source: SQLite.Database, target: string): Promise<void> {
  createOwnerOnly(target);
  await source.backup(target, { progress: () => allPages });
  // The copy carries the source's WAL flag; rollback journal mode needs no -wal beside it, so
  // the backup is one file that opens anywhere, even read-only.
  const copy = new SQLite(target);
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
  fsyncFile(target);
}

/**
 * Writes an online backup of the SQLite store in `dataDir` to `file`. Refuses to overwrite an
 * existing file unless `force`. The server may keep running.
 */
export async function backupSqliteStore(
  dataDir: string,
  file: string,
  options: { readonly force: boolean },
): Promise<BackupResult> {
  const source = join(dataDir, sqliteFileName);
  const target = resolve(file);
  if (!existsSync(source))
    throw new BackupError(
      `there is no Trent database at ${source}: point --data-dir (or TRENT_DATA_DIR) at the server's data directory`,
    );
  if (existsSync(target) && !options.force)
    throw new BackupError(`${file} already exists; pass --force to overwrite it`);
  if (!existsSync(dirname(target)))
    throw new BackupError(`cannot write ${file}: directory ${dirname(target)} does not exist`);

  // The copy is checked page by page below, which covers the source's pages too.
  const db = await openTrentDatabase(source, { integrityCheck: false });
  // Beside the target, so that putting it in place is a rename within one file system.
  const workDir = mkdtempSync(join(dirname(target), `.${basename(target)}.`));
  try {
    const temp = join(workDir, "backup.sqlite");
    try {
      await snapshot(db, temp);
    } finally {
      db.close();
    }
    const check = await openTrentDatabase(temp, { integrityCheck: true });
    let keys: number;
    try {
      keys = countKeys(check);
    } finally {
      check.close();
    }
    const bytes = statSync(temp).size;
    if (options.force) renameSync(temp, target);
    else {
      // link() refuses an existing target, so a file created meanwhile is never overwritten.
      try {
        linkSync(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          throw new BackupError(`${file} already exists; pass --force to overwrite it`);
        throw error;
      }
      unlinkSync(temp);
    }
    fsyncDirectory(dirname(target));
    return { source, file: target, keys, bytes };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Whether another process has `database` open. A WAL database is held with a shared lock by
 * every connection for as long as it is open, so an exclusive lock is refused while a server
 * uses it, even an idle one.
 */
function inUse(database: string): boolean {
  let probe: SQLite.Database | undefined;
  try {
    probe = new SQLite(database, { fileMustExist: true, timeout: 0 });
    probe.pragma("locking_mode = EXCLUSIVE");
    probe.prepare("select count(*) from sqlite_master").get();
    return false;
  } catch (error) {
    // A file SQLite cannot read at all is no server's database either.
    return sqliteErrorCode(error) === "SQLITE_BUSY";
  } finally {
    probe?.close();
  }
}

/**
 * Restores the backup `file` as the SQLite store of `dataDir`. Refuses to replace an existing
 * database unless `force`, and always while a server has it open.
 */
export async function restoreSqliteStore(
  file: string,
  dataDir: string,
  options: { readonly force: boolean },
): Promise<RestoreResult> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  const database = join(dataDir, sqliteFileName);
  if (existsSync(database)) {
    if (!options.force)
      throw new BackupError(
        `${database} already exists; pass --force to replace it (what it holds now is lost unless you back it up first)`,
      );
    if (inUse(database))
      throw new BackupError(
        `${database} is open in another process, probably a running Trent: stop it before restoring`,
      );
  }
  const source = await openTrentDatabase(file, { integrityCheck: true });
  let keys: number;
  let workDir: string;
  try {
    keys = countKeys(source);
    // Owner-only, like the data directory the server creates.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    workDir = mkdtempSync(join(dataDir, ".restore."));
  } catch (error) {
    source.close();
    throw error;
  }
  try {
    const temp = join(workDir, sqliteFileName);
    try {
      await snapshot(source, temp);
    } finally {
      source.close();
    }
    for (const suffix of sidecarSuffixes) rmSync(`${database}${suffix}`, { force: true });
    renameSync(temp, database);
    fsyncDirectory(dataDir);
    return { database, keys };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
