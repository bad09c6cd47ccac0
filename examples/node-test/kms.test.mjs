// A test file using Trent through node:test: one Trent for the file, a clean slate per test.
// Run with `node --test` (test/e2e/package-install.test.ts runs it against the packed package).
import assert from "node:assert/strict";
import { after, before, beforeEach, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  ListAliasesCommand,
} from "@aws-sdk/client-kms";
import { startTrent } from "trent-kms";

let kms;
let client;

before(async () => {
  kms = await startTrent();
  client = new KMSClient(kms.clientConfig);
});
beforeEach(() => kms.reset());
after(async () => {
  client.destroy();
  await kms.close();
});

it("encrypts and decrypts under a key of its own", async () => {
  const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: "orders" }));
  await client.send(
    new CreateAliasCommand({ AliasName: "alias/orders", TargetKeyId: KeyMetadata.KeyId }),
  );
  const { CiphertextBlob } = await client.send(
    new EncryptCommand({ KeyId: "alias/orders", Plaintext: Buffer.from("order #1") }),
  );
  const { Plaintext, KeyId } = await client.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(Buffer.from(Plaintext).toString(), "order #1");
  assert.equal(KeyId, KeyMetadata.Arn);
});

it("starts every test from an empty KMS", async () => {
  const { Aliases } = await client.send(new ListAliasesCommand({}));
  assert.deepEqual(
    Aliases.filter((alias) => !alias.AliasName.startsWith("alias/aws/")),
    [],
  );
});
