/**
 * Two Trent nodes sharing one PostgreSQL database, driven through the real SDK: state written
 * on one node is what the other answers from on its very next request (keys, key states,
 * aliases, grants, tags, policies), ciphertexts move between nodes, and two nodes creating the
 * same alias at once behave as one node would. Skipped only where no PostgreSQL server
 * binaries exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { parseBlob } from "../../src/platform/crypto/ciphertext-blob.js";
import { failure } from "../support/kms-errors.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const text = (s: string) => new TextEncoder().encode(s);
const account = "111122223333";
const aliasArn = (name: string) => `arn:aws:kms:us-east-1:${account}:${name}`;

describe("two Trent nodes on one PostgreSQL database", { skip: postgresSkipReason() }, () => {
  let database: TestPostgres;
  let nodeA: TestTrent;
  let nodeB: TestTrent;
  let a: KMSClient;
  let b: KMSClient;

  async function newKey(client: KMSClient) {
    const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  before(async () => {
    database = await startTestPostgres();
    const databaseUrl = await database.createDatabase();
    // Every node gets the same root key from its configuration, as docs/postgres.md requires.
    const rootKey = new Uint8Array(32).fill(0x5a);
    // The nodes start together on an empty database: one runs the migrations, one waits.
    [nodeA, nodeB] = await Promise.all([
      startTestTrent({ databaseUrl, rootKey }),
      startTestTrent({ databaseUrl, rootKey }),
    ]);
    a = nodeA.client();
    b = nodeB.client();
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await database?.stop();
  });

  it("describes and uses on B a key created on A, and decrypts across nodes", async () => {
    const created = await a.send(
      new CreateKeyCommand({ Description: "made on A", Tags: [{ TagKey: "k", TagValue: "v" }] }),
    );
    const key = created.KeyMetadata!;
    const described = await b.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    assert.deepEqual(described.KeyMetadata, key);

    const context = { purpose: "multi-node" };
    const encrypted = await a.send(
      new EncryptCommand({
        KeyId: key.KeyId,
        Plaintext: text("from A"),
        EncryptionContext: context,
      }),
    );
    const decrypted = await b.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
    );
    assert.deepEqual(decrypted.Plaintext, text("from A"));
    assert.equal(decrypted.KeyId, key.Arn);

    const dataKey = await b.send(
      new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: "AES_256" }),
    );
    const opened = await a.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    assert.deepEqual(opened.Plaintext, dataKey.Plaintext);
  });

  it("serves an asymmetric key's public key from either node", async () => {
    const created = await a.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
    );
    const fromA = await a.send(new GetPublicKeyCommand({ KeyId: created.KeyMetadata!.KeyId }));
    const fromB = await b.send(new GetPublicKeyCommand({ KeyId: created.KeyMetadata!.KeyId }));
    assert.deepEqual(fromB.PublicKey, fromA.PublicKey);
  });

  it("refuses on B a key disabled on A at once, and serves it again once enabled on B", async () => {
    const key = await newKey(a);
    // B has used the key (and cached its material) before A disables it.
    const blob = (await b.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("x") })))
      .CiphertextBlob!;

    await a.send(new DisableKeyCommand({ KeyId: key.id }));
    const disabled = { name: "DisabledException", message: `${key.arn} is disabled.`, status: 400 };
    assert.deepEqual(
      await failure(b.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("y") }))),
      disabled,
    );
    assert.deepEqual(await failure(b.send(new DecryptCommand({ CiphertextBlob: blob }))), disabled);

    await b.send(new EnableKeyCommand({ KeyId: key.id }));
    const again = await a.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.deepEqual(again.Plaintext, text("x"));
  });

  it("encrypts on B under material rotated in on A, and decrypts old and new blobs anywhere", async () => {
    const key = await newKey(a);
    const before = (await b.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("old") })))
      .CiphertextBlob!;
    await a.send(new RotateKeyOnDemandCommand({ KeyId: key.id }));
    const after = (await b.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("new") })))
      .CiphertextBlob!;
    // The blob names its key material: B must have used the new one, not its cached old one.
    assert.equal(parseBlob(before).keyArn, key.arn);
    assert.notEqual(parseBlob(after).materialId, parseBlob(before).materialId);
    for (const node of [a, b]) {
      assert.deepEqual(
        (await node.send(new DecryptCommand({ CiphertextBlob: before }))).Plaintext,
        text("old"),
      );
      assert.deepEqual(
        (await node.send(new DecryptCommand({ CiphertextBlob: after }))).Plaintext,
        text("new"),
      );
    }
  });

  it("sees on B a deletion scheduled on A, and on A its cancellation on B", async () => {
    const key = await newKey(a);
    await a.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
    const pending = await b.send(new DescribeKeyCommand({ KeyId: key.id }));
    assert.equal(pending.KeyMetadata?.KeyState, "PendingDeletion");
    assert.deepEqual(
      await failure(b.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("z") }))),
      {
        name: "KMSInvalidStateException",
        message: `${key.arn} is pending deletion.`,
        status: 400,
      },
    );
    await b.send(new CancelKeyDeletionCommand({ KeyId: key.id }));
    assert.equal(
      (await a.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata?.KeyState,
      "Disabled",
    );
  });

  it("resolves on A an alias created on B, follows its update, forgets its deletion", async () => {
    const first = await newKey(a);
    const second = await newKey(b);
    await b.send(new CreateAliasCommand({ AliasName: "alias/shared", TargetKeyId: first.id }));

    const viaAlias = await a.send(new DescribeKeyCommand({ KeyId: "alias/shared" }));
    assert.equal(viaAlias.KeyMetadata?.Arn, first.arn);
    const listed = await a.send(new ListAliasesCommand({ KeyId: first.id }));
    assert.deepEqual(
      listed.Aliases?.map((entry) => entry.AliasName),
      ["alias/shared"],
    );

    await a.send(new UpdateAliasCommand({ AliasName: "alias/shared", TargetKeyId: second.id }));
    const encrypted = await b.send(
      new EncryptCommand({ KeyId: "alias/shared", Plaintext: text("retargeted") }),
    );
    assert.equal(encrypted.KeyId, second.arn);

    await b.send(new DeleteAliasCommand({ AliasName: "alias/shared" }));
    assert.deepEqual(await failure(a.send(new DescribeKeyCommand({ KeyId: "alias/shared" }))), {
      name: "NotFoundException",
      message: `Alias ${aliasArn("alias/shared")} is not found.`,
      status: 400,
    });
  });

  it("lets exactly one of two nodes create an alias both ask for at once", async () => {
    const key = await newKey(a);
    for (let round = 0; round < 8; round += 1) {
      const name = `alias/race-${round}`;
      const results = await Promise.allSettled([
        a.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.id })),
        b.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.id })),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, name);
      const lost = results.find((r) => r.status === "rejected");
      assert.ok(lost?.status === "rejected");
      assert.deepEqual(await failure(Promise.reject(lost.reason)), {
        name: "AlreadyExistsException",
        message: `An alias with the name ${aliasArn(name)} already exists`,
        status: 400,
      });
    }
    const aliases = await b.send(new ListAliasesCommand({ KeyId: key.id }));
    assert.equal(aliases.Aliases?.length, 8);
  });

  it("shows on each node the grants, tags and policy the other changed", async () => {
    const key = await newKey(a);
    const grantee = `arn:aws:iam::${account}:role/worker`;
    const { GrantId } = await a.send(
      new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: grantee, Operations: ["Encrypt"] }),
    );
    const grants = await b.send(new ListGrantsCommand({ KeyId: key.id }));
    assert.deepEqual(
      grants.Grants?.map((g) => g.GrantId),
      [GrantId],
    );
    await b.send(new RevokeGrantCommand({ KeyId: key.id, GrantId }));
    assert.deepEqual((await a.send(new ListGrantsCommand({ KeyId: key.id }))).Grants, []);

    await b.send(
      new TagResourceCommand({ KeyId: key.id, Tags: [{ TagKey: "team", TagValue: "blue" }] }),
    );
    assert.deepEqual((await a.send(new ListResourceTagsCommand({ KeyId: key.id }))).Tags, [
      { TagKey: "team", TagValue: "blue" },
    ]);

    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Root",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    await a.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: "default", Policy: policy }));
    const got = await b.send(new GetKeyPolicyCommand({ KeyId: key.id, PolicyName: "default" }));
    assert.equal(got.Policy, policy);
  });
});
