/**
 * The audit index on both backends (its own SQLite file; PostgreSQL tables), fed by the real
 * audit worker following the real writer's files, rotated and compressed by the real archive:
 * every filter answers exactly the matching records, newest first, in keyset pages; the tail
 * answers oldest first after a position; a worker started after records were written (a crash,
 * a lost index) catches up from the files, compressed ones included, and indexes each record
 * exactly once, also with two followers at once; retention deletes only what is older than its
 * limit; bad filters and tokens are refused with a message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { AuditArchive } from "../../src/platform/audit/audit-archive.js";
import { JsonLinesFileSink } from "../../src/platform/audit/audit-file.js";
import { AuditFiles } from "../../src/platform/audit/audit-files.js";
import { AuditFollowers, type WorkerOptions } from "../../src/platform/audit/audit-followers.js";
import {
  type AuditFilter,
  AuditQueryError,
  type AuditReader,
} from "../../src/platform/audit/audit-query.js";
import { PostgresAuditReader } from "../../src/platform/audit/postgres-audit-index.js";
import { SqliteAuditReader, sqliteIndexPath } from "../../src/platform/audit/sqlite-audit-index.js";
import {
  aliasArn,
  callers,
  eventId,
  type Facts,
  factsOf,
  keyArn,
  keyId,
  random,
  recordOf,
} from "../support/audit-records.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";

interface Backend {
  index(files: AuditFiles): WorkerOptions["index"];
  reader(files: AuditFiles): Promise<AuditReader>;
  /** Loses the index, as an operator deleting it would. */
  wipe(files: AuditFiles): Promise<void>;
}

const day = 24 * 60 * 60 * 1000;

function contract(name: string, backend: () => Backend) {
  describe(`the audit index on ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-audit-index-"));
    const files = new AuditFiles(join(dir, "audit.jsonl"));
    const facts: Facts[] = [];
    let reader: AuditReader;
    let sink: JsonLinesFileSink;
    let archive: AuditArchive;
    let next: () => number;
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    // Records of the last week, so retention has something on each side of its limit.
    const first = Date.now() - 7 * day;
    const spacing = 600;
    const timeOf = (i: number) => Math.floor(first / 1000) + Math.floor(i / 3) * spacing;

    const follow = (retentionDays = 0) =>
      AuditFollowers.start(
        { live: files.live, index: backend().index(files), cloudTrail: undefined, retentionDays },
        log,
      );

    /** Writes records `from` to `to` (exclusive), a few per event-loop turn. */
    async function write(from: number, to: number) {
      for (let i = from; i < to; ) {
        const turn: Promise<void>[] = [];
        for (const end = Math.min(to, i + 25); i < end; i++) {
          const f = factsOf(i, next, { first, spacing, keyTotal: 40 });
          facts[i] = f;
          turn.push(sink.write(recordOf(i, f)));
        }
        await Promise.all(turn);
      }
    }

    async function all(filter: AuditFilter, limit = 7): Promise<string[]> {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await reader.query(filter, { limit, ...(nextToken ? { nextToken } : {}) });
        assert.ok(page.records.length <= limit);
        ids.push(...page.records.map((record) => record.eventID));
        nextToken = page.nextToken;
      } while (nextToken);
      return ids;
    }

    const expected = (matches: (f: Facts) => boolean) =>
      facts
        .map((f, i) => (matches(f) ? eventId(i) : undefined))
        .filter((id) => id !== undefined)
        .reverse();

    before(async () => {
      next = random(5);
      archive = new AuditArchive({ files, digestKey: undefined, retentionDays: 0, log });
      const followers = await follow();
      sink = await JsonLinesFileSink.open(files.live, log, {
        fsync: false,
        rotation: { maxBytes: 64 << 10, every: "none" },
        onWritten: () => followers.poke(),
        onRotated: () => {
          archive.rotated();
          followers.poke();
        },
      });
      await write(0, 1500);
      await archive.settled();
      await followers.settled();
      await followers.close();
      reader = await backend().reader(files);
    });

    after(async () => {
      await sink?.close();
      await archive?.close();
      await reader?.close();
      rmSync(dir, { recursive: true, force: true });
      assert.deepEqual(
        logs.filter((line) => !line.startsWith("audit retention: deleted")),
        [],
      );
    });

    it("rotated and compressed the files it follows", async () => {
      const rotations = await files.list();
      assert.ok(rotations.length >= 5, `${rotations.length} rotations`);
      assert.ok(rotations.every((rotation) => rotation.has.gz && !rotation.has.plain));
    });

    const cases: [string, AuditFilter, (f: Facts) => boolean][] = [
      ["everything", {}, () => true],
      ["a key id", { key: keyId(3) }, (f) => f.keys.includes(3)],
      ["a key ARN", { key: keyArn(3) }, (f) => f.keys.includes(3)],
      [
        "a key ARN of another account",
        { key: keyArn(3).replace("111122223333", "444455556666") },
        () => false,
      ],
      ["an alias name", { key: "alias/payments" }, (f) => f.alias],
      ["an alias ARN", { key: aliasArn }, (f) => f.alias],
      ["an operation", { operation: "Decrypt" }, (f) => f.operation === "Decrypt"],
      ["a service event", { operation: "RotateKey" }, (f) => f.operation === "RotateKey"],
      ["a caller", { caller: callers[2] as string }, (f) => f.caller === callers[2]],
      ["the service as caller", { caller: "AWS Internal" }, (f) => f.caller === "AWS Internal"],
      ["an error code", { error: "NotFoundException" }, (f) => f.error === "NotFoundException"],
      ["any error", { error: "any" }, (f) => f.error !== undefined],
    ];
    for (const [what, filter, matches] of cases)
      it(`answers by ${what}, newest first, in pages`, async () => {
        assert.deepEqual(await all(filter), expected(matches));
      });

    it("answers a time range, alone and with other filters", async () => {
      const since = timeOf(300);
      const until = timeOf(500);
      const inRange = (f: Facts) => f.time >= since && f.time <= until;
      const range = { since: new Date(since * 1000), until: new Date(until * 1000 + 999) };
      assert.deepEqual(await all(range, 50), expected(inRange));
      assert.deepEqual(
        await all({ ...range, key: keyId(5) }),
        expected((f) => inRange(f) && f.keys.includes(5)),
      );
      assert.deepEqual(
        await all({ ...range, operation: "Encrypt", caller: callers[1] as string }),
        expected((f) => inRange(f) && f.operation === "Encrypt" && f.caller === callers[1]),
      );
      assert.deepEqual(
        await all({ since: new Date(since * 1000), error: "any" }),
        expected((f) => f.time >= since && f.error !== undefined),
      );
    });

    it("follows the trail from a position, oldest first", async () => {
      const newest = await reader.newestPosition();
      assert.equal(newest >= 1500, true);
      const tail = await reader.tail({}, newest - 10, 100);
      assert.deepEqual(
        tail.records.map((record) => record.eventID),
        Array.from({ length: 10 }, (_, k) => eventId(1490 + k)),
      );
      assert.equal(tail.position, newest);
      const keyed = await reader.tail({ key: keyArn(3) }, 0, 5);
      assert.deepEqual(
        keyed.records.map((record) => record.eventID),
        expected((f) => f.keys.includes(3))
          .reverse()
          .slice(0, 5),
      );
      assert.deepEqual((await reader.tail({}, newest, 100)).records, []);
    });

    it("refuses a bad token, limit or key", async () => {
      await assert.rejects(
        reader.query({}, { nextToken: "bm90IGEgdG9rZW4" }),
        (error) =>
          error instanceof AuditQueryError &&
          error.message === "the next token is not one this audit index gave out",
      );
      await assert.rejects(
        reader.query({}, { limit: 1001 }),
        (error) =>
          error instanceof AuditQueryError &&
          error.message === "the limit must be an integer from 1 to 1000, got 1001",
      );
      await assert.rejects(
        reader.query({ key: "arn:aws:kms:us-east-1:111122223333:nothing" }),
        (error) =>
          error instanceof AuditQueryError &&
          error.message ===
            "arn:aws:kms:us-east-1:111122223333:nothing is not a KMS key or alias ARN",
      );
    });

    it("catches up from the files after a crash, each record once, with two followers", async () => {
      // Records written while no worker follows (it crashed), rotated and compressed meanwhile.
      await write(1500, 2500);
      await archive.settled();
      const [one, two] = await Promise.all([follow(), follow()]);
      await Promise.all([one.settled(), two.settled()]);
      await Promise.all([one.close(), two.close()]);
      const ids = await all({}, 1000);
      assert.equal(new Set(ids).size, ids.length, "a record was indexed twice");
      assert.deepEqual(
        ids,
        expected(() => true),
      );
    });

    it("rebuilds a lost index from the files", async () => {
      await reader.close();
      await backend().wipe(files);
      const followers = await follow();
      await followers.settled();
      await followers.close();
      reader = await backend().reader(files);
      assert.deepEqual(
        await all({}, 1000),
        expected(() => true),
      );
      assert.deepEqual(
        await all({ key: keyId(3) }),
        expected((f) => f.keys.includes(3)),
      );
    });

    it("deletes from the index only the records older than the retention limit", async () => {
      const followers = await follow(3);
      await followers.settled();
      await followers.close();
      assert.match(logs.at(-1) ?? "", /^audit retention: deleted \d+ records older than /);
      const limit = Math.floor((Date.now() - 3 * day) / 1000);
      const kept = expected((f) => f.time >= limit + 5);
      const ids = await all({}, 1000);
      assert.ok(kept.length > 100 && kept.length < facts.length - 100);
      // Records within seconds of the limit may fall either way as the clock moves.
      assert.deepEqual(ids.slice(0, kept.length), kept);
      for (const id of ids.slice(kept.length)) {
        const f = facts[Number.parseInt(id.slice(-12), 16)] as Facts;
        assert.ok(f.time >= limit - 5, `${id} is older than the limit`);
      }
    });
  });
}

contract("SQLite", () => ({
  index: (files) => ({ kind: "sqlite", path: sqliteIndexPath(files) }),
  async reader(files) {
    const reader = SqliteAuditReader.open(sqliteIndexPath(files));
    assert.ok(reader);
    return reader;
  },
  async wipe(files) {
    rmSync(sqliteIndexPath(files));
    rmSync(`${sqliteIndexPath(files)}-wal`, { force: true });
    rmSync(`${sqliteIndexPath(files)}-shm`, { force: true });
  },
}));

describe("on PostgreSQL", { skip: postgresSkipReason() }, () => {
  let database: TestPostgres;
  let url: string;
  before(async () => {
    database = await startTestPostgres();
    url = await database.createDatabase();
  });
  after(async () => {
    await database?.stop();
  });
  contract("PostgreSQL", () => ({
    index: () => ({ kind: "postgres", url }),
    async reader() {
      const reader = await PostgresAuditReader.open(url, () => {});
      assert.ok(reader);
      return reader;
    },
    async wipe() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("drop table audit_records, audit_resources, audit_segments");
      await client.end();
    },
  }));
});
