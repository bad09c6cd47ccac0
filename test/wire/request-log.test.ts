/**
 * The request log, read as an operator reads it: Trent in sigv4 mode logging JSON lines through
 * its real structured logger (pino) into memory, driven by the real SDK through the operations
 * that move secrets. Every HTTP request, KMS or not, refused by Node's parser or not, writes
 * exactly one line with its request id, route, operation, status, error type, latency and
 * caller; no plaintext, data key, private key, grant token, secret access key or session
 * token appears anywhere in the log, raw, base64 or hex. An unexpected error is logged once,
 * with its stack and request id.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateRandomCommand,
  KMSClient,
  ReEncryptCommand,
} from "@aws-sdk/client-kms";
import { createSystemRandom } from "../../src/platform/crypto/random.js";
import { createStructuredLogger, memoryLogStream } from "../../src/platform/log/pino-logger.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";

const admin = {
  accessKeyId: "AKIALOGADMIN00000001",
  secretAccessKey: "log-admin-secret-do-not-print-01",
  arn: `arn:aws:iam::${account}:user/ops/admin`,
};
const bob = {
  accessKeyId: "AKIALOGBOB0000000001",
  secretAccessKey: "log-bob-secret-do-not-print-0001",
  arn: `arn:aws:iam::${account}:user/bob`,
};
const deployer = {
  accessKeyId: "ASIALOGDEPLOYER00001",
  secretAccessKey: "log-deployer-secret-do-not-print",
  sessionToken: "FwoGZXIvYXdzLOGTEST//session+token=",
  arn: `arn:aws:sts::${account}:assumed-role/deployer/ci-run-9`,
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

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly requestId?: string;
  readonly route?: string;
  readonly operation?: string;
  readonly status?: number;
  readonly errorType?: string;
  readonly latencyMs?: number;
  readonly callerArn?: string;
  readonly err?: { readonly stack?: string };
}

function parse(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as LogLine);
}

function requestIdOf(result: { $metadata: { requestId?: string } }): string {
  assert.ok(result.$metadata.requestId);
  return result.$metadata.requestId;
}

async function failure(promise: Promise<unknown>): Promise<{
  name: string;
  $metadata: { requestId?: string };
}> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; $metadata: { requestId?: string } };
  }
  assert.fail("the request succeeded");
}

/** Sends raw bytes on a new connection and resolves with everything Trent answers. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("the request log", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-request-log-"));
  const stream = memoryLogStream();
  const secrets: { label: string; bytes: Uint8Array }[] = [];
  /** Request ids of every request made, with the route, operation and status expected. */
  const made: { requestId: string; route: string; operation?: string; status: number }[] = [];
  let trent: TestTrent;
  let lines: LogLine[];

  before(async () => {
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(credentialsFile, credentialsYaml, { mode: 0o600 });
    trent = await startTestTrent(
      { dataDir: dir, authMode: "sigv4", credentialsFile },
      { log: createStructuredLogger({ level: "info", destination: stream, pretty: false }) },
    );
    const clients: KMSClient[] = [];
    const as = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
      const client = new KMSClient({ endpoint: trent.url, region, credentials, maxAttempts: 1 });
      clients.push(client);
      return client;
    };
    const kms = as(admin);
    const ok = <T extends { $metadata: { requestId?: string } }>(operation: string, out: T) => {
      made.push({ requestId: requestIdOf(out), route: "kms", operation, status: 200 });
      return out;
    };
    try {
      const key = ok("CreateKey", await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const plaintext = new TextEncoder().encode("request log secret: the launch codes 0000");
      secrets.push({ label: "Encrypt plaintext", bytes: plaintext });
      const encrypted = ok(
        "Encrypt",
        await kms.send(
          new EncryptCommand({
            KeyId: key.Arn,
            Plaintext: plaintext,
            EncryptionContext: { app: "log" },
          }),
        ),
      );
      const decrypted = ok(
        "Decrypt",
        await kms.send(
          new DecryptCommand({
            CiphertextBlob: encrypted.CiphertextBlob,
            EncryptionContext: { app: "log" },
          }),
        ),
      );
      secrets.push({ label: "Decrypt plaintext", bytes: decrypted.Plaintext! });
      const dataKey = ok(
        "GenerateDataKey",
        await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: "AES_256" })),
      );
      secrets.push({ label: "data key", bytes: dataKey.Plaintext! });
      for (const KeyPairSpec of ["ECC_NIST_P256", "RSA_2048"] as const) {
        const pair = ok(
          "GenerateDataKeyPair",
          await kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec })),
        );
        secrets.push({ label: `${KeyPairSpec} private key`, bytes: pair.PrivateKeyPlaintext! });
      }
      ok(
        "GenerateDataKeyPairWithoutPlaintext",
        await kms.send(
          new GenerateDataKeyPairWithoutPlaintextCommand({
            KeyId: key.KeyId,
            KeyPairSpec: "ECC_NIST_P384",
          }),
        ),
      );
      ok(
        "ReEncrypt",
        await kms.send(
          new ReEncryptCommand({
            CiphertextBlob: encrypted.CiphertextBlob,
            SourceEncryptionContext: { app: "log" },
            DestinationKeyId: key.KeyId,
          }),
        ),
      );
      const grant = ok(
        "CreateGrant",
        await kms.send(
          new CreateGrantCommand({
            KeyId: key.Arn,
            GranteePrincipal: bob.arn,
            Operations: ["Encrypt", "CreateGrant"],
          }),
        ),
      );
      const grantToken = grant.GrantToken!;
      secrets.push({ label: "grant token", bytes: new TextEncoder().encode(grantToken) });
      const bobPlaintext = new TextEncoder().encode("bob's secret under a grant token");
      secrets.push({ label: "grant-token Encrypt plaintext", bytes: bobPlaintext });
      const byGrant = await as(bob).send(
        new EncryptCommand({ KeyId: key.Arn, Plaintext: bobPlaintext, GrantTokens: [grantToken] }),
      );
      made.push({
        requestId: requestIdOf(byGrant),
        route: "kms",
        operation: "Encrypt",
        status: 200,
      });
      // A grant made by bob through his own grant's token: CreateGrant carrying a grant token,
      // answering with another one.
      const subGrant = await as(bob).send(
        new CreateGrantCommand({
          KeyId: key.Arn,
          GranteePrincipal: bob.arn,
          Operations: ["Encrypt"],
          GrantTokens: [grantToken],
        }),
      );
      made.push({
        requestId: requestIdOf(subGrant),
        route: "kms",
        operation: "CreateGrant",
        status: 200,
      });
      secrets.push({
        label: "second grant token",
        bytes: new TextEncoder().encode(subGrant.GrantToken!),
      });
      const denied = await failure(
        as(bob).send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
      );
      assert.equal(denied.name, "AccessDeniedException");
      made.push({
        requestId: denied.$metadata.requestId!,
        route: "kms",
        operation: "Decrypt",
        status: 400,
      });
      const session = new KMSClient({
        endpoint: trent.url,
        region,
        credentials: deployer,
        maxAttempts: 1,
      });
      clients.push(session);
      const random = ok(
        "GenerateRandom",
        await session.send(new GenerateRandomCommand({ NumberOfBytes: 32 })),
      );
      secrets.push({ label: "random bytes", bytes: random.Plaintext! });
      const forged = await failure(
        as({ accessKeyId: admin.accessKeyId, secretAccessKey: "not-the-secret" }).send(
          new GenerateRandomCommand({ NumberOfBytes: 8 }),
        ),
      );
      assert.equal(forged.name, "InvalidSignatureException");
      made.push({
        requestId: forged.$metadata.requestId!,
        route: "kms",
        operation: "GenerateRandom",
        status: 400,
      });
      for (const [path, route, status] of [
        ["/health", "health", 200],
        ["/ready", "ready", 200],
        ["/metrics", "metrics", 200],
        ["/no/such/path?token=query-secret", "unknown", 404],
      ] as const) {
        const res = await fetch(`${trent.url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, status);
        made.push({ requestId: res.headers.get("x-amzn-requestid")!, route, status });
      }
      const unknownTarget = await rawKms(trent.url, "NoSuchOperation", "{}");
      made.push({
        requestId: unknownTarget.headers.get("x-amzn-requestid")!,
        route: "kms",
        status: 400,
      });
      const garbage = await rawExchange(trent.url, "NOT HTTP AT ALL\r\n\r\n");
      const refusedId = /x-amzn-requestid: (\S+)/.exec(garbage)?.[1];
      assert.ok(refusedId, garbage);
      made.push({ requestId: refusedId, route: "refused", status: 400 });
    } finally {
      for (const client of clients) client.destroy();
      await trent.close();
    }
    secrets.push(
      ...[admin.secretAccessKey, bob.secretAccessKey, deployer.secretAccessKey].map((s, i) => ({
        label: `secret access key ${i + 1}`,
        bytes: new TextEncoder().encode(s),
      })),
      { label: "session token", bytes: new TextEncoder().encode(deployer.sessionToken) },
    );
    lines = parse(stream.text());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes exactly one line per request, with what an operator needs", () => {
    const requestLines = lines.filter((line) => line.route !== undefined);
    assert.equal(requestLines.length, made.length, stream.text());
    for (const request of made) {
      const found = requestLines.filter((line) => line.requestId === request.requestId);
      assert.equal(found.length, 1, `one line for ${request.requestId}`);
      const line = found[0]!;
      assert.equal(line.level, "info");
      assert.equal(line.route, request.route);
      assert.equal(line.operation, request.operation);
      assert.equal(line.status, request.status);
      assert.equal(typeof line.latencyMs, "number");
    }
    const byGrant = requestLines.find(
      (line) => line.operation === "Encrypt" && line.callerArn === bob.arn,
    );
    assert.ok(byGrant, "the grant-token Encrypt names bob");
    const denied = requestLines.find((line) => line.errorType === "AccessDeniedException");
    assert.equal(denied?.callerArn, bob.arn);
    assert.equal(denied?.operation, "Decrypt");
    const session = requestLines.find((line) => line.operation === "GenerateRandom");
    assert.equal(session?.callerArn, deployer.arn);
    const forged = requestLines.find((line) => line.errorType === "InvalidSignatureException");
    assert.equal(forged?.callerArn, undefined);
    const refused = requestLines.find((line) => line.route === "refused");
    assert.equal(refused?.errorType, "BadRequestException");
    const created = requestLines.find((line) => line.operation === "CreateKey");
    assert.equal(created?.msg, "CreateKey 200");
    assert.equal(created?.callerArn, admin.arn);
  });

  it("holds no plaintext, data key, private key, grant token, secret key or session token", () => {
    const text = Buffer.from(stream.text());
    assert.ok(secrets.length >= 10);
    for (const { label, bytes } of secrets) {
      const raw = Buffer.from(bytes);
      for (const form of [
        raw,
        Buffer.from(raw.toString("base64")),
        Buffer.from(raw.toString("base64url")),
        Buffer.from(raw.toString("hex")),
        Buffer.from(raw.toString("hex").toUpperCase()),
      ])
        assert.equal(text.indexOf(form), -1, `${label} found in the log`);
    }
    assert.doesNotMatch(stream.text(), /query-secret/);
  });
});

describe("an unexpected error", () => {
  it("is logged once, with its stack and the request id the client got", async () => {
    const stream = memoryLogStream();
    const failingRandom = {
      uuid: createSystemRandom().uuid,
      bytes: (): Uint8Array => {
        throw new Error("entropy source failed");
      },
    };
    const trent = await startTestTrent(
      {},
      {
        log: createStructuredLogger({ level: "info", destination: stream, pretty: false }),
        random: failingRandom,
      },
    );
    let requestId: string | null;
    try {
      const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":16}');
      assert.equal(res.status, 500);
      requestId = res.headers.get("x-amzn-requestid");
    } finally {
      await trent.close();
    }
    const lines = parse(stream.text());
    const errors = lines.filter((line) => line.level === "error");
    assert.equal(errors.length, 1, stream.text());
    assert.equal(errors[0]?.requestId, requestId);
    assert.match(errors[0]?.err?.stack ?? "", /entropy source failed\n\s+at /);
    const request = lines.filter((line) => line.requestId === requestId && line.route === "kms");
    assert.equal(request.length, 1);
    assert.equal(request[0]?.errorType, "KMSInternalException");
    assert.equal(request[0]?.status, 500);
    assert.equal(request[0]?.err, undefined, "the request line carries no stack");
  });
});

describe("log levels", () => {
  it("writes no request lines at warn", async () => {
    const stream = memoryLogStream();
    const trent = await startTestTrent(
      {},
      { log: createStructuredLogger({ level: "warn", destination: stream, pretty: false }) },
    );
    try {
      await trent.client().send(new GenerateRandomCommand({ NumberOfBytes: 8 }));
    } finally {
      await trent.close();
    }
    assert.equal(stream.text(), "");
  });
});
