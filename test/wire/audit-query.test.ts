/**
 * queryAudit, the typed query a console or an embedder lists the audit trail with: requests
 * made with the real AWS SDK against an in-process Trent are found by key, alias, operation,
 * caller, error and time, newest first, in keyset pages; without an index it says why. With
 * PostgreSQL, two nodes sharing a database share one trail: each finds the other's records.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
} from "@aws-sdk/client-kms";
import { AuditQueryError } from "../../src/platform/audit/audit-query.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

describe("queryAudit", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-query-"));
  let trent: TestTrent;
  let keyArn: string;
  const encrypts: string[] = [];
  let disabledEncrypt: string;

  before(async () => {
    trent = await startTestTrent({ dataDir: dir });
    const kms = trent.client();
    const key = await kms.send(new CreateKeyCommand({}));
    keyArn = key.KeyMetadata?.Arn as string;
    await kms.send(new CreateAliasCommand({ AliasName: "alias/orders", TargetKeyId: keyArn }));
    for (let i = 0; i < 5; i++) {
      const out = await kms.send(
        new EncryptCommand({ KeyId: "alias/orders", Plaintext: Buffer.from("q") }),
      );
      encrypts.push(out.$metadata.requestId as string);
    }
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    disabledEncrypt = await kms
      .send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("q") }))
      .then(
        () => assert.fail("a disabled key encrypted"),
        (error: { $metadata: { requestId: string } }) => error.$metadata.requestId,
      );
    await trent.auditOutputs.settled();
  });

  after(async () => {
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const requestIds = (records: readonly object[]) =>
    records.map((record) => (record as { requestID?: string }).requestID);

  it("finds a key's records by ARN and by key id, newest first, page by page", async () => {
    const first = await trent.queryAudit({ key: keyArn }, { limit: 5 });
    assert.equal(first.records.length, 5);
    assert.ok(first.nextToken);
    const second = await trent.queryAudit(
      { key: keyArn },
      { limit: 5, nextToken: first.nextToken },
    );
    assert.equal(second.nextToken, undefined);
    const names = [...first.records, ...second.records].map((record) => record.eventName);
    assert.deepEqual(names, [
      "Encrypt",
      "DisableKey",
      ...Array(5).fill("Encrypt"),
      "CreateAlias",
      "CreateKey",
    ]);
    const byId = await trent.queryAudit({ key: keyArn.slice(keyArn.indexOf("/") + 1) });
    assert.equal(byId.records.length, 9);
  });

  it("finds the alias's records, the failures, an operation and a caller", async () => {
    const alias = await trent.queryAudit({ key: "alias/orders" });
    assert.deepEqual(
      alias.records.map((record) => record.eventName),
      [...Array(5).fill("Encrypt"), "CreateAlias"],
    );
    assert.deepEqual(
      (await trent.queryAudit({ key: "arn:aws:kms:us-east-1:111122223333:alias/orders" })).records,
      alias.records,
    );
    const failed = await trent.queryAudit({ error: "any" });
    assert.deepEqual(requestIds(failed.records), [disabledEncrypt]);
    assert.equal((failed.records[0] as { errorCode?: string }).errorCode, "DisabledException");
    const ok = await trent.queryAudit({
      operation: "Encrypt",
      caller: "arn:aws:iam::111122223333:root",
      since: new Date(Date.now() - 60_000),
    });
    assert.deepEqual(requestIds(ok.records), [disabledEncrypt, ...[...encrypts].reverse()]);
    assert.deepEqual(
      (await trent.queryAudit({ operation: "Encrypt", until: new Date(Date.now() - 3_600_000) }))
        .records,
      [],
    );
  });

  it("says why it cannot answer", async () => {
    await assert.rejects(
      trent.queryAudit({}, { nextToken: "garbage" }),
      (error) => error instanceof AuditQueryError,
    );
    const memory = await startTestTrent();
    try {
      await assert.rejects(
        memory.queryAudit({}),
        (error) =>
          error instanceof AuditQueryError &&
          error.message ===
            "no audit index: it needs an audit file and TRENT_AUDIT_INDEX other than none",
      );
    } finally {
      await memory.close();
    }
  });
});

describe("queryAudit on nodes sharing PostgreSQL", { skip: postgresSkipReason() }, () => {
  let database: TestPostgres;
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "trent-audit-shared-")));
  before(async () => {
    database = await startTestPostgres();
  });
  after(async () => {
    await database?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("answers from one trail, whichever node wrote the record", async () => {
    const databaseUrl = await database.createDatabase();
    const rootKey = new Uint8Array(32).fill(0x42);
    const nodes = await Promise.all(
      dirs.map((dataDir) => startTestTrent({ databaseUrl, rootKey, dataDir })),
    );
    try {
      const [a, b] = nodes as [TestTrent, TestTrent];
      const key = await a.client().send(new CreateKeyCommand({}));
      const keyId = key.KeyMetadata?.KeyId as string;
      const onB = await b
        .client()
        .send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("shared") }));
      await Promise.all(nodes.map((node) => node.auditOutputs.settled()));
      for (const node of nodes) {
        const page = await node.queryAudit({ key: keyId });
        // CloudTrail's eventTime has whole seconds, and two nodes index their records each on
        // its own schedule: records of one second from different nodes have no order to keep.
        assert.deepEqual(page.records.map((record) => record.eventName).sort(), [
          "CreateKey",
          "Encrypt",
        ]);
        const encrypt = page.records.find((record) => record.eventName === "Encrypt");
        assert.equal((encrypt as { requestID?: string }).requestID, onB.$metadata.requestId);
      }
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });
});
