/**
 * AWS managed keys through the AWS CLI (v1), which parses our answers with botocore's own code:
 * list-aliases shows the predefined alias/aws/ aliases without TargetKeyId, describe-key on
 * alias/aws/s3 makes and describes the AWS managed key, list-aliases then shows its target,
 * encrypt and decrypt work under it, and disable-key and put-key-policy on it fail with AWS's
 * error line.
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

interface ListedAlias {
  AliasName: string;
  AliasArn: string;
  TargetKeyId?: string;
  CreationDate?: string;
}

describe("AWS managed keys (AWS CLI)", () => {
  let trent: TestTrent;
  let dir: string;

  const aws = async (...args: string[]) =>
    (
      await run("aws", ["kms", ...args, "--endpoint-url", trent.url, "--output", "json"], {
        env: awsClientEnv,
      })
    ).stdout.trim();

  const failure = async (...args: string[]) => {
    const failed = await aws(...args).then(
      () => assert.fail(`aws kms ${args[0]} succeeded`),
      (error: { code: number; stderr: string }) => error,
    );
    assert.notEqual(failed.code, 0);
    return failed.stderr.trim();
  };

  const aliases = async (): Promise<ListedAlias[]> => JSON.parse(await aws("list-aliases")).Aliases;

  before(async () => {
    trent = await startTestTrent();
    dir = await mkdtemp(join(tmpdir(), "trent-managed-cli-"));
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists, creates on describe-key, uses, and refuses to let the caller manage the key", async () => {
    const before = await aliases();
    const s3Before = before.find((alias) => alias.AliasName === "alias/aws/s3");
    assert.deepEqual(s3Before, {
      AliasName: "alias/aws/s3",
      AliasArn: "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
    });
    assert.equal(before.length, 14);
    assert.ok(before.every((alias) => alias.TargetKeyId === undefined));

    const { KeyMetadata: key } = JSON.parse(await aws("describe-key", "--key-id", "alias/aws/s3"));
    assert.equal(key.KeyManager, "AWS");
    assert.equal(key.KeyState, "Enabled");
    assert.equal(
      key.Description,
      "Default key that protects my S3 objects when no other key is defined",
    );

    const s3After = (await aliases()).find((alias) => alias.AliasName === "alias/aws/s3");
    assert.equal(s3After?.TargetKeyId, key.KeyId);
    assert.ok(s3After?.CreationDate);

    const plaintextPath = join(dir, "object.txt");
    await writeFile(plaintextPath, "an S3 object\n");
    const encrypted = JSON.parse(
      await aws("encrypt", "--key-id", "alias/aws/s3", "--plaintext", `fileb://${plaintextPath}`),
    );
    assert.equal(encrypted.KeyId, key.Arn);
    const blobPath = join(dir, "object.enc");
    await writeFile(blobPath, Buffer.from(encrypted.CiphertextBlob, "base64"));
    const decrypted = JSON.parse(await aws("decrypt", "--ciphertext-blob", `fileb://${blobPath}`));
    assert.equal(Buffer.from(decrypted.Plaintext, "base64").toString(), "an S3 object\n");

    assert.equal(
      await failure("disable-key", "--key-id", key.KeyId),
      `An error occurred (AccessDeniedException) when calling the DisableKey operation: User: arn:aws:iam::111122223333:root is not authorized to perform: kms:DisableKey on resource: ${key.Arn} because no resource-based policy allows the kms:DisableKey action`,
    );
    assert.match(
      await failure("delete-alias", "--alias-name", "alias/aws/s3"),
      /An error occurred \(NotAuthorizedException\) when calling the DeleteAlias operation/,
    );
    const { KeyMetadata: still } = JSON.parse(await aws("describe-key", "--key-id", key.KeyId));
    assert.equal(still.KeyState, "Enabled");
  });
});
