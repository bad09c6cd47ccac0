/**
 * The core's in-process entry without HTTP: kms.call validates with AWS's wording, authorizes
 * (a caller of another account is denied), runs the operation, writes the audit record before
 * it resolves, tells its observers, and rejects with KmsErrors only. kms.refuse records a
 * request a front door could not put to the core.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CallOutcome, createKmsCore, type KmsCore } from "../../src/core/kms.js";
import { accountRootArn } from "../../src/vocabulary/arns.js";
import { KmsError } from "../../src/vocabulary/kms-errors.js";
import type { Caller } from "../../src/vocabulary/request.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

function rootOf(accountId: string): Caller {
  return {
    accountId,
    region: "us-east-1",
    principalArn: accountRootArn("us-east-1", accountId),
    accessKeyId: undefined,
    temporaryCredentials: false,
    identityPolicies: "administrator",
    sourceIp: "192.0.2.1",
    userAgent: "in-process test",
  };
}

const owner = rootOf("111122223333");
const stranger = rootOf("444455556666");
let sequence = 0;
const facts = () => ({
  requestId: `core-test-${++sequence}`,
  sourceIp: "192.0.2.1",
  userAgent: "in-process test",
});

async function rejection(call: Promise<unknown>): Promise<KmsError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof KmsError, `rejected with ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded but an error was expected");
}

describe("the core's entry, in-process", () => {
  let dir: string;
  let auditFile: string;
  let trent: TestTrent;
  let kms: KmsCore;
  const outcomes: CallOutcome[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trent-core-"));
    auditFile = join(dir, "audit.jsonl");
    trent = await startTestTrent({ auditFile });
    kms = createKmsCore(trent.services, {
      log: () => {},
      observers: [(outcome) => outcomes.push(outcome)],
    });
  });
  after(async () => {
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditRecords = () =>
    readFileSync(auditFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("runs operations and writes each audit record before resolving", async () => {
    const created = await kms.call("CreateKey", { Description: "in-process" }, owner, facts());
    const keyId = created.KeyMetadata?.KeyId;
    assert.ok(keyId);
    assert.equal(created.KeyMetadata?.Description, "in-process");
    const plaintext = new TextEncoder().encode("no HTTP in between");
    const encrypted = await kms.call(
      "Encrypt",
      { KeyId: keyId, Plaintext: plaintext, EncryptionContext: { purpose: "test" } },
      owner,
      facts(),
    );
    const decrypted = await kms.call(
      "Decrypt",
      { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: "test" } },
      owner,
      facts(),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);
    assert.equal(decrypted.KeyId, created.KeyMetadata?.Arn);

    const last = auditRecords().at(-1);
    assert.equal(last?.eventName, "Decrypt");
    assert.equal(last?.requestID, `core-test-${sequence}`);
    assert.equal(last?.sourceIPAddress, "192.0.2.1");
    assert.deepEqual(
      outcomes.slice(-3).map((o) => [o.operation, o.error?.type]),
      [
        ["CreateKey", undefined],
        ["Encrypt", undefined],
        ["Decrypt", undefined],
      ],
    );
  });

  it("answers validation failures in AWS's wording, and denies another account", async () => {
    const invalid = await rejection(
      kms.call("GenerateRandom", { NumberOfBytes: 0 }, owner, facts()),
    );
    assert.equal(invalid.type, "ValidationException");
    assert.equal(
      invalid.message,
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );

    const { KeyMetadata } = await kms.call("CreateKey", {}, owner, facts());
    const denied = await rejection(
      kms.call("DescribeKey", { KeyId: KeyMetadata?.Arn ?? "" }, stranger, facts()),
    );
    assert.equal(denied.type, "AccessDeniedException");
    assert.equal(denied.status, 400);
    const record = auditRecords().at(-1);
    assert.equal(record?.eventName, "DescribeKey");
    assert.equal(record?.errorCode, "AccessDeniedException");
    assert.equal(outcomes.at(-1)?.error?.type, "AccessDeniedException");
  });

  it("records what a front door refused, and returns the error to answer with", async () => {
    const refused = await kms.refuse(
      "ListKeys",
      new KmsError("SerializationException", "Request body is not valid JSON"),
      facts(),
    );
    assert.equal(refused.type, "SerializationException");
    const record = auditRecords().at(-1);
    assert.equal(record?.eventName, "ListKeys");
    assert.equal(record?.errorCode, "SerializationException");

    // Anything but a KmsError is an internal error, without its text on the wire.
    const internal = await kms.refuse("ListKeys", new Error("disk on fire"), facts());
    assert.equal(internal.type, "KMSInternalException");
    assert.doesNotMatch(internal.message, /disk on fire/);
  });
});
