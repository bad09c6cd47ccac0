/**
 * The audit index of the embedded default: its own SQLite file beside the audit file
 * (`audit-index.sqlite` for `audit.jsonl`), not a table in trent.sqlite. SQLite has one writer
 * per database file, so index writes in the key store would queue behind (and ahead of) key
 * writes; in a file of its own they never contend. It can be deleted at any time: Trent rebuilds
 * it from the audit files at its next start (docs/audit.md).
 *
 * Written by the follower in the audit worker thread (audit-worker.ts) through prepared
 * statements, one transaction per batch of lines; read by queries on any thread or process
 * (WAL: readers never wait for the writer). synchronous=NORMAL: power loss may undo the last
 * batches, which the follower then reads again from the files, because the progress it resumes
 * from is in the same transactions.
 *
 * Tables (every index ends with the implicit rowid, seq, so each yields its records in
 * (event_time, seq) order):
 *   audit_records    seq, event_time, event_id, event_name, caller, error_code, record
 *                    indexes: (event_time), (event_name, event_time), (caller, event_time),
 *                    (error_code, event_time) and (event_time) of failures only
 *   audit_keys       id, resource (key id or alias name), arn: each key or alias ARN once
 *   audit_resources  (key, event_time, seq), its own index: one row per key or alias a record
 *                    names, by number, so the rows stay small (they are written at random
 *                    places of the index, one per key: their size is what an insert costs)
 *   audit_segments   segment_id (first eventID of an audit file), bytes_read, complete
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import SQLite from "better-sqlite3";
import type { AuditFiles } from "./audit-files.js";
import {
  type AuditFilter,
  type AuditPage,
  type AuditPageRequest,
  type AuditReader,
  type AuditTail,
  type KeyIds,
  keyIdsQuery,
  type PageRow,
  pageQuery,
  tailQuery,
  toPage,
} from "./audit-query.js";
import type { AuditRecord } from "./cloudtrail-record.js";
import type {
  AuditIndexWriter,
  IndexedResource,
  IndexedRow,
  SegmentProgress,
} from "./index-rows.js";

/** Where the index of the trail `files` is kept. */
export function sqliteIndexPath(files: AuditFiles): string {
  return join(files.dir, `${files.stem}-index.sqlite`);
}

const schemaVersion = 1;

const schema = `
create table if not exists audit_records (
  seq integer primary key,
  event_time integer not null,
  event_id text not null,
  event_name text not null,
  caller text,
  error_code text,
  record text not null
);
create index if not exists audit_records_by_time on audit_records (event_time);
create index if not exists audit_records_by_operation on audit_records (event_name, event_time);
create index if not exists audit_records_by_caller on audit_records (caller, event_time);
create index if not exists audit_records_by_error on audit_records (error_code, event_time)
  where error_code is not null;
create index if not exists audit_records_failures on audit_records (event_time)
  where error_code is not null;
create table if not exists audit_keys (
  id integer primary key,
  resource text not null,
  arn text not null unique
);
create index if not exists audit_keys_by_resource on audit_keys (resource);
create table if not exists audit_resources (
  key integer not null,
  event_time integer not null,
  seq integer not null,
  primary key (key, event_time, seq)
) without rowid;
create table if not exists audit_segments (
  segment_id text primary key,
  bytes_read integer not null,
  complete integer not null
);
`;

function openDatabase(path: string, readonly: boolean): SQLite.Database {
  if (!readonly) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Owner-only like the audit files, whose records it holds; SQLite gives its WAL and
    // shared-memory files the database file's permissions.
    closeSync(openSync(path, "a", 0o600));
  }
  const db = new SQLite(path, { readonly, fileMustExist: readonly });
  db.pragma("busy_timeout = 5000");
  if (!readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > schemaVersion)
      throw new Error(
        `the audit index ${path} was made by a newer Trent (schema ${version}); delete it to rebuild it from the audit files`,
      );
    db.exec(schema);
    db.pragma(`user_version = ${schemaVersion}`);
  }
  return db;
}

export class SqliteAuditIndexWriter implements AuditIndexWriter {
  private readonly db: SQLite.Database;
  private readonly insertRecord: SQLite.Statement;
  private readonly insertResource: SQLite.Statement;
  private readonly insertKey: SQLite.Statement;
  private readonly readKey: SQLite.Statement;
  /** Ids of the ARNs seen, so most records need no lookup. */
  private readonly keyIds = new Map<string, number>();
  private readonly readProgress: SQLite.Statement;
  private readonly writeProgress: SQLite.Statement;
  private readonly addBatch: (
    segmentId: string,
    from: number,
    to: SegmentProgress,
    rows: readonly IndexedRow[],
  ) => boolean;

  constructor(path: string) {
    this.db = openDatabase(path, false);
    // 64 MiB of page cache: catching up millions of records touches every index. Checkpoints
    // (each a disk flush) every 40 MB of log rather than every 4 MB.
    this.db.pragma("cache_size = -65536");
    this.db.pragma("wal_autocheckpoint = 10000");
    this.insertRecord = this.db.prepare(
      "insert into audit_records (event_time, event_id, event_name, caller, error_code, record) values (?, ?, ?, ?, ?, ?)",
    );
    this.insertResource = this.db.prepare(
      "insert or ignore into audit_resources (key, event_time, seq) values (?, ?, ?)",
    );
    this.insertKey = this.db.prepare(
      "insert into audit_keys (resource, arn) values (?, ?) on conflict (arn) do nothing",
    );
    this.readKey = this.db.prepare("select id from audit_keys where arn = ?");
    this.readProgress = this.db.prepare(
      "select bytes_read, complete from audit_segments where segment_id = ?",
    );
    this.writeProgress = this.db.prepare(
      "insert into audit_segments (segment_id, bytes_read, complete) values (?, ?, ?) on conflict (segment_id) do update set bytes_read = excluded.bytes_read, complete = excluded.complete",
    );
    const add = this.db.transaction(
      (segmentId: string, from: number, to: SegmentProgress, rows: readonly IndexedRow[]) => {
        const current = this.readProgress.get(segmentId) as { bytes_read: number } | undefined;
        if ((current?.bytes_read ?? 0) !== from) return false;
        for (const row of rows) {
          const { lastInsertRowid } = this.insertRecord.run(
            row.time,
            row.eventId,
            row.eventName,
            row.caller,
            row.errorCode,
            row.record,
          );
          for (const resource of row.resources)
            this.insertResource.run(this.keyId(resource), row.time, lastInsertRowid);
        }
        this.writeProgress.run(segmentId, to.offset, to.complete ? 1 : 0);
        return true;
      },
    );
    // IMMEDIATE: the progress read and the writes that depend on it are one writer's turn.
    this.addBatch = (segmentId, from, to, rows) => {
      try {
        return add.immediate(segmentId, from, to, rows);
      } catch (error) {
        // Ids given out in the rolled-back transaction are gone with it.
        this.keyIds.clear();
        throw error;
      }
    };
  }

  /** Inside a transaction: a rolled-back id is forgotten with the transaction's failure. */
  private keyId(resource: IndexedResource): number {
    let id = this.keyIds.get(resource.arn);
    if (id === undefined) {
      this.insertKey.run(resource.resource, resource.arn);
      id = (this.readKey.get(resource.arn) as { id: number }).id;
      this.keyIds.set(resource.arn, id);
    }
    return id;
  }

  async progress(segmentId: string): Promise<SegmentProgress | undefined> {
    const row = this.readProgress.get(segmentId) as
      | { bytes_read: number; complete: number }
      | undefined;
    return row && { offset: row.bytes_read, complete: row.complete === 1 };
  }

  async add(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    rows: readonly IndexedRow[],
  ): Promise<boolean> {
    return this.addBatch(segmentId, from, to, rows);
  }

  async deleteBefore(time: number): Promise<number> {
    const run = this.db.transaction(() => {
      this.db.prepare("delete from audit_resources where event_time < ?").run(time);
      return this.db.prepare("delete from audit_records where event_time < ?").run(time).changes;
    });
    return run.immediate();
  }

  async close(): Promise<void> {
    this.db.pragma("optimize");
    this.db.close();
  }
}

export class SqliteAuditReader implements AuditReader {
  private readonly db: SQLite.Database;

  private constructor(path: string) {
    this.db = openDatabase(path, true);
  }

  /** Opens an existing index for reading; undefined when there is none yet. */
  static open(path: string): SqliteAuditReader | undefined {
    try {
      return new SqliteAuditReader(path);
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CANTOPEN") return undefined;
      throw error;
    }
  }

  /** The ids of the ARNs a key filter names; undefined without one. */
  private keyIds(filter: AuditFilter): KeyIds | undefined {
    if (filter.key === undefined) return undefined;
    const { sql, values } = keyIdsQuery(filter.key, "?");
    return (this.db.prepare(sql).all(...values) as { id: number }[]).map((row) => row.id);
  }

  async query(filter: AuditFilter, page: AuditPageRequest = {}): Promise<AuditPage> {
    const keyIds = this.keyIds(filter);
    const { sql, values, limit } = pageQuery(filter, page, "?", keyIds);
    // A key the index never saw: no record names it (the page query still checks the token).
    if (keyIds?.length === 0) return { records: [], nextToken: undefined };
    return toPage(this.db.prepare(sql).all(...values) as PageRow[], limit);
  }

  async tail(filter: AuditFilter, after: number, limit: number): Promise<AuditTail> {
    const keyIds = this.keyIds(filter);
    if (keyIds?.length === 0) return { records: [], position: after };
    const { sql, values } = tailQuery(filter, after, limit, "?", keyIds);
    const rows = this.db.prepare(sql).all(...values) as { seq: number; record: string }[];
    return {
      records: rows.map((row) => JSON.parse(row.record) as AuditRecord),
      position: rows.at(-1)?.seq ?? after,
    };
  }

  async newestPosition(): Promise<number> {
    const row = this.db.prepare("select max(seq) as seq from audit_records").get() as {
      seq: number | null;
    };
    return row.seq ?? 0;
  }

  /** The plan SQLite picks for a page query: for tests that each filter walks an index. */
  plan(filter: AuditFilter): string {
    const { sql, values } = pageQuery(filter, {}, "?", this.keyIds(filter));
    const rows = this.db.prepare(`explain query plan ${sql}`).all(...values) as {
      detail: string;
    }[];
    return rows.map((row) => row.detail).join("; ");
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
