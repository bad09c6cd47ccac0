/**
 * The console's sessions over Kysely (both dialects). They live in the store, not in a
 * process, so every process serving the port (TRENT_WORKERS) and every node sharing
 * PostgreSQL knows a session whichever one signed it in. Rows are keyed by the SHA-256 of the
 * session id: reading the table gives no cookie that signs anyone in.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { ConsoleSessionsTable, Database } from "./schema.js";
import type { ConsoleSessionRecord, ConsoleSessionRepository } from "./store.js";

type Db = Kysely<Database> | Transaction<Database>;

/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
function num(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}

function fromRow(row: Selectable<ConsoleSessionsTable>): ConsoleSessionRecord {
  return {
    idHash: row.id_hash,
    csrfToken: row.csrf_token,
    caller: row.caller,
    createdAt: num(row.created_at),
    lastSeenAt: num(row.last_seen_at),
  };
}

export class ConsoleSessions implements ConsoleSessionRepository {
  constructor(private readonly db: Db) {}

  async insert(record: ConsoleSessionRecord) {
    await this.db
      .insertInto("console_sessions")
      .values({
        id_hash: record.idHash,
        csrf_token: record.csrfToken,
        caller: record.caller,
        created_at: record.createdAt,
        last_seen_at: record.lastSeenAt,
      })
      .execute();
  }

  async get(idHash: string) {
    const row = await this.db
      .selectFrom("console_sessions")
      .selectAll()
      .where("id_hash", "=", idHash)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async touch(idHash: string, lastSeenAt: number) {
    await this.db
      .updateTable("console_sessions")
      .set({ last_seen_at: lastSeenAt })
      .where("id_hash", "=", idHash)
      .where("last_seen_at", "<", lastSeenAt)
      .execute();
  }

  async delete(idHash: string) {
    await this.db.deleteFrom("console_sessions").where("id_hash", "=", idHash).execute();
  }

  async deleteExpired(lastSeenBefore: number, createdBefore: number) {
    await this.db
      .deleteFrom("console_sessions")
      .where((eb) =>
        eb.or([eb("last_seen_at", "<", lastSeenBefore), eb("created_at", "<", createdBefore)]),
      )
      .execute();
  }
}
