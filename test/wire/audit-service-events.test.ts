/**
 * What the clock does is audited as CloudTrail audits it for AWS KMS: the deletion sweep writes
 * a DeleteKey service event per key whose waiting period ended, automatic rotation a RotateKey
 * event per rotated key, the expiry of imported key material a DeleteExpiredKeyMaterial event.
 * Keys are set up through the real SDK, the injected clock moves past every date, and the
 * audit file is read while Trent still runs: a sweep resolves only after its records were
 * written. A second sweep, with nothing left to do, writes nothing.
 */
import assert from "node:assert/strict";
import { constants, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import type { AuditRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const day = 24 * 60 * 60 * 1000;
const start = new Date("2025-06-01T00:00:00.000Z");
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function createKey(kms: KMSClient, input: CreateKeyCommandInput = {}) {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
  assert.ok(KeyMetadata?.KeyId && KeyMetadata.Arn);
  return { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn };
}

async function currentMaterial(kms: KMSClient, keyId: string): Promise<string | undefined> {
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
    ?.CurrentKeyMaterialId;
}

/** GetParametersForImport, RSAES-OAEP-SHA-256 wrap, ImportKeyMaterial that expires at validTo. */
async function importExpiring(kms: KMSClient, keyId: string, validTo: Date): Promise<string> {
  const params = await kms.send(
    new GetParametersForImportCommand({
      KeyId: keyId,
      WrappingAlgorithm: "RSAES_OAEP_SHA_256",
      WrappingKeySpec: "RSA_2048",
    }),
  );
  const publicKey = createPublicKey({
    key: Buffer.from(params.PublicKey!),
    format: "der",
    type: "spki",
  });
  const wrapped = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    randomBytes(32),
  );
  const imported = await kms.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapped,
      ExpirationModel: "KEY_MATERIAL_EXPIRES",
      ValidTo: validTo,
    }),
  );
  assert.ok(imported.KeyMaterialId);
  return imported.KeyMaterialId;
}

describe("audit of clock-driven work", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-events-"));
  const auditFile = join(dir, "audit.jsonl");
  let now = start.getTime();
  let trent: TestTrent;
  let kms: KMSClient;
  const readRecords = () =>
    readFileSync(auditFile, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as AuditRecord);

  before(async () => {
    trent = await startTestTrent({ dataDir: dir }, { clock: { now: () => new Date(now) } });
    kms = trent.client();
  });
  after(async () => {
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes one service event per key each sweep changed, as CloudTrail shows them", async () => {
    const deleted = await createKey(kms, { Description: "waiting period ends" });
    await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: deleted.keyId, PendingWindowInDays: 7 }),
    );
    const cancelled = await createKey(kms, { Description: "deletion cancelled" });
    await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: cancelled.keyId, PendingWindowInDays: 7 }),
    );
    await kms.send(new CancelKeyDeletionCommand({ KeyId: cancelled.keyId }));
    const rotated = await createKey(kms, { Description: "rotates every 90 days" });
    await kms.send(
      new EnableKeyRotationCommand({ KeyId: rotated.keyId, RotationPeriodInDays: 90 }),
    );
    const firstMaterial = await currentMaterial(kms, rotated.keyId);
    const imported = await createKey(kms, { Origin: "EXTERNAL" });
    const importedMaterial = await importExpiring(kms, imported.keyId, new Date(now + day));
    const requestRecords = readRecords().length;

    now += 91 * day;
    assert.equal(await trent.sweepDeletions(), 1);
    assert.equal(await trent.sweepKeyMaterial(), 2);
    const events = readRecords().slice(requestRecords);
    assert.equal(events.length, 3, "one record per changed key, written before the sweep ended");
    const secondMaterial = await currentMaterial(kms, rotated.keyId);
    assert.ok(secondMaterial && secondMaterial !== firstMaterial);
    for (const event of events) assert.match(event.eventID, uuid);
    assert.equal(new Set(events.map((e) => e.eventID)).size, 3);
    const common = (arn: string) => ({
      eventVersion: "1.11",
      userIdentity: { accountId: account, invokedBy: "AWS Internal" },
      eventTime: "2025-08-31T00:00:00Z",
      eventSource: "kms.amazonaws.com",
      awsRegion: region,
      sourceIPAddress: "AWS Internal",
      userAgent: "AWS Internal",
      requestParameters: null,
      readOnly: false,
      resources: [{ accountId: account, type: "AWS::KMS::Key", ARN: arn }],
      eventType: "AwsServiceEvent",
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: "Management",
    });
    const [deleteKey, rotateKey, expiry] = events.map(({ eventID, ...rest }) => rest);
    assert.deepEqual(deleteKey, {
      ...common(deleted.arn),
      eventName: "DeleteKey",
      responseElements: { keyId: deleted.arn },
    });
    assert.deepEqual(rotateKey, {
      ...common(rotated.arn),
      eventName: "RotateKey",
      responseElements: null,
      serviceEventDetails: {
        rotationType: "AUTOMATIC",
        keyOrigin: "AWS_KMS",
        previousKeyMaterialId: firstMaterial,
        currentKeyMaterialId: secondMaterial,
        keyId: rotated.keyId,
      },
    });
    assert.deepEqual(expiry, {
      ...common(imported.arn),
      eventName: "DeleteExpiredKeyMaterial",
      responseElements: null,
      serviceEventDetails: { keyId: imported.keyId, keyMaterialId: importedMaterial },
    });

    assert.equal(await trent.sweepDeletions(), 0);
    assert.equal(await trent.sweepKeyMaterial(), 0);
    // The DescribeKey above and the sweeps' nothing: no new service event.
    assert.equal(readRecords().length, requestRecords + 4);
  });
});
