/**
 * verifyAuditTrail on a trail the real writer and archive made, untouched and then tampered
 * with in each way the digests must catch: a record edited, removed or inserted, a rotated file
 * or a digest removed, a digest altered, re-signed without the key, or replaced by an unsigned
 * one. Each problem names the file and, for records, the record's number and eventID.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { AuditArchive } from "../../src/platform/audit/audit-archive.js";
import { JsonLinesFileSink } from "../../src/platform/audit/audit-file.js";
import { AuditFiles, type RotatedFile } from "../../src/platform/audit/audit-files.js";
import type { AuditRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { ContentSummarizer, digestText, parseDigest } from "../../src/platform/audit/digests.js";
import { verifyAuditTrail } from "../../src/platform/audit/verify.js";

const key = new Uint8Array(32).fill(9);
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe("audit trail verification", () => {
  const root = mkdtempSync(join(tmpdir(), "trent-audit-verify-"));
  const original = new AuditFiles(join(root, "original", "audit.jsonl"));
  let rotations: RotatedFile[];
  let copies = 0;
  after(() => rmSync(root, { recursive: true, force: true }));

  before(async () => {
    const archive = new AuditArchive({
      files: original,
      digestKey: key,
      retentionDays: 0,
      log: () => {},
    });
    const sink = await JsonLinesFileSink.open(original.live, () => {}, {
      fsync: false,
      rotation: { maxBytes: 4096, every: "none" },
      onRotated: () => archive.rotated(),
    });
    for (let n = 0; n < 200; n++)
      await sink.write({
        eventTime: "2025-05-20T10:00:00Z",
        eventID: id(n),
        eventName: "Decrypt",
      } as unknown as AuditRecord);
    await sink.close();
    await archive.settled();
    await archive.close();
    rotations = await original.list();
    assert.ok(rotations.length >= 4);
  });

  /** A copy of the trail to tamper with. */
  function copy(): AuditFiles {
    const dir = join(root, `copy${copies++}`);
    cpSync(original.dir, dir, { recursive: true });
    return new AuditFiles(join(dir, "audit.jsonl"));
  }

  const stamp = (index: number) => (rotations[index] as RotatedFile).stamp;

  function rewrite(files: AuditFiles, index: number, change: (lines: string[]) => string[]) {
    const path = files.path(stamp(index), "gz");
    const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n").slice(0, -1);
    writeFileSync(path, gzipSync(`${change(lines).join("\n")}\n`));
  }

  it("passes an untouched trail and says what it cannot see", async () => {
    const report = await verifyAuditTrail(original, key);
    assert.deepEqual(report.problems, []);
    assert.equal(report.files.length, rotations.length);
    assert.ok(report.files.every((file) => file.ok));
    assert.equal(report.newest?.file, original.name(stamp(rotations.length - 1), "digest"));
    assert.ok(report.notes.some((note) => /records in the live file/.test(note)));
  });

  it("names an edited record by its number and eventID", async () => {
    const files = copy();
    let edited = "";
    rewrite(files, 1, (lines) => {
      const record = JSON.parse(lines[4] as string) as { eventID: string; eventName: string };
      edited = record.eventID;
      record.eventName = "Encrypt";
      lines[4] = JSON.stringify(record);
      return lines;
    });
    const report = await verifyAuditTrail(files, key);
    assert.deepEqual(report.problems, [
      {
        file: files.name(stamp(1), "gz"),
        record: 5,
        eventId: edited,
        message: `record 5 (eventID ${edited}) was edited`,
      },
    ]);
  });

  it("names a removed record by its number and its neighbours", async () => {
    const files = copy();
    const ids: string[] = [];
    rewrite(files, 2, (lines) => {
      for (const line of lines) ids.push((JSON.parse(line) as { eventID: string }).eventID);
      return lines.filter((_, i) => i !== 7);
    });
    const report = await verifyAuditTrail(files, key);
    assert.deepEqual(report.problems, [
      {
        file: files.name(stamp(2), "gz"),
        record: 8,
        message: `record 8 was removed (it came after eventID ${ids[6]}, before eventID ${ids[8]})`,
      },
    ]);
  });

  it("names an inserted line", async () => {
    const files = copy();
    rewrite(files, 0, (lines) => [
      ...lines.slice(0, 2),
      JSON.stringify({ eventID: "forged", eventName: "Decrypt" }),
      ...lines.slice(2),
    ]);
    const report = await verifyAuditTrail(files, key);
    assert.deepEqual(report.problems, [
      {
        file: files.name(stamp(0), "gz"),
        record: 3,
        eventId: "forged",
        message: "line 3 was inserted (eventID forged): the digest has no such record",
      },
    ]);
  });

  it("names a removed file, and a removed digest", async () => {
    const files = copy();
    unlinkSync(files.path(stamp(1), "gz"));
    unlinkSync(files.path(stamp(2), "digest"));
    const report = await verifyAuditTrail(files, key);
    const messages = report.problems.map((problem) => `${problem.file}: ${problem.message}`);
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.match(
      messages[0] ?? "",
      new RegExp(
        `^${files.name(stamp(1), "gz")}: was removed: its digest says it held \\d+ records`,
      ),
    );
    assert.match(
      messages[1] ?? "",
      new RegExp(`^${files.name(stamp(2), "gz")}: has no digest, but later files do`),
    );
    assert.match(
      messages[2] ?? "",
      new RegExp(
        `^${files.name(stamp(3), "digest")}: follows ${files.name(stamp(2), "digest")}, which is missing`,
      ),
    );
  });

  it("refuses a digest re-signed without the key, or replaced by an unsigned one", async () => {
    // Whoever edits a file and writes a matching digest, without the key, is caught by the
    // signature: the hashes and the chain alone would not catch it.
    const files = copy();
    rewrite(files, 1, (lines) => lines.slice(1));
    const content = gunzipSync(readFileSync(files.path(stamp(1), "gz")));
    const summary = () => {
      const summarizer = new ContentSummarizer();
      summarizer.update(content);
      return summarizer.finish();
    };
    const old = parseDigest(readFileSync(files.path(stamp(1), "digest"), "utf8"));
    assert.ok(old);
    const forged = (signingKey: Uint8Array | undefined) =>
      digestText(summary(), {
        logFile: old.logFile,
        rotatedAt: new Date(old.rotatedAt),
        previous:
          old.previousDigestFile === null
            ? undefined
            : { file: old.previousDigestFile, sha256: old.previousDigestSha256 ?? "" },
        key: signingKey,
      });
    writeFileSync(files.path(stamp(1), "digest"), forged(new Uint8Array(32).fill(1)));
    let report = await verifyAuditTrail(files, key);
    const digestName = files.name(stamp(1), "digest");
    assert.deepEqual(
      report.problems.map((problem) => `${problem.file}: ${problem.message.slice(0, 30)}`).sort(),
      [
        `${digestName}: its signature does not match: `,
        `${digestName}: was altered: its hash is not t`,
      ],
    );
    writeFileSync(files.path(stamp(1), "digest"), forged(undefined));
    report = await verifyAuditTrail(files, key);
    assert.ok(
      report.problems.some((problem) =>
        /is not signed, but Trent signs every digest/.test(problem.message),
      ),
    );
  });
});
