/**
 * Key rows by ARN, kept between requests: every KMS request on a key looks its row up, and on
 * SQLite that read (a WAL read transaction through Kysely's driver) was the largest cost of a
 * request after HTTP (bench/README.md). The cache is exact, not eventually consistent: each
 * entry carries the database version it was read at, and it is served only while the version
 * is unchanged. The version (sqlite.ts) moves on every statement this process runs that is not
 * a read (so at the BEGIN of its own transactions and again at their COMMIT) and whenever
 * `PRAGMA data_version` says another connection (another worker, `trent` commands on the same
 * file) committed. So a DisableKey, wherever it was written, is seen by the next request.
 *
 * Only reads outside transactions use it; a transaction reads the database. PostgreSQL has no
 * such cheap version per connection, so there the store reads every time (several nodes).
 * Records are frozen: a caller that tried to change a shared record would throw.
 */
import type { KeyRecord } from "../../vocabulary/key-records.js";

/** A number that changes whenever the database may have changed. */
export type DatabaseVersion = () => number;

interface Entry {
  readonly version: number;
  readonly key: KeyRecord;
}

export class KeyRowCache {
  private readonly rows = new Map<string, Entry>();

  constructor(
    readonly version: DatabaseVersion,
    private readonly limit = 10_000,
  ) {}

  /** The row read at `version`, if the database has not changed since. */
  get(arn: string, version: number): KeyRecord | undefined {
    const entry = this.rows.get(arn);
    if (entry === undefined) return undefined;
    if (entry.version === version) return entry.key;
    this.rows.delete(arn);
    return undefined;
  }

  /** Keeps a row read at `version` (the version taken before the read started). */
  set(arn: string, version: number, key: KeyRecord): KeyRecord {
    const frozen = Object.freeze(key);
    if (this.rows.size >= this.limit && !this.rows.has(arn)) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
    this.rows.set(arn, { version, key: frozen });
    return frozen;
  }
}
