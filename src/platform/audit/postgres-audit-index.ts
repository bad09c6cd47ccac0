/**
 * The audit index when the key store is PostgreSQL (TRENT_DATABASE_URL): tables in that same
 * database, so the nodes sharing it share one trail to query, whichever node wrote a record.
 * Each node still writes its own audit files (the record of truth) and follows them into these
 * tables (audit-follower.ts); segment ids (a file's first eventID) never collide across nodes.
 *
 * Index writes take one transaction-scoped advisory lock, so the nodes' batches commit one
 * after another: record sequence numbers then grow in commit order, and a tail that asks for
 * "after seq N" never misses a row that committed late with a smaller number. A batch is one
 * multi-row insert per table, so the lock is held for milliseconds. The tables are created on
 * first use under the same lock; their layout is the SQLite index's (sqlite-audit-index.ts),
 * with seq spelled out in each index because PostgreSQL has no implicit rowid.
 */
import pg from "pg";
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
import type { AuditIndexWriter, IndexedRow, SegmentProgress } from "./index-rows.js";

/** The advisory lock key of audit index writes: a fixed number no other lock of Trent uses. */
const writeLock = "7402731590431650841";

const schema = `
create table if not exists audit_records (
  seq bigserial primary key,
  event_time bigint not null,
  event_id text not null,
  event_name text not null,
  caller text,
  error_code text,
  record text not null
);
create index if not exists audit_records_by_time on audit_records (event_time, seq);
create index if not exists audit_records_by_operation on audit_records (event_name, event_time, seq);
create index if not exists audit_records_by_caller on audit_records (caller, event_time, seq);
create index if not exists audit_records_by_error on audit_records (error_code, event_time, seq)
  where error_code is not null;
create index if not exists audit_records_failures on audit_records (event_time, seq)
  where error_code is not null;
create table if not exists audit_keys (
  id bigserial primary key,
  resource text not null,
  arn text not null unique
);
create index if not exists audit_keys_by_resource on audit_keys (resource);
create table if not exists audit_resources (
  key bigint not null,
  event_time bigint not null,
  seq bigint not null,
  primary key (key, event_time, seq)
);
create index if not exists audit_resources_by_time on audit_resources using brin (event_time);
create table if not exists audit_segments (
  segment_id text primary key,
  bytes_read bigint not null,
  complete boolean not null
);
`;

function pool(url: string, max: number, log: (message: string) => void): pg.Pool {
  const made = new pg.Pool({ connectionString: url, max });
  made.on("error", (error) =>
    log(`PostgreSQL connection of the audit index lost: ${error.message}`),
  );
  return made;
}

async function inTransaction<T>(
  db: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("begin");
    await client.query(`select pg_advisory_xact_lock(${writeLock})`);
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export class PostgresAuditIndexWriter implements AuditIndexWriter {
  /** Ids of the ARNs seen, so most batches look none up. */
  private readonly known = new Map<string, string>();

  private constructor(private readonly db: pg.Pool) {}

  /** The id of every ARN the rows name, adding the new ones (inside the batch's transaction). */
  private async keyIds(
    client: pg.PoolClient,
    rows: readonly IndexedRow[],
  ): Promise<Map<string, string>> {
    const fresh = new Map<string, string>();
    for (const row of rows)
      for (const resource of row.resources)
        if (!this.known.has(resource.arn)) fresh.set(resource.arn, resource.resource);
    if (fresh.size > 0) {
      await client.query(
        `insert into audit_keys (resource, arn) select * from unnest($1::text[], $2::text[])
         on conflict (arn) do nothing`,
        [[...fresh.values()], [...fresh.keys()]],
      );
      const { rows: found } = await client.query<{ id: string; arn: string }>(
        "select id, arn from audit_keys where arn = any($1::text[])",
        [[...fresh.keys()]],
      );
      for (const row of found) this.known.set(row.arn, row.id);
    }
    return this.known;
  }

  static async open(
    url: string,
    log: (message: string) => void,
  ): Promise<PostgresAuditIndexWriter> {
    const db = pool(url, 2, log);
    try {
      await inTransaction(db, (client) => client.query(schema));
    } catch (error) {
      await db.end();
      throw error;
    }
    return new PostgresAuditIndexWriter(db);
  }

  async progress(segmentId: string): Promise<SegmentProgress | undefined> {
    const { rows } = await this.db.query<{ bytes_read: string; complete: boolean }>(
      `select bytes_read, complete from audit_segments where segment_id = $1`,
      [segmentId],
    );
    const row = rows[0];
    return row && { offset: Number(row.bytes_read), complete: row.complete };
  }

  async add(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    rows: readonly IndexedRow[],
  ): Promise<boolean> {
    try {
      return await this.addInTransaction(segmentId, from, to, rows);
    } catch (error) {
      // Ids given out in the rolled-back transaction are gone with it.
      this.known.clear();
      throw error;
    }
  }

  private addInTransaction(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    rows: readonly IndexedRow[],
  ): Promise<boolean> {
    return inTransaction(this.db, async (client) => {
      const current = await client.query<{ bytes_read: string }>(
        `select bytes_read from audit_segments where segment_id = $1`,
        [segmentId],
      );
      if (Number(current.rows[0]?.bytes_read ?? 0) !== from) return false;
      if (rows.length > 0) {
        const inserted = await client.query<{ seq: string; event_id: string }>(
          `insert into audit_records (event_time, event_id, event_name, caller, error_code, record)
           select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
           returning seq, event_id`,
          [
            rows.map((row) => row.time),
            rows.map((row) => row.eventId),
            rows.map((row) => row.eventName),
            rows.map((row) => row.caller),
            rows.map((row) => row.errorCode),
            rows.map((row) => row.record),
          ],
        );
        const seqs = new Map(inserted.rows.map((row) => [row.event_id, row.seq]));
        const keys = await this.keyIds(client, rows);
        const resources = rows.flatMap((row) =>
          row.resources.map((resource) => ({
            key: keys.get(resource.arn),
            time: row.time,
            seq: seqs.get(row.eventId),
          })),
        );
        if (resources.length > 0)
          await client.query(
            `insert into audit_resources (key, event_time, seq)
             select * from unnest($1::bigint[], $2::bigint[], $3::bigint[])
             on conflict do nothing`,
            [
              resources.map((r) => r.key),
              resources.map((r) => r.time),
              resources.map((r) => r.seq),
            ],
          );
      }
      await client.query(
        `insert into audit_segments (segment_id, bytes_read, complete) values ($1, $2, $3)
         on conflict (segment_id) do update set bytes_read = excluded.bytes_read, complete = excluded.complete`,
        [segmentId, to.offset, to.complete],
      );
      return true;
    });
  }

  deleteBefore(time: number): Promise<number> {
    return inTransaction(this.db, async (client) => {
      await client.query("delete from audit_resources where event_time < $1", [time]);
      const result = await client.query("delete from audit_records where event_time < $1", [time]);
      return result.rowCount ?? 0;
    });
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

export class PostgresAuditReader implements AuditReader {
  private constructor(private readonly db: pg.Pool) {}

  /** A reader of the index in `url`; undefined when no node has created it yet. */
  static async open(
    url: string,
    log: (message: string) => void,
  ): Promise<PostgresAuditReader | undefined> {
    const db = pool(url, 4, log);
    try {
      const { rows } = await db.query<{ exists: boolean }>(
        "select to_regclass('audit_records') is not null as exists",
      );
      if (rows[0]?.exists) return new PostgresAuditReader(db);
    } catch (error) {
      await db.end();
      throw error;
    }
    await db.end();
    return undefined;
  }

  /** The ids of the ARNs a key filter names; undefined without one. */
  private async keyIds(filter: AuditFilter): Promise<KeyIds | undefined> {
    if (filter.key === undefined) return undefined;
    const { sql, values } = keyIdsQuery(filter.key, "$n");
    const { rows } = await this.db.query<{ id: string }>(sql, values as unknown[]);
    return rows.map((row) => Number(row.id));
  }

  async query(filter: AuditFilter, page: AuditPageRequest = {}): Promise<AuditPage> {
    const keyIds = await this.keyIds(filter);
    const { sql, values, limit } = pageQuery(filter, page, "$n", keyIds);
    if (keyIds?.length === 0) return { records: [], nextToken: undefined };
    const { rows } = await this.db.query<PageRow>(sql, values as unknown[]);
    return toPage(rows, limit);
  }

  async tail(filter: AuditFilter, after: number, limit: number): Promise<AuditTail> {
    const keyIds = await this.keyIds(filter);
    if (keyIds?.length === 0) return { records: [], position: after };
    const { sql, values } = tailQuery(filter, after, limit, "$n", keyIds);
    const { rows } = await this.db.query<{ seq: string; record: string }>(sql, values as unknown[]);
    return {
      records: rows.map((row) => JSON.parse(row.record) as AuditRecord),
      position: rows.length > 0 ? Number(rows.at(-1)?.seq) : after,
    };
  }

  async newestPosition(): Promise<number> {
    const { rows } = await this.db.query<{ seq: string | null }>(
      "select max(seq) as seq from audit_records",
    );
    return Number(rows[0]?.seq ?? 0);
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
