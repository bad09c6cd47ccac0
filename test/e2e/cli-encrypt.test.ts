/**
 * Encrypt and Decrypt end to end through the AWS CLI (v1), which builds its requests and parses
 * our responses and errors with its own code: fileb:// blobs, --encryption-context shorthand,
 * base64 text output, and AWS's error line for a context mismatch.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const env = awsClientEnv;

describe("aws kms encrypt/decrypt (CLI)", () => {
  let trent: TestTrent;
  let dir: string;

  const aws = async (...args: string[]) =>
    (await run("aws", ["kms", ...args, "--endpoint-url", trent.url], { env })).stdout.trim();

  before(async () => {
    trent = await startTestTrent();
    dir = await mkdtemp(join(tmpdir(), "trent-cli-"));
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips a file with an encryption context", async () => {
    const keyArn = await aws("create-key", "--query", "KeyMetadata.Arn", "--output", "text");
    const plaintextPath = join(dir, "secret.txt");
    await writeFile(plaintextPath, "database password: hunter2\n");

    const encrypted = JSON.parse(
      await aws(
        "encrypt",
        "--key-id",
        keyArn,
        "--plaintext",
        `fileb://${plaintextPath}`,
        "--encryption-context",
        "app=billing,stage=prod",
        "--output",
        "json",
      ),
    );
    assert.equal(encrypted.KeyId, keyArn);
    assert.equal(encrypted.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    const blobPath = join(dir, "secret.enc");
    await writeFile(blobPath, Buffer.from(encrypted.CiphertextBlob, "base64"));

    const plaintext = await aws(
      "decrypt",
      "--ciphertext-blob",
      `fileb://${blobPath}`,
      "--encryption-context",
      "stage=prod,app=billing",
      "--query",
      "Plaintext",
      "--output",
      "text",
    );
    assert.equal(Buffer.from(plaintext, "base64").toString(), "database password: hunter2\n");

    const failed = await aws(
      "decrypt",
      "--ciphertext-blob",
      `fileb://${blobPath}`,
      "--encryption-context",
      "app=billing",
    ).catch((error: { code: number; stderr: string }) => error);
    assert.equal(typeof failed, "object");
    const { code, stderr } = failed as { code: number; stderr: string };
    assert.notEqual(code, 0);
    assert.match(
      stderr,
      /An error occurred \(InvalidCiphertextException\) when calling the Decrypt operation/,
    );
  });
});
