/**
 * kill -9 under write load loses nothing that was answered. Trent runs as a child process
 * (test/support/trent-process.ts); sixteen real SDK clients drive CreateKey, TagResource,
 * CreateAlias and Encrypt at it; after about 1.5 s it gets SIGKILL mid-load. Then:
 *   - every request answered 200 has its record in audit.jsonl (found by its request id; the
 *     last line may be cut off by the kill, every complete line must parse), and
 *   - Trent restarted on the same data serves every acknowledged write: keys describe, tags
 *     list, aliases resolve, ciphertexts decrypt.
 * Once on SQLite (the embedded default) and once on PostgreSQL.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTrentProcess } from "../support/trent-process.js";
import { checkAcknowledged, startWriteLoad } from "../support/write-load.js";

const clients = 16;
const loadMs = 1500;

/** Request ids of the complete lines of an audit file; a torn last line is left out. */
async function auditedRequestIds(path: string): Promise<Set<string>> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  // Everything after the last newline is a line the kill cut short (or nothing).
  lines.pop();
  const ids = new Set<string>();
  for (const [index, line] of lines.entries()) {
    let record: { requestID?: string };
    try {
      record = JSON.parse(line) as { requestID?: string };
    } catch {
      assert.fail(`line ${index + 1} of ${path} is not JSON: ${line.slice(0, 200)}`);
    }
    if (record.requestID !== undefined) ids.add(record.requestID);
  }
  return ids;
}

async function killUnderLoadAndCheck(
  t: TestContext,
  env: Record<string, string>,
  auditFile: string,
) {
  const first = await startTrentProcess(env);
  let armed = false;
  const load = startWriteLoad(
    Array.from({ length: clients }, () => first.client()),
    {
      label: "crash",
      // The kill follows an answer at once: the moment a record still queued in memory after
      // its answer left would be lost.
      onAnswer() {
        if (!armed) return;
        armed = false;
        load.stop();
        process.kill(first.pid, "SIGKILL");
      },
    },
  );
  await new Promise((resolve) => setTimeout(resolve, loadMs));
  armed = true;
  await load.done;
  await first.kill();
  const writes = await load.done;
  // An answer with a client error acknowledged nothing, so it cannot break what this test
  // checks. A call that got no answer before the kill, or a 5xx (contention on PostgreSQL
  // included), is a bug here.
  assert.deepEqual(
    writes.failures.filter((f) => f.status === undefined || f.status >= 500),
    [],
    "calls that got no answer, or a server error, before the kill",
  );
  if (writes.failures.length > 0)
    t.diagnostic(`${writes.failures.length} calls answered with an error before the kill`);
  assert.ok(
    writes.requestIds.length >= 40,
    `only ${writes.requestIds.length} answers in ${loadMs} ms: too little load to tell`,
  );

  const audited = await auditedRequestIds(auditFile);
  t.diagnostic(`${writes.requestIds.length} answers before the kill; ${audited.size} records`);
  const unaudited = writes.requestIds.filter((id) => !audited.has(id));
  assert.deepEqual(
    unaudited,
    [],
    `${unaudited.length} of ${writes.requestIds.length} answered requests have no audit record`,
  );

  const second = await startTrentProcess(env);
  try {
    assert.deepEqual(await checkAcknowledged(second.client(), writes), []);
  } finally {
    await second.stop();
  }
}

describe("SIGKILL under write load", () => {
  it("on SQLite loses no audit record of an answered request and no acknowledged write", {
    timeout: 60_000,
  }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "trent-crash-"));
    try {
      const auditFile = join(dir, "audit.jsonl");
      await killUnderLoadAndCheck(
        t,
        { TRENT_PORT: "0", TRENT_DATA_DIR: dir, TRENT_AUDIT_FILE: auditFile },
        auditFile,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("on PostgreSQL", { skip: postgresSkipReason() }, () => {
    let database: TestPostgres;
    before(async () => {
      database = await startTestPostgres();
    });
    after(async () => {
      await database?.stop();
    });

    it("loses no audit record of an answered request and no acknowledged write", {
      timeout: 60_000,
    }, async (t) => {
      const dir = await mkdtemp(join(tmpdir(), "trent-crash-pg-"));
      try {
        const auditFile = join(dir, "audit.jsonl");
        await killUnderLoadAndCheck(
          t,
          {
            TRENT_PORT: "0",
            TRENT_DATA_DIR: dir,
            TRENT_DATABASE_URL: await database.createDatabase(),
            TRENT_ROOT_KEY: Buffer.alloc(32, 0x6b).toString("base64"),
            TRENT_AUDIT_FILE: auditFile,
          },
          auditFile,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
