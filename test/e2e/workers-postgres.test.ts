/**
 * TRENT_WORKERS=2 on PostgreSQL: both workers share the database as nodes do. A key created
 * through one worker is disabled through the other and refused by the next request to the
 * first; concurrent writes through both get no server error and are all there afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateKeyCommand, DisableKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTrentProcess, type TrentProcess } from "../support/trent-process.js";
import { type Pinned, pinToEachWorker } from "../support/workers.js";
import { checkAcknowledged, startWriteLoad } from "../support/write-load.js";

describe("TRENT_WORKERS=2 on PostgreSQL", { skip: postgresSkipReason(), timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-workers-pg-"));
  let database: TestPostgres;
  let server: TrentProcess;
  let pinned: Pinned[] = [];
  before(async () => {
    database = await startTestPostgres();
    server = await startTrentProcess(
      {
        TRENT_DATA_DIR: dir,
        TRENT_DATABASE_URL: await database.createDatabase(),
        TRENT_ROOT_KEY: Buffer.alloc(32, 0x3c).toString("base64"),
        TRENT_WORKERS: "2",
        TRENT_KEY_PAIR_POOL_SIZE: "0",
      },
      60_000,
      [],
      { group: true },
    );
    pinned = await pinToEachWorker(server.url);
  });
  after(async () => {
    for (const { agent, client } of pinned) {
      client.destroy();
      agent.destroy();
    }
    await server?.stop();
    await database?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses through one worker a key disabled through the other", async () => {
    const [a, b] = pinned as [Pinned, Pinned];
    const created = await a.client.send(new CreateKeyCommand({}));
    const keyId = created.KeyMetadata?.KeyId;
    await a.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await b.client.send(new DisableKeyCommand({ KeyId: keyId }));
    await rejectsWith(
      a.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })),
      "DisabledException",
      /is disabled/,
    );
  });

  it("answers concurrent writes through both workers without a server error", async () => {
    const load = startWriteLoad(
      Array.from({ length: 8 }, () => server.client()),
      { label: "workers-pg" },
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    load.stop();
    const writes = await load.done;
    assert.deepEqual(writes.failures, [], "calls that failed under load");
    assert.ok(writes.requestIds.length >= 20, `only ${writes.requestIds.length} answers`);
    assert.deepEqual(await checkAcknowledged(server.client(), writes), []);
  });
});
