// A Trent of this file's own: nothing else touches it, so it can be reset before every test.
import {
  CreateKeyCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListKeysCommand,
} from "@aws-sdk/client-kms";
import { type EmbeddedTrent, startTrent } from "trent-kms";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";

let kms: EmbeddedTrent;
let client: KMSClient;

beforeAll(async () => {
  kms = await startTrent();
  client = new KMSClient(kms.clientConfig);
});
beforeEach(() => kms.reset());
afterAll(async () => {
  client.destroy();
  await kms.close();
});

it("generates a data key", async () => {
  const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
  const dataKey = await client.send(
    new GenerateDataKeyCommand({ KeyId: KeyMetadata?.KeyId, KeySpec: "AES_256" }),
  );
  expect(dataKey.Plaintext).toHaveLength(32);
  expect(dataKey.KeyId).toBe(KeyMetadata?.Arn);
});

it("starts from an empty KMS", async () => {
  expect((await client.send(new ListKeysCommand({}))).Keys).toEqual([]);
});
