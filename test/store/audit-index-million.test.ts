/**
 * The audit index at a million records: a million CloudTrail records (of the shapes Trent
 * writes, from cloudTrailRecord and serviceEventRecord) go through the real audit file writer,
 * rotating every 128 MiB, while the real audit worker follows the files into the SQLite index.
 * Then every filter (key id, key ARN, alias, operation, caller, error code, any error, time
 * range, and combinations) is answered newest first, page by page, and compared with the
 * records the test wrote; each query plan must walk an index. Timings are reported as
 * diagnostics (and in `npm run bench`), never asserted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { JsonLinesFileSink } from "../../src/platform/audit/audit-file.js";
import { AuditFiles } from "../../src/platform/audit/audit-files.js";
import { AuditFollowers } from "../../src/platform/audit/audit-followers.js";
import type { AuditFilter } from "../../src/platform/audit/audit-query.js";
import { SqliteAuditReader, sqliteIndexPath } from "../../src/platform/audit/sqlite-audit-index.js";
import {
  callers,
  eventId,
  type Facts,
  factsOf,
  keyArn,
  keyId,
  random,
  recordOf,
  start,
} from "../support/audit-records.js";

const total = 1_000_000;
/** Filters whose full answers the test keeps while writing: record numbers, oldest first. */
const windowStart = Math.floor(start / 1000) + 200_000;
const checked: readonly { name: string; filter: AuditFilter; matches(f: Facts): boolean }[] = [
  { name: "key id", filter: { key: keyId(7) }, matches: (f) => f.keys.includes(7) },
  { name: "key ARN", filter: { key: keyArn(1234) }, matches: (f) => f.keys.includes(1234) },
  { name: "alias name", filter: { key: "alias/payments" }, matches: (f) => f.alias },
  { name: "operation Sign", filter: { operation: "Sign" }, matches: (f) => f.operation === "Sign" },
  {
    name: "service event RotateKey",
    filter: { operation: "RotateKey" },
    matches: (f) => f.operation === "RotateKey",
  },
  {
    name: "caller user-3",
    filter: { caller: callers[4] as string },
    matches: (f) => f.caller === callers[4],
  },
  {
    name: "error code",
    filter: { error: "InvalidCiphertextException" },
    matches: (f) => f.error === "InvalidCiphertextException",
  },
  { name: "any error", filter: { error: "any" }, matches: (f) => f.error !== undefined },
  {
    name: "one hour",
    filter: { since: new Date(windowStart * 1000), until: new Date((windowStart + 3599) * 1000) },
    matches: (f) => f.time >= windowStart && f.time <= windowStart + 3599,
  },
  {
    name: "key and operation",
    filter: { key: keyId(42), operation: "Decrypt" },
    matches: (f) => f.keys.includes(42) && f.operation === "Decrypt",
  },
  {
    name: "caller, error and day",
    filter: {
      caller: callers[0] as string,
      error: "AccessDeniedException",
      since: new Date((windowStart - 86_400) * 1000),
      until: new Date(windowStart * 1000),
    },
    matches: (f) =>
      f.caller === callers[0] &&
      f.error === "AccessDeniedException" &&
      f.time >= windowStart - 86_400 &&
      f.time <= windowStart,
  },
];

/** Every table is reached through an index, and no sort is needed for newest first. */
function assertIndexed(plan: string): void {
  for (const step of plan.split("; "))
    assert.match(
      step,
      /USING (COVERING )?INDEX|USING (INTEGER )?PRIMARY KEY/,
      `not indexed: ${plan}`,
    );
  assert.doesNotMatch(plan, /TEMP B-TREE/, `sorts: ${plan}`);
}

describe("the audit index at a million records", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-million-"));
  const live = join(dir, "audit.jsonl");
  const expected = checked.map(() => [] as number[]);
  let reader: SqliteAuditReader;

  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const started = performance.now();
    const logs: string[] = [];
    const followers = await AuditFollowers.start(
      {
        live,
        index: { kind: "sqlite", path: sqliteIndexPath(new AuditFiles(live)) },
        cloudTrail: undefined,
        retentionDays: 0,
      },
      (message) => logs.push(message),
    );
    const sink = await JsonLinesFileSink.open(live, (message) => logs.push(message), {
      fsync: false,
      rotation: { maxBytes: 128 << 20, every: "none" },
      onWritten: () => followers.poke(),
      onRotated: () => followers.poke(),
    });
    const next = random(13);
    let bytes = 0;
    for (let i = 0; i < total; ) {
      // A few thousand records per event-loop turn, as a busy server writes them.
      const batch: Promise<void>[] = [];
      for (const end = Math.min(total, i + 4000); i < end; i++) {
        const facts = factsOf(i, next);
        checked.forEach((check, n) => {
          if (check.matches(facts)) expected[n]?.push(i);
        });
        const record = recordOf(i, facts);
        batch.push(sink.write(record));
        if (i < 1000) bytes += JSON.stringify(record).length + 1;
      }
      await Promise.all(batch);
    }
    await sink.close();
    const written = performance.now();
    await followers.settled();
    await followers.close();
    assert.deepEqual(logs, []);
    reader = SqliteAuditReader.open(sqliteIndexPath(new AuditFiles(live))) as SqliteAuditReader;
    process.stdout.write(
      `# wrote ${total} records (~${Math.round(bytes / 1000)} bytes each) in ${Math.round(written - started)} ms; the index caught up ${Math.round(performance.now() - written)} ms after the last write\n`,
    );
  });

  after(async () => {
    await reader?.close();
  });

  async function pageAll(t: TestContext, name: string, filter: AuditFilter, limit: number) {
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    let first = 0;
    let slowest = 0;
    const started = performance.now();
    do {
      const asked = performance.now();
      const page = await reader.query(filter, { limit, ...(nextToken ? { nextToken } : {}) });
      const took = performance.now() - asked;
      if (pages === 0) first = took;
      slowest = Math.max(slowest, took);
      pages += 1;
      for (const record of page.records) ids.push(record.eventID);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const line = `${name}: ${ids.length} records in ${pages} pages of ${limit}; first page ${first.toFixed(2)} ms, slowest ${slowest.toFixed(2)} ms, all ${(performance.now() - started).toFixed(0)} ms`;
    t.diagnostic(line);
    return ids;
  }

  for (const [n, check] of checked.entries())
    it(`answers by ${check.name}, newest first, page by page`, async (t) => {
      const want = (expected[n] as number[]).map(eventId).reverse();
      assert.ok(want.length > 10, `${check.name}: too few records to tell (${want.length})`);
      const limit = want.length > 20_000 ? 1000 : 100;
      assert.deepEqual(await pageAll(t, check.name, check.filter, limit), want);
      t.diagnostic(`plan: ${reader.plan(check.filter)}`);
      assertIndexed(reader.plan(check.filter));
    });

  it("pages through the whole trail from any token at the cost of the first page", async (t) => {
    const first = await reader.query({}, { limit: 1000 });
    assert.equal(first.records[0]?.eventID, eventId(total - 1));
    let page = first;
    // Half a million records in: a keyset token seeks there directly.
    for (let skipped = 1000; skipped < total / 2; skipped += 1000) {
      if (!page.nextToken) assert.fail("the trail ended early");
      page = await reader.query({}, { limit: 1000, nextToken: page.nextToken });
    }
    const token = page.nextToken as string;
    const asked = performance.now();
    const deep = await reader.query({}, { limit: 100, nextToken: token });
    const took = performance.now() - asked;
    assert.deepEqual(
      deep.records.map((record) => record.eventID),
      Array.from({ length: 100 }, (_, k) => eventId(total / 2 - 1 - k)),
    );
    const line = `a page of 100 half a million records deep: ${took.toFixed(2)} ms`;
    t.diagnostic(line);
    assertIndexed(reader.plan({}));
  });

  it("follows the trail from a position, oldest first", async () => {
    const newest = await reader.newestPosition();
    const tail = await reader.tail({ operation: "RotateKey" }, newest - 30_000, 1000);
    assert.deepEqual(
      tail.records.map((record) => record.eventID),
      [eventId(979_999), eventId(989_999), eventId(999_999)],
    );
  });
});
