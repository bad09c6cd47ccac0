/**
 * The embedding API, `startTrent(options)` from the package's entry (src/index.ts), driven the
 * way a test suite uses it: the real AWS SDK v3 built from `kms.clientConfig`, reset between
 * tests, close at the end; options parsed like the variables, errors naming the option.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  ListKeysCommand,
} from "@aws-sdk/client-kms";
import { ConfigError, type EmbeddedTrent, startTrent } from "../../src/index.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-embed-"));
  dirs.push(dir);
  return dir;
}
const clients: KMSClient[] = [];
function clientOf(kms: EmbeddedTrent): KMSClient {
  const client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
  clients.push(client);
  return client;
}
after(() => {
  for (const client of clients) client.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function refused(error: unknown, message: string): boolean {
  assert.ok(error instanceof ConfigError, String(error));
  assert.equal(error.message, message);
  return true;
}

describe("startTrent for test suites", () => {
  it("starts in memory on a free loopback port, and its client config reaches it", async () => {
    const kms = await startTrent();
    try {
      assert.match(kms.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(kms.endpoint, "http://127.0.0.1:0");
      assert.equal(kms.region, "us-east-1");
      assert.equal(kms.accountId, "111122223333");
      assert.deepEqual(Object.keys(kms.clientConfig).sort(), ["credentials", "endpoint", "region"]);
      assert.equal(kms.clientConfig.endpoint, kms.endpoint);
      const client = clientOf(kms);
      const created = await client.send(new CreateKeyCommand({ Description: "embedded" }));
      assert.equal(
        created.KeyMetadata?.Arn,
        `arn:aws:kms:us-east-1:111122223333:key/${created.KeyMetadata?.KeyId}`,
      );
      const encrypted = await client.send(
        new EncryptCommand({ KeyId: created.KeyMetadata?.KeyId, Plaintext: Buffer.from("hi") }),
      );
      assert.ok(encrypted.CiphertextBlob && encrypted.CiphertextBlob.length > 0);
    } finally {
      await kms.close();
    }
  });

  it("takes every setting as an option: account, region, data directory, audit file", async () => {
    const dataDir = tempDir();
    const kms = await startTrent({
      accountId: "444455556666",
      region: "eu-central-1",
      dataDir,
      auditFile: join(dataDir, "audit.jsonl"),
      keyPairPoolSize: 0,
      rootKeyPrevious: [],
    });
    try {
      assert.equal(kms.accountId, "444455556666");
      assert.equal(kms.clientConfig.region, "eu-central-1");
      const created = await clientOf(kms).send(new CreateKeyCommand({}));
      assert.equal(
        created.KeyMetadata?.Arn,
        `arn:aws:kms:eu-central-1:444455556666:key/${created.KeyMetadata?.KeyId}`,
      );
    } finally {
      await kms.close();
    }
    assert.deepEqual(readdirSync(dataDir).sort(), [
      "audit-index.sqlite",
      "audit.jsonl",
      "root.key",
      "trent.sqlite",
    ]);
  });

  it("writes nothing to disk by default: no data directory, no root key, no audit file", async () => {
    const cwd = tempDir();
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const kms = await startTrent();
      await clientOf(kms).send(new CreateKeyCommand({}));
      await kms.close();
    } finally {
      process.chdir(previous);
    }
    assert.deepEqual(readdirSync(cwd), []);
  });

  it("resets to a clean slate between tests, and refuses connections once closed", async () => {
    const kms = await startTrent();
    const client = clientOf(kms);
    const key = await client.send(new CreateKeyCommand({}));
    await client.send(
      new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: key.KeyMetadata?.KeyId }),
    );
    assert.equal((await client.send(new ListKeysCommand({}))).Keys?.length, 1);
    await kms.reset();
    assert.deepEqual((await client.send(new ListKeysCommand({}))).Keys, []);
    await assert.rejects(
      client.send(new DescribeKeyCommand({ KeyId: "alias/app" })),
      (error: Error) => error.name === "NotFoundException",
    );
    // The same alias can be created again: nothing of the old state is left.
    const again = await client.send(new CreateKeyCommand({}));
    await client.send(
      new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: again.KeyMetadata?.KeyId }),
    );
    await kms.close();
    await assert.rejects(fetch(`${kms.endpoint}/health`));
  });

  it("names the option in its errors, and refuses options it does not know", async () => {
    await assert.rejects(startTrent({ port: -1 }), (error) =>
      refused(error, "port must be an integer >= 0, got '-1'"),
    );
    await assert.rejects(startTrent({ accountId: "42" }), (error) =>
      refused(error, "accountId must be 12 digits, got '42'"),
    );
    await assert.rejects(startTrent({ authMode: "sigv4" }), (error) =>
      refused(
        error,
        'authMode: "sigv4" needs credentialsFile, the YAML file of identities allowed to call (see docs/security.md)',
      ),
    );
    await assert.rejects(
      startTrent({ rootKey: Buffer.alloc(32).toString("base64"), rootKeyFile: "/k" }),
      (error) =>
        refused(
          error,
          "rootKey and rootKeyFile both name the current root key: set exactly one of rootKey, rootKeyFile and pkcs11Module",
        ),
    );
    await assert.rejects(
      startTrent({ dataDirectory: "/tmp" } as Parameters<typeof startTrent>[0]),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^startTrent does not know the option 'dataDirectory'; /);
        return true;
      },
    );
  });

  it("applies a seed before the first request and again after reset()", async () => {
    const keyId = "0b9a6a0e-5d1f-4c8e-9a47-1f2e3d4c5b6a";
    const kms = await startTrent({
      seed: {
        yaml: `keys:\n  - id: ${keyId}\n    description: seeded for a test\naliases:\n  - name: alias/seeded\n    target: ${keyId}\n`,
        name: "inline.yaml",
      },
    });
    try {
      const client = clientOf(kms);
      const described = await client.send(new DescribeKeyCommand({ KeyId: "alias/seeded" }));
      assert.equal(described.KeyMetadata?.KeyId, keyId);
      assert.equal(described.KeyMetadata?.Description, "seeded for a test");
      await client.send(new CreateKeyCommand({ Description: "made by the test" }));
      await kms.reset();
      const keys = await client.send(new ListKeysCommand({}));
      assert.deepEqual(
        keys.Keys?.map((key) => key.KeyId),
        [keyId],
      );
    } finally {
      await kms.close();
    }
  });

  it("refuses a bad seed before listening, naming the place", async () => {
    await assert.rejects(
      startTrent({ seed: { yaml: "keys:\n  - id: not-a-key-id\n", name: "bad.yaml" } }),
      (error) => {
        assert.match(String((error as Error).message), /bad\.yaml:2:/);
        return true;
      },
    );
  });

  it("reads variables only from an environment it is given, beneath its options", async () => {
    const kms = await startTrent({
      env: { TRENT_REGION: "ap-south-1", KMS_ACCOUNT_ID: "777788889999", TRENT_PORT: "0" },
      region: "sa-east-1",
    });
    try {
      assert.equal(kms.region, "sa-east-1");
      assert.equal(kms.accountId, "777788889999");
    } finally {
      await kms.close();
    }
    await assert.rejects(startTrent({ env: { TRENT_PORT: "x" } }), (error) =>
      refused(error, "TRENT_PORT must be an integer >= 0, got 'x'"),
    );
  });

  it("in sigv4 mode, signs with the credentials file's first identity", async () => {
    const file = join(tempDir(), "credentials.yaml");
    writeFileSync(
      file,
      `identities:
  - accessKeyId: AKIAEMBEDDED0000001
    secretAccessKey: "embedded-secret-access-key-1"
    accountId: "210987654321"
    arn: arn:aws:iam::210987654321:user/ci
`,
    );
    const kms = await startTrent({ credentialsFile: file });
    try {
      assert.deepEqual(kms.clientConfig.credentials, {
        accessKeyId: "AKIAEMBEDDED0000001",
        secretAccessKey: "embedded-secret-access-key-1",
      });
      const created = await clientOf(kms).send(new CreateKeyCommand({}));
      assert.match(created.KeyMetadata?.Arn ?? "", /^arn:aws:kms:us-east-1:210987654321:key\//);
      const stranger = new KMSClient({
        ...kms.clientConfig,
        credentials: { accessKeyId: "AKIASTRANGER0000001", secretAccessKey: "x".repeat(20) },
        maxAttempts: 1,
      });
      clients.push(stranger);
      await assert.rejects(
        stranger.send(new ListKeysCommand({})),
        (error: Error) => error.name === "UnrecognizedClientException",
      );
    } finally {
      await kms.close();
    }
  });
});
