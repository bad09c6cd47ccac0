import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditTrail } from "../../src/platform/audit/audit-trail.js";
import type { AuditRecord, RequestOutcome } from "../../src/platform/audit/cloudtrail-record.js";
import type { AuditSink } from "../../src/platform/audit/sinks.js";
import { openSqliteStore } from "../../src/platform/store/sqlite.js";
import type { Store } from "../../src/platform/store/store.js";
import type { OperationName } from "../../src/vocabulary/model.generated.js";

const keyA = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab";
const keyB = "arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab";
const aliasArn = "arn:aws:kms:us-east-1:111122223333:alias/app";

class MemorySink implements AuditSink {
  readonly records: AuditRecord[] = [];
  closed = false;
  async write(record: AuditRecord): Promise<void> {
    this.records.push(record);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function outcome(
  operation: OperationName,
  id: string,
  time: string,
  resources: string[],
  error?: string,
): RequestOutcome {
  return {
    operation,
    requestId: `r-${id}`,
    eventId: `e-${id}`,
    time: new Date(time),
    caller: undefined,
    sourceIp: "127.0.0.1",
    userAgent: "",
    input: {},
    output: undefined,
    error: error === undefined ? undefined : { type: error, message: error },
    notes: { resources },
  };
}

/** Counts the store's transactions, to see how often uses are written. */
function counting(store: Store): { store: Store; transactions: () => number } {
  let count = 0;
  const wrapped: Store = Object.assign(Object.create(store) as Store, {
    transaction: <T>(work: (s: Store) => Promise<T>) => {
      count += 1;
      return store.transaction(work);
    },
  });
  return { store: wrapped, transactions: () => count };
}

describe("audit trail service", () => {
  it("writes a record for every request and each key's latest use in one batch", async () => {
    const inner = await openSqliteStore(":memory:");
    const { store, transactions } = counting(inner);
    const sink = new MemorySink();
    const trail = new AuditTrail({
      sink,
      store,
      defaults: { accountId: "111122223333", region: "us-east-1" },
      log: () => {},
      usageFlushMs: 60_000,
    });
    try {
      await trail.record(outcome("Encrypt", "1", "2025-01-01T00:00:01Z", [keyA]));
      await trail.record(outcome("Decrypt", "2", "2025-01-01T00:00:03Z", [keyA, keyA]));
      // Finished later but started earlier: it must not replace the later use.
      await trail.record(outcome("Encrypt", "3", "2025-01-01T00:00:02Z", [keyA]));
      await trail.record(outcome("ReEncrypt", "4", "2025-01-01T00:00:02Z", [keyB, aliasArn]));
      // Failures and operations GetKeyLastUsage does not report leave no use behind.
      await trail.record(outcome("Sign", "5", "2025-01-01T00:00:09Z", [keyB], "DisabledException"));
      await trail.record(outcome("DescribeKey", "6", "2025-01-01T00:00:09Z", [keyB]));
      assert.equal(sink.records.length, 6);
      assert.equal(await inner.lastUsage.get(keyA), undefined, "nothing written before a flush");

      await trail.flushKeyUses();
      assert.equal(transactions(), 1);
      assert.deepEqual((await inner.lastUsage.get(keyA))?.lastUse, {
        operation: "Decrypt",
        timestamp: new Date("2025-01-01T00:00:03Z"),
        eventId: "e-2",
        requestId: "r-2",
      });
      assert.equal((await inner.lastUsage.get(keyB))?.lastUse?.operation, "ReEncrypt");
      assert.equal(await inner.lastUsage.get(aliasArn), undefined);

      await trail.flushKeyUses();
      assert.equal(transactions(), 1, "nothing pending, nothing written");
    } finally {
      await trail.close();
      await inner.close();
    }
    assert.equal(sink.closed, true);
  });

  it("writes pending uses on its own after the interval, and on close", async () => {
    const inner = await openSqliteStore(":memory:");
    const sink = new MemorySink();
    const trail = new AuditTrail({
      sink,
      store: inner,
      defaults: { accountId: "111122223333", region: "us-east-1" },
      log: () => {},
      usageFlushMs: 5,
    });
    try {
      await trail.record(outcome("GenerateMac", "1", "2025-01-01T00:00:01Z", [keyA]));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await inner.lastUsage.get(keyA))?.lastUse?.operation, "GenerateMac");
      await trail.record(outcome("VerifyMac", "2", "2025-01-01T00:00:02Z", [keyA]));
    } finally {
      await trail.close();
    }
    assert.equal((await inner.lastUsage.get(keyA))?.lastUse?.operation, "VerifyMac");
    await inner.close();
  });

  it("resolves a request's recording only when the sink has written its record", async () => {
    const inner = await openSqliteStore(":memory:");
    let finishWrite: (() => void) | undefined;
    const sink: AuditSink = {
      write: () =>
        new Promise<void>((resolve) => {
          finishWrite = resolve;
        }),
      close: async () => {},
    };
    const trail = new AuditTrail({
      sink,
      store: inner,
      defaults: { accountId: "111122223333", region: "us-east-1" },
      log: () => {},
    });
    let recorded = false;
    const recording = trail
      .record(outcome("Encrypt", "1", "2025-01-01T00:00:01Z", [keyA]))
      .then(() => {
        recorded = true;
      });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(recorded, false);
    finishWrite?.();
    await recording;
    assert.equal(recorded, true);
    await trail.close();
    await inner.close();
  });

  it("logs a store failure instead of failing the request", async () => {
    const inner = await openSqliteStore(":memory:");
    const broken: Store = Object.assign(Object.create(inner) as Store, {
      transaction: () => Promise.reject(new Error("database is locked")),
    });
    const messages: string[] = [];
    const trail = new AuditTrail({
      sink: new MemorySink(),
      store: broken,
      defaults: { accountId: "111122223333", region: "us-east-1" },
      log: (message) => messages.push(message),
    });
    await trail.record(outcome("Encrypt", "1", "2025-01-01T00:00:01Z", [keyA]));
    await trail.close();
    await inner.close();
    assert.deepEqual(messages, ["last use of 1 key(s) not recorded: Error: database is locked"]);
  });
});
