/**
 * The audit trail through the real AWS SDK: one CloudTrail-shaped record per KMS request,
 * allowed or denied, checked field by field against AWS's CloudTrail examples for KMS; no
 * plaintext, data key or private key in the audit file or the database, in any encoding; and
 * GetKeyLastUsage answering from the uses the pipeline recorded; in sigv4 mode, the identity
 * that signed (IAM user, assumed role), denied requests, and requests that fail to authenticate.
 *
 * Every request runs first (with a fixed clock), then Trent closes, which flushes the audit
 * file; the tests read the file and the SQLite database afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  type GetKeyLastUsageCommandOutput,
  KMSClient,
  ReEncryptCommand,
} from "@aws-sdk/client-kms";
import type { CloudTrailRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { openSqliteStore } from "../../src/platform/store/sqlite.js";
import type { Store } from "../../src/platform/store/store.js";
import { rawKms, startTestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const now = new Date("2025-05-20T20:46:16.789Z");
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AwsError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

function requestIdOf(result: { $metadata: { requestId?: string } }): string {
  const id = result.$metadata.requestId;
  assert.ok(id);
  return id;
}

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => assert.fail("expected the request to fail"),
    (e: AwsError) => e,
  );
  return error;
}

/** What the scenario did, for the tests to check against the audit file afterwards. */
interface Scenario {
  /** Request ids of every request that named a KMS operation, in order. */
  requestIds: string[];
  /** Secrets that crossed the wire: plaintexts, data keys, private keys. */
  secrets: { label: string; bytes: Uint8Array }[];
  randomOk: string;
  randomInvalid: { requestId: string; message: string };
  notJson: string;
  unknownTarget: string;
  createKey: { requestId: string; keyId: string; arn: string };
  encrypt?: { requestId: string };
  describeMissing: { requestId: string; message: string };
  /** The last successful cryptographic request on the key. */
  lastCrypto?: { operation: string; requestId: string };
  usageBefore: GetKeyLastUsageCommandOutput;
  usageAfter: GetKeyLastUsageCommandOutput;
  usageByAlias: AwsError;
}

/** Runs a cryptographic call if Trent implements it yet, and notes it as the key's last use. */
async function crypto<T extends { $metadata: { requestId?: string } }>(
  scenario: Partial<Scenario>,
  operation: string,
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    const out = await send();
    scenario.requestIds?.push(requestIdOf(out));
    scenario.lastCrypto = { operation, requestId: requestIdOf(out) };
    return out;
  } catch (error) {
    const e = error as AwsError;
    if (e.name !== "UnsupportedOperationException") throw error;
    scenario.requestIds?.push(e.$metadata.requestId ?? "");
    return undefined;
  }
}

async function runScenario(client: KMSClient, url: string): Promise<Scenario> {
  const s: Partial<Scenario> & { requestIds: string[]; secrets: Scenario["secrets"] } = {
    requestIds: [],
    secrets: [],
  };
  const random = await client.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
  s.randomOk = requestIdOf(random);
  s.requestIds.push(s.randomOk);
  assert.ok(random.Plaintext);
  s.secrets.push({ label: "GenerateRandom plaintext", bytes: random.Plaintext });

  const invalid = await failure(client.send(new GenerateRandomCommand({ NumberOfBytes: 2000 })));
  s.randomInvalid = { requestId: invalid.$metadata.requestId ?? "", message: invalid.message };
  s.requestIds.push(s.randomInvalid.requestId);

  const notJson = await rawKms(url, "GenerateRandom", "{not json");
  assert.equal(notJson.body.__type, "SerializationException");
  s.notJson = notJson.headers.get("x-amzn-requestid") ?? "";
  s.requestIds.push(s.notJson);

  const unknown = await rawKms(url, "NoSuchOperation", "{}");
  assert.equal(unknown.body.__type, "UnknownOperationException");
  s.unknownTarget = unknown.headers.get("x-amzn-requestid") ?? "";

  const created = await client.send(
    new CreateKeyCommand({
      Description: "audited key",
      Tags: [{ TagKey: "Project", TagValue: "Alpha" }],
    }),
  );
  const keyId = created.KeyMetadata?.KeyId ?? "";
  s.createKey = { requestId: requestIdOf(created), keyId, arn: created.KeyMetadata?.Arn ?? "" };
  s.requestIds.push(s.createKey.requestId);

  s.usageBefore = await client.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
  s.requestIds.push(requestIdOf(s.usageBefore));

  const message = new TextEncoder().encode("the quick brown fox: a secret of the audit test");
  s.secrets.push({ label: "Encrypt plaintext", bytes: message });
  const context = { Project: "Alpha" };
  const encrypted = await crypto(s, "Encrypt", () =>
    client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: message, EncryptionContext: context }),
    ),
  );
  if (encrypted) {
    s.encrypt = { requestId: requestIdOf(encrypted) };
    const decrypted = await crypto(s, "Decrypt", () =>
      client.send(
        new DecryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          EncryptionContext: context,
        }),
      ),
    );
    if (decrypted?.Plaintext)
      s.secrets.push({ label: "Decrypt plaintext", bytes: decrypted.Plaintext });
  }
  const dataKey = await crypto(s, "GenerateDataKey", () =>
    client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" })),
  );
  if (dataKey?.Plaintext) s.secrets.push({ label: "data key", bytes: dataKey.Plaintext });
  await crypto(s, "GenerateDataKeyWithoutPlaintext", () =>
    client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 24 })),
  );
  for (const KeyPairSpec of ["ECC_NIST_P256", "RSA_2048"] as const) {
    const pair = await crypto(s, "GenerateDataKeyPair", () =>
      client.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec })),
    );
    if (pair?.PrivateKeyPlaintext)
      s.secrets.push({ label: `${KeyPairSpec} private key`, bytes: pair.PrivateKeyPlaintext });
  }
  await crypto(s, "GenerateDataKeyPairWithoutPlaintext", () =>
    client.send(
      new GenerateDataKeyPairWithoutPlaintextCommand({
        KeyId: keyId,
        KeyPairSpec: "ECC_NIST_P384",
      }),
    ),
  );
  if (encrypted)
    await crypto(s, "ReEncrypt", () =>
      client.send(
        new ReEncryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          SourceEncryptionContext: context,
          DestinationKeyId: keyId,
        }),
      ),
    );

  const missing = await failure(
    client.send(new DescribeKeyCommand({ KeyId: "0987dcba-09fe-87dc-65ba-ab0987654321" })),
  );
  s.describeMissing = { requestId: missing.$metadata.requestId ?? "", message: missing.message };
  s.requestIds.push(s.describeMissing.requestId);

  s.usageAfter = await client.send(new GetKeyLastUsageCommand({ KeyId: s.createKey.arn }));
  s.requestIds.push(requestIdOf(s.usageAfter));
  s.usageByAlias = await failure(
    client.send(new GetKeyLastUsageCommand({ KeyId: "alias/some-alias" })),
  );
  s.requestIds.push(s.usageByAlias.$metadata.requestId ?? "");
  return s as Scenario;
}

/** Every file in the data directory, for the secret scan: SQLite, its WAL, the audit file. */
function dataFiles(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isFile() && name !== "root.key")
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

describe("audit trail", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-"));
  let scenario: Scenario;
  let records: CloudTrailRecord[];
  let auditFileMode: number;
  const byRequest = (id: string): CloudTrailRecord => {
    const found = records.filter((r) => r.requestID === id);
    assert.equal(found.length, 1, `records for request ${id}`);
    return found[0]!;
  };

  before(async () => {
    const trent = await startTestTrent({ dataDir: dir }, { clock: { now: () => now } });
    try {
      scenario = await runScenario(trent.client(), trent.url);
    } finally {
      await trent.close();
    }
    const path = join(dir, "audit.jsonl");
    auditFileMode = statSync(path).mode & 0o777;
    records = readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as CloudTrailRecord);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes exactly one record per KMS request, and none for an unknown target", () => {
    assert.deepEqual(
      records.map((r) => r.requestID),
      scenario.requestIds,
    );
    assert.equal(new Set(records.map((r) => r.eventID)).size, records.length);
    assert.equal(
      records.some((r) => r.requestID === scenario.unknownTarget),
      false,
    );
    assert.equal(auditFileMode, 0o600);
  });

  it("records a successful GenerateRandom as CloudTrail does", () => {
    const record = byRequest(scenario.randomOk);
    const { userAgent, eventID, ...rest } = record;
    assert.match(userAgent, /aws-sdk-js/);
    assert.match(eventID, uuid);
    assert.deepEqual(rest, {
      eventVersion: "1.11",
      userIdentity: {
        type: "Root",
        principalId: account,
        arn: `arn:aws:iam::${account}:root`,
        accountId: account,
        accessKeyId: "AKIDTRENTTEST",
      },
      eventTime: "2025-05-20T20:46:16Z",
      eventSource: "kms.amazonaws.com",
      eventName: "GenerateRandom",
      awsRegion: region,
      sourceIPAddress: "127.0.0.1",
      requestParameters: { numberOfBytes: 32 },
      responseElements: null,
      requestID: scenario.randomOk,
      readOnly: true,
      resources: [],
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: "Management",
    });
  });

  it("records a rejected request with its error code and message", () => {
    const record = byRequest(scenario.randomInvalid.requestId);
    assert.equal(record.eventName, "GenerateRandom");
    assert.equal(record.errorCode, "ValidationException");
    assert.equal(record.errorMessage, scenario.randomInvalid.message);
    assert.deepEqual(record.requestParameters, { numberOfBytes: 2000 });
    assert.equal(record.responseElements, null);
    assert.deepEqual(record.resources, []);
    // errorCode and errorMessage sit after userAgent, as in CloudTrail's examples.
    const keys = Object.keys(record);
    assert.equal(keys.indexOf("errorCode"), keys.indexOf("userAgent") + 1);
    assert.equal(keys.indexOf("errorMessage"), keys.indexOf("userAgent") + 2);

    const notJson = byRequest(scenario.notJson);
    assert.equal(notJson.errorCode, "SerializationException");
    assert.equal(notJson.requestParameters, null);
    assert.equal(notJson.userIdentity.type, "Root");

    const missing = byRequest(scenario.describeMissing.requestId);
    assert.equal(missing.eventName, "DescribeKey");
    assert.equal(missing.errorCode, "NotFoundException");
    assert.equal(missing.errorMessage, scenario.describeMissing.message);
    assert.deepEqual(missing.requestParameters, { keyId: "0987dcba-09fe-87dc-65ba-ab0987654321" });
    assert.equal(missing.readOnly, true);
  });

  it("records CreateKey with its parameters, key metadata and resource", () => {
    const { keyId, arn, requestId } = scenario.createKey;
    const record = byRequest(requestId);
    assert.equal(record.eventName, "CreateKey");
    assert.equal(record.readOnly, false);
    assert.equal("errorCode" in record, false);
    assert.deepEqual(record.requestParameters, {
      description: "audited key",
      tags: [{ tagKey: "Project", tagValue: "Alpha" }],
    });
    const metadata = (record.responseElements as { keyMetadata: Record<string, unknown> })
      .keyMetadata;
    assert.equal(metadata.AWSAccountId, account);
    assert.equal(metadata.keyId, keyId);
    assert.equal(metadata.arn, arn);
    assert.equal(metadata.creationDate, "May 20, 2025, 8:46:16 PM");
    assert.equal(metadata.enabled, true);
    assert.equal(metadata.keyState, "Enabled");
    assert.equal(metadata.keySpec, "SYMMETRIC_DEFAULT");
    assert.deepEqual(metadata.encryptionAlgorithms, ["SYMMETRIC_DEFAULT"]);
    assert.deepEqual(record.resources, [{ accountId: account, type: "AWS::KMS::Key", ARN: arn }]);
  });

  it("records Encrypt with its context, key material id and no response", (t) => {
    if (!scenario.encrypt) return t.skip("Encrypt is not implemented yet");
    const record = byRequest(scenario.encrypt.requestId);
    assert.deepEqual(record.requestParameters, {
      keyId: scenario.createKey.keyId,
      encryptionContext: { Project: "Alpha" },
    });
    assert.equal(record.responseElements, null);
    assert.equal(record.readOnly, true);
    assert.match(record.additionalEventData?.keyMaterialId ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(record.resources, [
      { accountId: account, type: "AWS::KMS::Key", ARN: scenario.createKey.arn },
    ]);
  });

  it("never writes a plaintext, data key or private key to the audit file or the database", () => {
    const files = dataFiles(dir);
    assert.ok(files.some((f) => f.name === "audit.jsonl"));
    assert.ok(files.some((f) => f.name === "trent.sqlite"));
    assert.ok(scenario.secrets.length >= 2);
    for (const { label, bytes } of scenario.secrets) {
      const raw = Buffer.from(bytes);
      const forms = [
        raw,
        Buffer.from(raw.toString("base64")),
        Buffer.from(raw.toString("base64url")),
        Buffer.from(raw.toString("hex")),
        Buffer.from(raw.toString("hex").toUpperCase()),
      ];
      for (const file of files)
        for (const form of forms)
          assert.equal(file.bytes.indexOf(form), -1, `${label} found in ${file.name}`);
    }
  });

  it("answers GetKeyLastUsage for a key never used with an empty KeyLastUsage", () => {
    const usage = scenario.usageBefore;
    assert.equal(usage.KeyId, scenario.createKey.keyId);
    assert.deepEqual(usage.KeyLastUsage ?? {}, {});
    assert.deepEqual(usage.KeyCreationDate, now);
    assert.deepEqual(usage.TrackingStartDate, usage.KeyCreationDate);
  });

  it("answers GetKeyLastUsage with the last successful cryptographic request", (t) => {
    if (!scenario.lastCrypto) return t.skip("no cryptographic operation is implemented yet");
    const usage = scenario.usageAfter;
    assert.equal(usage.KeyId, scenario.createKey.keyId);
    const expected = byRequest(scenario.lastCrypto.requestId);
    assert.deepEqual(usage.KeyLastUsage, {
      Operation: scenario.lastCrypto.operation,
      Timestamp: now,
      CloudTrailEventId: expected.eventID,
      KmsRequestId: scenario.lastCrypto.requestId,
    });
    assert.deepEqual(usage.TrackingStartDate, usage.KeyCreationDate);
  });

  it("refuses an alias in GetKeyLastUsage, as the API reference says", () => {
    assert.equal(scenario.usageByAlias.name, "NotFoundException");
    assert.equal(scenario.usageByAlias.$metadata.httpStatusCode, 400);
    assert.equal(scenario.usageByAlias.message, "Invalid keyId 'alias/some-alias'");
  });
});

describe("audit trail on unexpected failures", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-internal-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("records an internal error and writes to a configured file with an in-memory store", async () => {
    const inner = await openSqliteStore(":memory:");
    const broken: Store = Object.assign(Object.create(inner) as Store, {
      keys: Object.assign(Object.create(inner.keys), {
        get: () => Promise.reject(new Error("disk on fire")),
      }),
    });
    const path = join(dir, "kms-audit.jsonl");
    const trent = await startTestTrent(
      { dataDir: ":memory:", auditFile: path },
      { store: broken, clock: { now: () => now } },
    );
    let requestId = "";
    try {
      const error = await failure(
        trent
          .client()
          .send(new DescribeKeyCommand({ KeyId: "0987dcba-09fe-87dc-65ba-ab0987654321" })),
      );
      assert.equal(error.name, "KMSInternalException");
      requestId = error.$metadata.requestId ?? "";
    } finally {
      await trent.close();
    }
    const lines = readFileSync(path, "utf8").trim().split("\n");
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!) as CloudTrailRecord;
    assert.equal(record.requestID, requestId);
    assert.equal(record.errorCode, "KMSInternalException");
    assert.equal(record.errorMessage, `An internal error occurred (request ${requestId}).`);
    assert.doesNotMatch(lines[0]!, /disk on fire/);
  });
});

describe("audit trail with sigv4 identities", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-sigv4-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const admin = {
    accessKeyId: "AKIAAUDITADMIN000001",
    secretAccessKey: "audit-admin-secret-0001",
    arn: `arn:aws:iam::${account}:user/ops/admin`,
  };
  const bob = {
    accessKeyId: "AKIAAUDITBOB00000001",
    secretAccessKey: "audit-bob-secret-00001",
    arn: `arn:aws:iam::${account}:user/bob`,
  };
  const deployer = {
    accessKeyId: "ASIAAUDITDEPLOYER001",
    secretAccessKey: "audit-deployer-secret-01",
    sessionToken: "FwoGZXIvYXdzEXAMPLE//audit+session=",
    arn: `arn:aws:sts::${account}:assumed-role/deployer/ci-run-7`,
  };
  const credentialsYaml = `identities:
  - accessKeyId: ${admin.accessKeyId}
    secretAccessKey: "${admin.secretAccessKey}"
    accountId: "${account}"
    arn: ${admin.arn}
  - accessKeyId: ${bob.accessKeyId}
    secretAccessKey: "${bob.secretAccessKey}"
    accountId: "${account}"
    arn: ${bob.arn}
    policies: []
  - accessKeyId: ${deployer.accessKeyId}
    secretAccessKey: "${deployer.secretAccessKey}"
    sessionToken: "${deployer.sessionToken}"
    accountId: "${account}"
    arn: ${deployer.arn}
`;

  it("names the signing identity, and records denied and unauthenticated requests", async () => {
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(credentialsFile, credentialsYaml, { mode: 0o600 });
    const trent = await startTestTrent({ dataDir: dir, authMode: "sigv4", credentialsFile });
    const clients: KMSClient[] = [];
    const as = (credentials: { accessKeyId: string; secretAccessKey: string }, r = region) => {
      const client = new KMSClient({ endpoint: trent.url, region: r, credentials, maxAttempts: 1 });
      clients.push(client);
      return client;
    };
    let created: { requestId: string; arn: string };
    let deniedRequest: AwsError;
    let forgedRequest: AwsError;
    let roleRequest: string;
    try {
      const out = await as(admin).send(new CreateKeyCommand({}));
      created = { requestId: requestIdOf(out), arn: out.KeyMetadata?.Arn ?? "" };
      deniedRequest = await failure(
        as(bob).send(new EncryptCommand({ KeyId: created.arn, Plaintext: new Uint8Array(8) })),
      );
      forgedRequest = await failure(
        as({ accessKeyId: admin.accessKeyId, secretAccessKey: "not-the-secret" }).send(
          new GenerateRandomCommand({ NumberOfBytes: 8 }),
        ),
      );
      roleRequest = requestIdOf(
        await as(deployer, "eu-west-1").send(new GenerateRandomCommand({ NumberOfBytes: 8 })),
      );
    } finally {
      for (const client of clients) client.destroy();
      await trent.close();
    }
    const records = readFileSync(join(dir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as CloudTrailRecord);
    const byRequest = (id: string | undefined) => {
      const found = records.filter((r) => r.requestID === id);
      assert.equal(found.length, 1, `records for request ${id}`);
      return found[0]!;
    };

    const create = byRequest(created.requestId);
    assert.deepEqual(create.userIdentity, {
      type: "IAMUser",
      principalId: "admin",
      arn: admin.arn,
      accountId: account,
      accessKeyId: admin.accessKeyId,
      userName: "admin",
    });
    assert.match(create.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    assert.equal(deniedRequest.name, "AccessDeniedException");
    const denied = byRequest(deniedRequest.$metadata.requestId);
    assert.equal(denied.eventName, "Encrypt");
    assert.equal(denied.userIdentity.arn, bob.arn);
    assert.equal(denied.errorCode, "AccessDeniedException");
    assert.equal(denied.errorMessage, deniedRequest.message);
    assert.deepEqual(denied.requestParameters, { keyId: created.arn });
    assert.deepEqual(denied.resources, [
      { accountId: account, type: "AWS::KMS::Key", ARN: created.arn },
    ]);

    // A request whose signature does not verify has no identity to name.
    const forged = byRequest(forgedRequest.$metadata.requestId);
    assert.equal(forged.errorCode, forgedRequest.name);
    assert.deepEqual(forged.userIdentity, { type: "Unknown" });
    assert.equal(forged.recipientAccountId, account);

    const role = byRequest(roleRequest);
    assert.equal(role.awsRegion, "eu-west-1");
    assert.deepEqual(role.userIdentity, {
      type: "AssumedRole",
      principalId: "deployer:ci-run-7",
      arn: deployer.arn,
      accountId: account,
      accessKeyId: deployer.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "deployer",
          arn: `arn:aws:iam::${account}:role/deployer`,
          accountId: account,
          userName: "deployer",
        },
      },
    });
  });
});
