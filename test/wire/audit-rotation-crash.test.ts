/**
 * kill -9 while the audit file rotates under load loses nothing that was answered. Trent runs as
 * a child process with an 8 KiB rotation size, so under sixteen real SDK clients' write load it
 * rotates, digests and compresses many times a second; it gets SIGKILL right after an answer.
 * Then:
 *   - at once, before anything repairs the trail: every rotation left its plain file or its
 *     finished .gz (never neither), and every request answered 200 has its record in the files;
 *   - Trent restarted on the same data finishes what the kill interrupted (no plain rotated file
 *     or .tmp is left once it stops), `trent audit verify` passes on the whole trail, and the
 *     index holds every record of the files exactly once, the answered requests' among them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AuditFiles } from "../../src/platform/audit/audit-files.js";
import { SqliteAuditReader, sqliteIndexPath } from "../../src/platform/audit/sqlite-audit-index.js";
import { trailRecords } from "../support/audit-trail-files.js";
import { runTrentCommand, startTrentProcess } from "../support/trent-process.js";
import { startWriteLoad } from "../support/write-load.js";

const clients = 16;
/** Answers before the kill: enough for dozens of rotations, however loaded the machine is. */
const answersBeforeKill = 150;

describe("SIGKILL while the audit file rotates under load", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-rotation-crash-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const files = new AuditFiles(join(dir, "audit.jsonl"));
  const env = { TRENT_DATA_DIR: dir, TRENT_AUDIT_MAX_BYTES: String(8 << 10) };

  it("loses no record of an answered request, and the restart finishes the trail", {
    timeout: 120_000,
  }, async (t) => {
    const first = await startTrentProcess(env);
    let answers = 0;
    const load = startWriteLoad(
      Array.from({ length: clients }, () => first.client()),
      {
        label: "rotation-crash",
        // The kill follows an answer at once, while other requests are in flight.
        onAnswer() {
          answers += 1;
          if (answers !== answersBeforeKill) return;
          load.stop();
          process.kill(first.pid, "SIGKILL");
        },
      },
    );
    await load.done;
    await first.kill();
    const writes = await load.done;
    assert.deepEqual(
      writes.failures.filter((f) => f.status === undefined || f.status >= 500),
      [],
      "calls that got no answer, or a server error, before the kill",
    );
    assert.ok(
      writes.requestIds.length >= answersBeforeKill,
      `only ${writes.requestIds.length} answers`,
    );

    // As the kill left it.
    const rotations = await files.list();
    const interrupted = rotations.filter((r) => r.has.gzTmp || (r.has.plain && !r.has.gz));
    t.diagnostic(
      `${writes.requestIds.length} answers; ${rotations.length} rotations, ${interrupted.length} not yet compressed or mid-compression at the kill`,
    );
    assert.ok(rotations.length >= 3, `only ${rotations.length} rotations: too few to tell`);
    for (const rotation of rotations)
      assert.ok(
        rotation.has.plain || rotation.has.gz || !(rotation.has.gzTmp || rotation.has.digest),
        `rotation ${rotation.stamp} has neither its plain file nor its .gz`,
      );
    const audited = new Set(trailRecords(files).map((record) => record.requestID));
    const unaudited = writes.requestIds.filter((id) => !audited.has(id));
    assert.deepEqual(unaudited, [], `${unaudited.length} answered requests have no record`);

    // The restart finishes the archive's work and catches the index up (a clean stop waits
    // for the index, and leaves the archive's backlog to the next start, so wait for it here).
    const second = await startTrentProcess(env);
    for (let waited = 0; ; waited += 100) {
      const left = (await files.list()).filter(
        (r) => r.has.plain || r.has.gzTmp || r.has.digestTmp || !r.has.digest,
      );
      if (left.length === 0) break;
      if (waited > 60_000) assert.fail(`the restart left ${left.length} rotations unfinished`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stopped = await second.stop();
    assert.equal(stopped, 0, `${second.child.signalCode} ${second.stderr()}`);
    for (const rotation of await files.list())
      assert.deepEqual(
        rotation.has,
        { plain: false, gz: true, gzTmp: false, digest: true, digestTmp: false },
        `rotation ${rotation.stamp} after the restart`,
      );
    const verify = await runTrentCommand(["audit", "verify", "--data-dir", dir], {});
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /: verified$/m);
    assert.doesNotMatch(verify.stdout, /FAILED/);

    const records = trailRecords(files);
    const reader = SqliteAuditReader.open(sqliteIndexPath(files));
    assert.ok(reader);
    try {
      const indexed: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await reader.query({}, { limit: 1000, ...(nextToken ? { nextToken } : {}) });
        indexed.push(...page.records.map((record) => record.eventID));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.equal(new Set(indexed).size, indexed.length, "a record was indexed twice");
      assert.deepEqual(
        [...indexed].sort(),
        records.map((record) => record.eventID).sort(),
        "the index holds exactly the records of the files",
      );
    } finally {
      await reader.close();
    }
  });
});
