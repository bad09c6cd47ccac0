/**
 * The audit query: what a caller may ask the audit index (a key, an operation, a caller, an
 * error, a time range), newest first, a page at a time, and the SQL that answers it on both
 * index backends (sqlite-audit-index.ts, postgres-audit-index.ts).
 *
 * Pages are keyset pages: the next-page token is the (eventTime, seq) of the last record
 * returned, and the next page starts strictly below it, so a deep page costs what the first
 * does, and records arriving meanwhile neither shift nor repeat a page. Each filter has an
 * index that yields its records in this order (sqlite-audit-index.ts); a combination of filters
 * walks the index of the most selective one the database picks and checks the others.
 */
import { parseKmsArn } from "../../vocabulary/arns.js";
import type { AuditRecord } from "./cloudtrail-record.js";

export interface AuditFilter {
  /** A key id, key ARN, alias name (alias/...) or alias ARN: records whose resources name it. */
  readonly key?: string;
  /** The operation (eventName), e.g. "Decrypt"; service events too ("RotateKey"). */
  readonly operation?: string;
  /** The caller's principal ARN (userIdentity.arn), or "AWS Internal" for service events. */
  readonly caller?: string;
  /** An error code (errorCode, e.g. "AccessDeniedException"), or "any" for every failure. */
  readonly error?: string;
  /** Records at or after this time (eventTime has whole seconds). */
  readonly since?: Date;
  /** Records at or before this time. */
  readonly until?: Date;
}

export interface AuditPageRequest {
  /** Records per page: 1 to maxPageSize, defaultPageSize unless given. */
  readonly limit?: number;
  /** The nextToken of the previous page. */
  readonly nextToken?: string;
}

export interface AuditPage {
  /** Newest first. */
  readonly records: readonly AuditRecord[];
  /** Present when more records match; pass it to get the next page. */
  readonly nextToken: string | undefined;
}

/** Records following a position, oldest first: what `trent audit --follow` prints. */
export interface AuditTail {
  readonly records: readonly AuditRecord[];
  /** Pass this as `after` to get the records that arrive later. */
  readonly position: number;
}

/** Reads the audit index. */
export interface AuditReader {
  query(filter: AuditFilter, page?: AuditPageRequest): Promise<AuditPage>;
  /** Records with a position after `after` (0: from the start), oldest first. */
  tail(filter: AuditFilter, after: number, limit: number): Promise<AuditTail>;
  /** The newest position, for a tail that starts now. */
  newestPosition(): Promise<number>;
  close(): Promise<void>;
}

export const defaultPageSize = 50;
export const maxPageSize = 1000;

/** A filter or page the query cannot run: the message says which part and why. */
export class AuditQueryError extends Error {}

export type Placeholders = "?" | "$n";

interface Cursor {
  readonly time: number;
  readonly seq: number;
}

export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.seq])).toString("base64url");
}

export function decodeToken(token: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((part) => Number.isSafeInteger(part) && part >= 0)
    )
      return { time: value[0] as number, seq: value[1] as number };
  } catch {
    // Reported below.
  }
  throw new AuditQueryError("the next token is not one this audit index gave out");
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize)
    throw new AuditQueryError(
      `the limit must be an integer from 1 to ${maxPageSize}, got ${limit}`,
    );
  return limit;
}

/** Seconds since the epoch, as eventTime is stored; since rounds down, until rounds down too. */
function seconds(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new AuditQueryError(`${name} is not a valid time`);
  return Math.floor(ms / 1000);
}

/**
 * What a key filter names: an ARN (one key or alias), or a key id or alias name (every ARN that
 * ends in it: a multi-Region key's replicas share their key id).
 */
export function keyReference(key: string): { resource: string; arn: string | undefined } {
  if (key.startsWith("arn:")) {
    const arn = parseKmsArn(key);
    if (!arn) throw new AuditQueryError(`${key} is not a KMS key or alias ARN`);
    return { resource: arn.resource, arn: key };
  }
  if (key === "") throw new AuditQueryError("the key filter is empty");
  return { resource: key, arn: undefined };
}

class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly style: Placeholders) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.style === "?" ? "?" : `$${this.values.length}`;
  }
}

/** The conditions every query shares, on the records table aliased `r`. */
function recordConditions(filter: AuditFilter, params: Parameters): string[] {
  const where: string[] = [];
  if (filter.operation !== undefined) where.push(`r.event_name = ${params.add(filter.operation)}`);
  if (filter.caller !== undefined) where.push(`r.caller = ${params.add(filter.caller)}`);
  if (filter.error === "any") where.push("r.error_code is not null");
  else if (filter.error !== undefined) where.push(`r.error_code = ${params.add(filter.error)}`);
  return where;
}

export interface SqlQuery {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** The numbers the index gave the ARNs a key filter names (keyIdsQuery), none if it has none. */
export type KeyIds = readonly number[];

/** The ids of the ARNs `key` names, from the index's table of keys and aliases. */
export function keyIdsQuery(key: string, style: Placeholders): SqlQuery {
  const reference = keyReference(key);
  const params = new Parameters(style);
  const where =
    reference.arn === undefined
      ? `resource = ${params.add(reference.resource)}`
      : `arn = ${params.add(reference.arn)}`;
  return { sql: `select id from audit_keys where ${where}`, values: params.values };
}

/** A key filter runs only with its ids looked up: never silently as no filter at all. */
function resolved(ids: KeyIds | undefined): KeyIds {
  if (ids === undefined) throw new Error("a key filter's ids must be looked up first");
  return ids;
}

function keyCondition(column: string, ids: KeyIds, params: Parameters): string {
  return ids.length === 1
    ? `${column} = ${params.add(ids[0])}`
    : `${column} in (${ids.map((id) => params.add(id)).join(", ")})`;
}

/**
 * A page of records newest first: `limit + 1` rows are asked for, so the caller knows whether
 * there is a next page. With a key filter, `keyIds` are its ids (at least one).
 */
export function pageQuery(
  filter: AuditFilter,
  page: AuditPageRequest,
  style: Placeholders,
  keyIds?: KeyIds,
): SqlQuery & { readonly limit: number } {
  const limit = pageLimit(page.limit);
  const cursor = page.nextToken === undefined ? undefined : decodeToken(page.nextToken);
  const params = new Parameters(style);
  // The table whose index orders the walk: the key's resources, or the records themselves.
  const keyed = filter.key !== undefined;
  const ordered = keyed ? "k" : "r";
  const where: string[] = [];
  if (keyed) where.push(keyCondition("k.key", resolved(keyIds), params));
  where.push(...recordConditions(filter, params));
  if (filter.since !== undefined)
    where.push(`${ordered}.event_time >= ${params.add(seconds(filter.since, "since"))}`);
  if (filter.until !== undefined)
    where.push(`${ordered}.event_time <= ${params.add(seconds(filter.until, "until"))}`);
  if (cursor) {
    // The range bound lets the index seek to the cursor; the second condition drops the rows
    // of the cursor's own second that came before it.
    where.push(`${ordered}.event_time <= ${params.add(cursor.time)}`);
    where.push(
      `(${ordered}.event_time < ${params.add(cursor.time)} or ${ordered}.seq < ${params.add(cursor.seq)})`,
    );
  }
  const from = keyed
    ? "audit_resources k join audit_records r on r.seq = k.seq"
    : "audit_records r";
  const sql =
    `select r.seq as seq, r.event_time as event_time, r.record as record from ${from}` +
    (where.length > 0 ? ` where ${where.join(" and ")}` : "") +
    ` order by ${ordered}.event_time desc, ${ordered}.seq desc limit ${params.add(limit + 1)}`;
  return { sql, values: params.values, limit };
}

/** Records after a position, oldest first, for following the trail. */
export function tailQuery(
  filter: AuditFilter,
  after: number,
  limit: number,
  style: Placeholders,
  keyIds?: KeyIds,
): SqlQuery {
  const params = new Parameters(style);
  const where = [`r.seq > ${params.add(after)}`, ...recordConditions(filter, params)];
  if (filter.key !== undefined)
    where.push(
      `exists (select 1 from audit_resources k where ${keyCondition("k.key", resolved(keyIds), params)} and k.event_time = r.event_time and k.seq = r.seq)`,
    );
  if (filter.since !== undefined)
    where.push(`r.event_time >= ${params.add(seconds(filter.since, "since"))}`);
  if (filter.until !== undefined)
    where.push(`r.event_time <= ${params.add(seconds(filter.until, "until"))}`);
  const sql = `select r.seq as seq, r.record as record from audit_records r where ${where.join(" and ")} order by r.seq limit ${params.add(limit)}`;
  return { sql, values: params.values };
}

export interface PageRow {
  readonly seq: number | string;
  readonly event_time: number | string;
  readonly record: string;
}

/** Turns the rows of a pageQuery into a page. */
export function toPage(rows: readonly PageRow[], limit: number): AuditPage {
  const shown = rows.slice(0, limit);
  const seen = new Set<number>();
  const records: AuditRecord[] = [];
  for (const row of shown) {
    // A record naming the same key id under two ARNs (a multi-Region key) is listed once.
    const seq = Number(row.seq);
    if (seen.has(seq)) continue;
    seen.add(seq);
    records.push(JSON.parse(row.record) as AuditRecord);
  }
  const last = shown.at(-1);
  const nextToken =
    rows.length > limit && last
      ? encodeToken({ time: Number(last.event_time), seq: Number(last.seq) })
      : undefined;
  return { records, nextToken };
}
