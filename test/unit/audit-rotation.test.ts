/**
 * The audit file's rotation (by size, by time, at a period boundary with no writes), what the
 * archive makes of rotated files (digests chained and signed, compression), how it finishes
 * work a crash interrupted, and retention deleting only what is older than its limit.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { AuditArchive } from "../../src/platform/audit/audit-archive.js";
import { JsonLinesFileSink } from "../../src/platform/audit/audit-file.js";
import { AuditFiles, stampOf } from "../../src/platform/audit/audit-files.js";
import type { AuditRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { parseDigest } from "../../src/platform/audit/digests.js";
import { verifyAuditTrail } from "../../src/platform/audit/verify.js";

const key = new Uint8Array(32).fill(7);
const noLog = () => {};

function record(id: string, time = "2025-05-20T10:00:00Z"): AuditRecord {
  return { eventTime: time, eventID: id, eventName: "Encrypt" } as unknown as AuditRecord;
}

/** Every record of the trail in order: rotated files (plain or compressed) by name, then live. */
function trail(files: AuditFiles): string[] {
  const ids: string[] = [];
  const names = readdirSync(files.dir).sort();
  const read = (path: string) =>
    (path.endsWith(".gz") ? gunzipSync(readFileSync(path)) : readFileSync(path))
      .toString("utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as { eventID: string }).eventID);
  for (const name of names) {
    const parsed = files.parse(name);
    if (parsed?.kind === "plain" || parsed?.kind === "gz") ids.push(...read(join(files.dir, name)));
  }
  if (existsSync(files.live)) ids.push(...read(files.live));
  return ids;
}

function kinds(files: AuditFiles): string[] {
  return readdirSync(files.dir)
    .map((name) => files.parse(name)?.kind ?? (name === "audit.jsonl" ? "live" : name))
    .sort();
}

describe("audit file rotation", () => {
  const root = mkdtempSync(join(tmpdir(), "trent-audit-rotation-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const newDir = () => {
    const dir = join(root, `t${n++}`);
    mkdirSync(dir);
    return dir;
  };

  it("rotates before a group would pass the size limit, never splitting a group", async () => {
    const files = new AuditFiles(join(newDir(), "audit.jsonl"));
    const rotated: string[] = [];
    const sink = await JsonLinesFileSink.open(files.live, noLog, {
      fsync: false,
      rotation: { maxBytes: 4096, every: "none" },
      onRotated: (path) => rotated.push(path),
    });
    const written: string[] = [];
    for (let group = 0; group < 60; group++) {
      const turn: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        const id = `g${group}-r${i}`;
        written.push(id);
        turn.push(sink.write(record(id)));
      }
      await Promise.all(turn);
    }
    await sink.close();
    assert.deepEqual(trail(files), written);
    assert.ok(rotated.length >= 5, `${rotated.length} rotations`);
    for (const path of rotated) {
      const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
      assert.ok(readFileSync(path).length <= 4096, path);
      // Ten records of one turn are one group: a file holds whole groups only.
      assert.equal(lines.length % 10, 0, path);
      assert.match(lines[0] ?? "", /-r0"/);
    }
  });

  it("rotates at the first write of a new hour, and an old live file found at start", async () => {
    const files = new AuditFiles(join(newDir(), "audit.jsonl"));
    writeFileSync(files.live, `${JSON.stringify(record("yesterday", "2025-05-19T23:59:00Z"))}\n`);
    let now = new Date("2025-05-20T10:59:59.000Z");
    const rotated: string[] = [];
    const sink = await JsonLinesFileSink.open(files.live, noLog, {
      fsync: true,
      rotation: { maxBytes: 0, every: "hourly" },
      now: () => now,
      onRotated: (path) => rotated.push(path),
    });
    await sink.write(record("a"));
    await sink.write(record("b"));
    now = new Date("2025-05-20T11:00:00.250Z");
    await sink.write(record("c"));
    await sink.close();
    assert.deepEqual(rotated, [
      files.path("2025-05-20T10-59-59.000Z", "plain"),
      files.path("2025-05-20T11-00-00.250Z", "plain"),
    ]);
    assert.deepEqual(trail(files), ["yesterday", "a", "b", "c"]);
  });

  it("names rotations in the trail's order when the clock steps back", async () => {
    const files = new AuditFiles(join(newDir(), "audit.jsonl"));
    let now = new Date("2025-05-20T10:00:05.000Z");
    const rotated: string[] = [];
    const sink = await JsonLinesFileSink.open(files.live, noLog, {
      fsync: false,
      rotation: { maxBytes: 4096, every: "none" },
      now: () => now,
      onRotated: (path) => rotated.push(path),
    });
    const big = (id: string) => record(`${id}-${"x".repeat(3000)}`);
    await sink.write(big("a"));
    await sink.write(big("b"));
    now = new Date("2025-05-20T10:00:01.000Z");
    await sink.write(big("c"));
    await sink.close();
    assert.deepEqual(rotated, [
      files.path("2025-05-20T10-00-05.000Z", "plain"),
      files.path("2025-05-20T10-00-05.001Z", "plain"),
    ]);
    assert.deepEqual(
      trail(files).map((id) => id.slice(0, 1)),
      ["a", "b", "c"],
    );
  });

  it("rotates at the boundary on a timer when nothing is written", async () => {
    const files = new AuditFiles(join(newDir(), "audit.jsonl"));
    // A clock 60 ms before midnight that runs at real speed.
    const base = Date.parse("2025-05-20T23:59:59.940Z");
    const started = Date.now();
    const now = () => new Date(base + Date.now() - started);
    let rotated!: (path: string) => void;
    const rotation = new Promise<string>((resolve) => {
      rotated = resolve;
    });
    const sink = await JsonLinesFileSink.open(files.live, noLog, {
      fsync: false,
      rotation: { maxBytes: 0, every: "daily" },
      now,
      onRotated: (path) => rotated(path),
    });
    await sink.write(record("before midnight"));
    // The rotation timer is unref'd (a server keeps the process alive); so must the test.
    const alive = setTimeout(() => {}, 10_000);
    const path = await rotation;
    clearTimeout(alive);
    await sink.close();
    assert.match(path, /audit\.2025-05-21T00-00-00\.\d{3}Z\.jsonl$/);
    assert.deepEqual(trail(files), ["before midnight"]);
    assert.equal(readFileSync(files.live, "utf8"), "");
  });
});

describe("audit archive", () => {
  const root = mkdtempSync(join(tmpdir(), "trent-audit-archive-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const newFiles = () => {
    const dir = join(root, `t${n++}`);
    mkdirSync(dir);
    return new AuditFiles(join(dir, "audit.jsonl"));
  };
  const lines = (...ids: string[]) => ids.map((id) => `${JSON.stringify(record(id))}\n`).join("");

  it("digests and compresses each rotated file, chaining the digests in order", async () => {
    const files = newFiles();
    const archive = new AuditArchive({ files, digestKey: key, retentionDays: 0, log: noLog });
    const sink = await JsonLinesFileSink.open(files.live, noLog, {
      fsync: false,
      rotation: { maxBytes: 4096, every: "none" },
      onRotated: () => archive.rotated(),
    });
    const written: string[] = [];
    for (let i = 0; i < 300; i++) {
      written.push(`r${i}`);
      await sink.write(record(`r${i}`));
    }
    await sink.close();
    await archive.settled();
    await archive.close();
    assert.deepEqual(trail(files), written);
    const rotations = await files.list();
    assert.ok(rotations.length >= 3);
    let previous: string | null = null;
    for (const rotation of rotations) {
      assert.deepEqual(rotation.has, {
        plain: false,
        gz: true,
        gzTmp: false,
        digest: true,
        digestTmp: false,
      });
      const digest = parseDigest(readFileSync(files.path(rotation.stamp, "digest"), "utf8"));
      assert.ok(digest);
      assert.equal(digest.logFile, files.name(rotation.stamp, "gz"));
      assert.equal(digest.previousDigestFile, previous);
      assert.equal(digest.signatureAlgorithm, "HMAC-SHA256");
      assert.ok(written.includes(digest.firstEventId ?? ""));
      previous = files.name(rotation.stamp, "digest");
    }
    const report = await verifyAuditTrail(files, key);
    assert.deepEqual(report.problems, []);
    assert.equal(report.digests, rotations.length);
  });

  it("finishes a compression a crash interrupted, and never leaves a file in neither form", async () => {
    const files = newFiles();
    const [a, b, c, d] = [
      "2025-05-20T10-00-00.000Z",
      "2025-05-20T11-00-00.000Z",
      "2025-05-20T12-00-00.000Z",
      "2025-05-20T13-00-00.000Z",
    ];
    // a: crashed mid-compression (a partial .gz.tmp beside the plain file), no digest yet.
    writeFileSync(files.path(a as string, "plain"), lines("a1", "a2"));
    writeFileSync(files.path(a as string, "gzTmp"), gzipSync(lines("a1")).subarray(0, 10));
    // b: crashed after the .gz was renamed into place, before the plain file was deleted.
    writeFileSync(files.path(b as string, "plain"), lines("b1"));
    writeFileSync(files.path(b as string, "gz"), gzipSync(lines("b1")));
    // c: crashed while its digest's temporary file was being written.
    writeFileSync(files.path(c as string, "plain"), lines("c1", "c2", "c3"));
    writeFileSync(files.path(c as string, "digestTmp"), "{");
    // d: rotated, nothing done yet.
    writeFileSync(files.path(d as string, "plain"), lines("d1"));
    const archive = new AuditArchive({ files, digestKey: key, retentionDays: 0, log: noLog });
    await archive.settled();
    await archive.close();
    assert.deepEqual(kinds(files), [
      "digest",
      "digest",
      "digest",
      "digest",
      "gz",
      "gz",
      "gz",
      "gz",
    ]);
    assert.deepEqual(trail(files), ["a1", "a2", "b1", "c1", "c2", "c3", "d1"]);
    assert.deepEqual((await verifyAuditTrail(files, key)).problems, []);
  });

  it("deletes only rotated files, and their digests, rotated before the retention limit", async () => {
    const files = newFiles();
    const now = new Date("2025-05-20T12:00:00.000Z");
    const day = 24 * 60 * 60 * 1000;
    const stamps = [
      stampOf(new Date(now.getTime() - 10 * day)),
      stampOf(new Date(now.getTime() - 7 * day - 1)),
      stampOf(new Date(now.getTime() - 7 * day)),
      stampOf(new Date(now.getTime() - 1 * day)),
    ];
    for (const [i, stamp] of stamps.entries())
      writeFileSync(files.path(stamp, "plain"), lines(`old${i}`));
    writeFileSync(files.live, lines("live"));
    const logs: string[] = [];
    const archive = new AuditArchive({
      files,
      digestKey: key,
      retentionDays: 7,
      log: (message) => logs.push(message),
      now: () => now,
    });
    await archive.settled();
    await archive.close();
    assert.deepEqual(
      (await files.list()).map((rotation) => rotation.stamp),
      stamps.slice(2),
    );
    assert.deepEqual(trail(files), ["old2", "old3", "live"]);
    assert.equal(logs.length, 1);
    assert.match(logs[0] ?? "", /deleted 4 files .* rotated before 2025-05-13T12:00:00.000Z/);
    // The chain that is left starts at the oldest digest kept: a note, not a problem.
    const report = await verifyAuditTrail(files, key);
    assert.deepEqual(report.problems, []);
    assert.ok(report.notes.some((note) => note.startsWith("the chain starts at")));
  });
});
