import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, describe, it } from "node:test";
import type { CloudTrailRecord } from "../../src/audit/cloudtrail-record.js";
import { auditFilePath, JsonLinesFileSink, openAuditSink } from "../../src/audit/sinks.js";
import { ConfigError, configFromEnv } from "../../src/config.js";

function record(eventID: string): CloudTrailRecord {
  return { eventID, eventName: "GenerateRandom" } as unknown as CloudTrailRecord;
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
    sink.write(record("late"));
    assert.equal(readFileSync(path, "utf8"), "");
    assert.match(messages[0] ?? "", /late arrived after the audit file was closed/);
  });

  it("writes to standard output and the file together when both are configured", async () => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
    const path = join(dir, "both.jsonl");
    const sink = await openAuditSink(
      { auditFile: path, auditStdout: true, dataDir: ":memory:" },
      noLog,
      stdout,
    );
    sink.write(record("both"));
    await sink.close();
    assert.equal(chunks.join(""), `${JSON.stringify(record("both"))}\n`);
    assert.deepEqual(lines(path), [record("both")]);
  });

  it("reads its settings from the environment", () => {
    const config = configFromEnv({ TRENT_AUDIT_FILE: "none", TRENT_AUDIT_STDOUT: "true" });
    assert.equal(config.auditFile, "none");
    assert.equal(config.auditStdout, true);
    const defaults = configFromEnv({});
    assert.equal(defaults.auditFile, undefined);
    assert.equal(defaults.auditStdout, false);
    assert.throws(() => configFromEnv({ TRENT_AUDIT_STDOUT: "yes" }), ConfigError);
  });
});
