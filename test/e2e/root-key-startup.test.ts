/**
 * Start-up as an operator meets it, in a child process: a data directory made by an earlier
 * run refuses a wrong root key with one line on standard error, a non-zero exit and nothing
 * listening; the right key from TRENT_ROOT_KEY_FILE serves the old keys; sigv4 mode with the
 * root key generated into the data directory warns at start-up.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { type FailedStart, logLines, startTrentProcess } from "../support/trent-process.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-startup-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const key1 = Buffer.alloc(32, 0x11).toString("base64");
const key2 = Buffer.alloc(32, 0x22).toString("base64");

function client(url: string): KMSClient {
  return new KMSClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function refusedStart(env: Record<string, string>): Promise<FailedStart> {
  try {
    const started = await startTrentProcess(env);
    await started.stop();
  } catch (failure) {
    return failure as FailedStart;
  }
  assert.fail("Trent started");
}

describe("start-up with a root key that does not open the data", () => {
  it("refuses in one line before listening, and serves again with the right key", async () => {
    const dataDir = tempDir();
    const first = await startTrentProcess({ TRENT_DATA_DIR: dataDir, TRENT_ROOT_KEY: key1 });
    const kms = client(first.url);
    const created = await kms.send(new CreateKeyCommand({}));
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: created.KeyMetadata!.KeyId, Plaintext: Buffer.from("kept") }),
    );
    kms.destroy();
    assert.equal(await first.stop(), 0);

    const port = await freePort();
    const failure = await refusedStart({
      TRENT_DATA_DIR: dataDir,
      TRENT_ROOT_KEY: key2,
      TRENT_PORT: String(port),
    });
    assert.equal(failure.code, 1);
    assert.equal(failure.stdout, "");
    assert.equal(
      failure.stderr,
      `trent: the root key (TRENT_ROOT_KEY) does not open the data in ${dataDir}/trent.sqlite: it was sealed under root key version 1, which none of the configured root keys opens\n`,
    );
    // Nothing listens on the port it was given.
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", reject);
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
    });

    const keyFile = join(tempDir(), "root.key");
    writeFileSync(keyFile, `${key1}\n`, { mode: 0o600 });
    const again = await startTrentProcess({
      TRENT_DATA_DIR: dataDir,
      TRENT_ROOT_KEY_FILE: keyFile,
    });
    const kmsAgain = client(again.url);
    try {
      const decrypted = await kmsAgain.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
      );
      assert.equal(Buffer.from(decrypted.Plaintext!).toString(), "kept");
      // Log lines are written in groups, so the start-up line may follow the listening line.
      await again.stderrMatching(/root keys:/);
      assert.deepEqual(
        logLines(again.stderr()).filter((line) => line.msg.startsWith("root keys:")),
        [
          {
            ...logLines(again.stderr())[0],
            level: "info",
            msg: `root keys: TRENT_ROOT_KEY_FILE ${keyFile} is version 1 (current); registered versions: 1`,
          },
        ],
      );
    } finally {
      kmsAgain.destroy();
      await again.stop();
    }
  });

  it("refuses a configuration naming two current root keys", async () => {
    const failure = await refusedStart({
      TRENT_DATA_DIR: tempDir(),
      TRENT_ROOT_KEY: key1,
      TRENT_ROOT_KEY_FILE: "/nonexistent",
    });
    assert.equal(failure.code, 1);
    assert.equal(
      failure.stderr,
      "trent: TRENT_ROOT_KEY and TRENT_ROOT_KEY_FILE both name the current root key: set exactly one of TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE\n",
    );
  });

  it("warns in sigv4 mode when the root key is generated into the data directory", async () => {
    const dataDir = tempDir();
    const credentialsFile = join(tempDir(), "credentials.yaml");
    writeFileSync(
      credentialsFile,
      "identities:\n  - accessKeyId: AKIAALICE0000000001\n    secretAccessKey: alice-secret-0123456789\n    accountId: '111122223333'\n    arn: arn:aws:iam::111122223333:user/alice\n",
      { mode: 0o600 },
    );
    const trent = await startTrentProcess({
      TRENT_DATA_DIR: dataDir,
      TRENT_AUTH_MODE: "sigv4",
      TRENT_CREDENTIALS_FILE: credentialsFile,
    });
    try {
      const [first] = logLines(trent.stderr());
      assert.equal(first?.level, "warn");
      assert.match(
        first?.msg ?? "",
        new RegExp(
          `^warning: sigv4 mode with the root key generated into the data directory \\(${dataDir}/root.key\\): whoever copies that directory has every key\\.`,
        ),
      );
    } finally {
      await trent.stop();
    }
  });
});
