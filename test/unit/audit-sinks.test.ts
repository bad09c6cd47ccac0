import assert from "node:assert/strict";
import fs, { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { JsonLinesFileSink } from "../../src/platform/audit/audit-file.js";
import type { CloudTrailRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { GroupedLines } from "../../src/platform/audit/grouped-lines.js";
import { auditFilePath, openAuditSink, StreamSink } from "../../src/platform/audit/sinks.js";
import { ConfigError, configFromEnv } from "../../src/vocabulary/config.js";

function record(eventID: string): CloudTrailRecord {
  return { eventID, eventName: "GenerateRandom" } as unknown as CloudTrailRecord;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Counts the write and datasync calls every FileHandle makes, and the synchronous writes the
 * audit file makes without fsync (fs.writeSync), while `run` runs, each still done by the
 * real method; `fail` makes the n-th write (1-based) throw ENOSPC instead.
 */
async function countingFileCalls<T>(
  run: () => Promise<T>,
  fail?: number,
): Promise<{ result: T; writes: number; datasyncs: number }> {
  // FileHandle is not exported; every handle shares the prototype of this one.
  const probe = await open(new URL(import.meta.url), "r");
  const proto = Object.getPrototypeOf(probe) as Record<string, (...args: unknown[]) => unknown>;
  await probe.close();
  const write = proto.write!;
  const datasync = proto.datasync!;
  const writeSync = fs.writeSync;
  let writes = 0;
  let datasyncs = 0;
  const noSpace = () =>
    Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
  proto.write = function (this: unknown, ...args: unknown[]) {
    writes += 1;
    if (writes === fail) return Promise.reject(noSpace());
    return write.apply(this, args);
  };
  fs.writeSync = ((...args: Parameters<typeof writeSync>) => {
    writes += 1;
    if (writes === fail) throw noSpace();
    return writeSync(...args);
  }) as typeof writeSync;
  proto.datasync = function (this: unknown, ...args: unknown[]) {
    datasyncs += 1;
    return datasync.apply(this, args);
  };
  try {
    const result = await run();
    return { result, writes, datasyncs };
  } finally {
    proto.write = write;
    proto.datasync = datasync;
    fs.writeSync = writeSync;
  }
}

function lines(path: string): unknown[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

describe("audit sinks", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-sinks-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const noLog = () => {};

  it("resolves the audit file from config", () => {
    assert.equal(
      auditFilePath({ auditFile: undefined, dataDir: "/var/lib/trent" }),
      "/var/lib/trent/audit.jsonl",
    );
    assert.equal(auditFilePath({ auditFile: undefined, dataDir: ":memory:" }), undefined);
    assert.equal(auditFilePath({ auditFile: "none", dataDir: "/var/lib/trent" }), undefined);
    assert.equal(
      auditFilePath({ auditFile: "/logs/kms.jsonl", dataDir: ":memory:" }),
      "/logs/kms.jsonl",
    );
  });

  it("appends one JSON line per record, all of them written by close, owner-only", async () => {
    const path = join(dir, "nested", "audit.jsonl");
    const sink = await JsonLinesFileSink.open(path, noLog);
    for (let i = 0; i < 500; i++) sink.write(record(`e${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    sink.write(record("last"));
    await sink.close();
    const written = lines(path) as { eventID: string }[];
    assert.equal(written.length, 501);
    assert.equal(written[0]?.eventID, "e0");
    assert.equal(written.at(-1)?.eventID, "last");
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it("appends to an existing file and makes it owner-only", async () => {
    const path = join(dir, "existing.jsonl");
    writeFileSync(path, `${JSON.stringify({ eventID: "before" })}\n`, { mode: 0o644 });
    const sink = await JsonLinesFileSink.open(path, noLog);
    sink.write(record("after"));
    await sink.close();
    assert.deepEqual(
      (lines(path) as { eventID: string }[]).map((r) => r.eventID),
      ["before", "after"],
    );
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it("drops records written after close, and says so", async () => {
    const messages: string[] = [];
    const path = join(dir, "closed.jsonl");
    const sink = await JsonLinesFileSink.open(path, (m) => messages.push(m));
    await sink.close();
    await sink.write(record("late"));
    assert.equal(readFileSync(path, "utf8"), "");
    assert.deepEqual(messages, ["an audit record arrived after the audit file was closed"]);
  });

  it("writes to standard output and the file together when both are configured", async () => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
    const path = join(dir, "both.jsonl");
    const sink = await openAuditSink(
      { auditFile: path, auditStdout: true, auditFsync: false, dataDir: ":memory:" },
      noLog,
      stdout,
    );
    sink.write(record("both"));
    await sink.close();
    assert.equal(chunks.join(""), `${JSON.stringify(record("both"))}\n`);
    assert.deepEqual(lines(path), [record("both")]);
  });

  it("reads its settings from the environment", () => {
    const config = configFromEnv({
      TRENT_AUDIT_FILE: "none",
      TRENT_AUDIT_STDOUT: "true",
      TRENT_AUDIT_FSYNC: "true",
    });
    assert.equal(config.auditFile, "none");
    assert.equal(config.auditStdout, true);
    assert.equal(config.auditFsync, true);
    const defaults = configFromEnv({});
    assert.equal(defaults.auditFile, undefined);
    assert.equal(defaults.auditStdout, false);
    assert.equal(defaults.auditFsync, false);
    assert.throws(() => configFromEnv({ TRENT_AUDIT_STDOUT: "yes" }), ConfigError);
    assert.throws(
      () => configFromEnv({ TRENT_AUDIT_FSYNC: "1" }),
      (error) =>
        error instanceof ConfigError &&
        error.message === "TRENT_AUDIT_FSYNC must be 'true' or 'false', got '1'",
    );
  });

  it("resolves a write only once its line is in the file", async () => {
    const path = join(dir, "awaited.jsonl");
    const sink = await JsonLinesFileSink.open(path, noLog);
    try {
      await sink.write(record("first"));
      assert.deepEqual(lines(path), [record("first")]);
      const second = sink.write(record("second"));
      assert.deepEqual(lines(path), [record("first")], "not yet: it waits for the turn to end");
      await second;
      assert.deepEqual(lines(path), [record("first"), record("second")]);
    } finally {
      await sink.close();
    }
  });

  it("writes the records of one turn with one write call, and fsyncs each group when asked", async () => {
    for (const fsync of [false, true]) {
      const path = join(dir, `grouped-${fsync}.jsonl`);
      const sink = await JsonLinesFileSink.open(path, noLog, { fsync });
      const { writes, datasyncs } = await countingFileCalls(async () => {
        const written = [];
        for (let i = 0; i < 500; i++) written.push(sink.write(record(`e${i}`)));
        await Promise.all(written);
        await sink.write(record("next turn"));
      });
      await sink.close();
      assert.equal(writes, 2, `fsync ${fsync}`);
      assert.equal(datasyncs, fsync ? 2 : 0, `fsync ${fsync}`);
      assert.equal(lines(path).length, 501);
    }
  });

  it("logs a failed write once, still resolves, and keeps the file one record per line", async () => {
    const messages: string[] = [];
    const path = join(dir, "full.jsonl");
    const sink = await JsonLinesFileSink.open(path, (m) => messages.push(m));
    const { result } = await countingFileCalls(async () => {
      await sink.write(record("kept"));
      const lost = await Promise.all([sink.write(record("lost-1")), sink.write(record("lost-2"))]);
      await sink.write(record("after"));
      return lost;
    }, 2);
    await sink.close();
    assert.deepEqual(result, [undefined, undefined]);
    assert.deepEqual(
      (lines(path) as { eventID: string }[]).map((r) => r.eventID),
      ["kept", "after"],
    );
    assert.deepEqual(messages, [
      `could not write audit records to audit file ${path}: Error: ENOSPC: no space left on device; requests are still answered, and their records are lost until writing succeeds again`,
      `audit records are written to audit file ${path} again; 2 were lost`,
    ]);
  });
});

describe("stream sink", () => {
  it("resolves once the stream's write callback ran, one write per turn", async () => {
    const written: { chunk: string; done: () => void }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push({ chunk: chunk.toString("utf8"), done: () => done() });
      },
    });
    const sink = new StreamSink(stream, () => {});
    let settled = 0;
    const first = sink.write(record("a")).then(() => settled++);
    sink.write(record("b")).then(() => settled++);
    await nextTurn();
    assert.deepEqual(
      written.map((w) => w.chunk),
      [`${JSON.stringify(record("a"))}\n${JSON.stringify(record("b"))}\n`],
    );
    assert.equal(settled, 0);
    written[0]!.done();
    await first;
    await nextTurn();
    assert.equal(settled, 2);
    await sink.close();
  });
});

describe("grouped lines", () => {
  /** A chunk writer whose writes finish when the test says so. */
  function controlledWriter() {
    const chunks: { text: string; lines: number; finish: () => void }[] = [];
    const write = (text: string, lines: number) =>
      new Promise<void>((resolve) => chunks.push({ text, lines, finish: resolve }));
    return { chunks, write };
  }

  it("sends one turn's lines as one chunk, one chunk at a time, the rest as the next", async () => {
    const { chunks, write } = controlledWriter();
    const groups = new GroupedLines(write);
    const settled: string[] = [];
    const track = (name: string, promise: Promise<void>) => promise.then(() => settled.push(name));
    track("a", groups.add("a\n"));
    track("b", groups.add("b\n"));
    assert.equal(chunks.length, 0, "nothing is written during the turn that queues it");
    await nextTurn();
    assert.deepEqual(
      chunks.map((c) => [c.text, c.lines]),
      [["a\nb\n", 2]],
    );
    track("c", groups.add("c\n"));
    await nextTurn();
    track("d", groups.add("d\n"));
    await nextTurn();
    assert.equal(chunks.length, 1, "no second write while the first is in flight");
    assert.equal(settled.length, 0, "no line counts as written before its write finished");
    chunks[0]!.finish();
    // One turn for the finished write to settle, the next for the waiting group to go out.
    await nextTurn();
    await nextTurn();
    assert.deepEqual(settled, ["a", "b"]);
    assert.deepEqual(
      chunks.map((c) => c.text),
      ["a\nb\n", "c\nd\n"],
    );
    const drained = groups.drain().then(() => settled.push("drained"));
    chunks[1]!.finish();
    await drained;
    assert.deepEqual(settled, ["a", "b", "c", "d", "drained"]);
  });
});
