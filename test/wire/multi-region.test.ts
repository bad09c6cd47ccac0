/**
 * Multi-Region keys through the real AWS SDK, with clients in two Regions of one Trent:
 * ReplicateKey, both sides' MultiRegionConfiguration, ciphertext made in one Region opened in
 * the other, rotation reaching the replicas, UpdatePrimaryRegion, deletion of a primary that
 * still has replicas, and the errors with their type, status and message.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const day = 24 * 60 * 60 * 1000;
const start = new Date("2025-06-01T00:00:00.000Z");
const text = new TextEncoder();

async function createKey(client: KMSClient, input: CreateKeyCommandInput = {}) {
  const out = await client.send(new CreateKeyCommand({ MultiRegion: true, ...input }));
  assert.ok(out.KeyMetadata?.KeyId && out.KeyMetadata.Arn);
  return { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
}

async function describe_(client: KMSClient, keyId: string) {
  const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  assert.ok(out.KeyMetadata);
  return out.KeyMetadata;
}

describe("multi-Region keys", () => {
  let trent: TestTrent;
  let east: KMSClient;
  let west: KMSClient;
  let now = start.getTime();
  let accountId: string;

  before(async () => {
    trent = await startTestTrent({}, { clock: { now: () => new Date(now) } });
    east = trent.client("us-east-1");
    west = trent.client("eu-west-1");
    accountId = trent.services.config.accountId;
  });
  after(() => trent.close());

  const eastArn = (keyId: string) => `arn:aws:kms:us-east-1:${accountId}:key/${keyId}`;
  const westArn = (keyId: string) => `arn:aws:kms:eu-west-1:${accountId}:key/${keyId}`;

  it("replicates a primary key into another Region with the same id, spec and material", async () => {
    const { keyId, arn } = await createKey(east, { Description: "primary" });
    const out = await east.send(
      new ReplicateKeyCommand({
        KeyId: arn,
        ReplicaRegion: "eu-west-1",
        Description: "replica",
        Tags: [{ TagKey: "team", TagValue: "blue" }],
      }),
    );
    const meta = out.ReplicaKeyMetadata;
    assert.equal(meta?.KeyId, keyId);
    assert.equal(meta?.Arn, westArn(keyId));
    assert.equal(meta?.AWSAccountId, accountId);
    assert.equal(meta?.Description, "replica");
    // As AWS answers (LocalStack test_replicate_key, recorded 2025-11-10): the replica as it
    // starts, Creating and not yet Enabled, without a current material id; DescribeKey below
    // shows it as it is.
    assert.equal(meta?.KeyState, "Creating");
    assert.equal(meta?.Enabled, false);
    assert.equal(meta?.CurrentKeyMaterialId, undefined);
    assert.equal(meta?.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(meta?.KeyUsage, "ENCRYPT_DECRYPT");
    assert.equal(meta?.Origin, "AWS_KMS");
    assert.equal(meta?.MultiRegion, true);
    assert.deepEqual(meta?.MultiRegionConfiguration, {
      MultiRegionKeyType: "REPLICA",
      PrimaryKey: { Arn: eastArn(keyId), Region: "us-east-1" },
      ReplicaKeys: [{ Arn: westArn(keyId), Region: "eu-west-1" }],
    });
    assert.deepEqual(out.ReplicaTags, [{ TagKey: "team", TagValue: "blue" }]);
    // The default policy of the replica's account.
    const policy = JSON.parse(out.ReplicaPolicy ?? "{}");
    assert.equal(policy.Statement[0].Principal.AWS, `arn:aws:iam::${accountId}:root`);

    const primary = await describe_(east, keyId);
    assert.equal(primary.Description, "primary");
    assert.deepEqual(primary.MultiRegionConfiguration, {
      MultiRegionKeyType: "PRIMARY",
      PrimaryKey: { Arn: eastArn(keyId), Region: "us-east-1" },
      ReplicaKeys: [{ Arn: westArn(keyId), Region: "eu-west-1" }],
    });
    const replica = await describe_(west, keyId);
    assert.equal(replica.KeyState, "Enabled");
    assert.deepEqual(replica.MultiRegionConfiguration, meta?.MultiRegionConfiguration);
    assert.equal(replica.CurrentKeyMaterialId, primary.CurrentKeyMaterialId);
    // Tags are each key's own.
    const westTags = await west.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.deepEqual(westTags.Tags, [{ TagKey: "team", TagValue: "blue" }]);
    const eastTags = await east.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.deepEqual(eastTags.Tags, []);
  });

  it("uses the given policy for the replica", async () => {
    const { keyId } = await createKey(east);
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    const out = await east.send(
      new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1", Policy: policy }),
    );
    assert.equal(out.ReplicaPolicy, policy);
    // No ReplicaTags member without tags (recorded 2025-11-10).
    assert.equal(out.ReplicaTags, undefined);
  });

  it("decrypts in one Region what the related key encrypted in the other", async () => {
    const { keyId } = await createKey(east);
    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));
    const context = { purpose: "mrk" };
    const sealed = await east.send(
      new EncryptCommand({
        KeyId: keyId,
        Plaintext: text.encode("from us-east-1"),
        EncryptionContext: context,
      }),
    );
    assert.ok(sealed.CiphertextBlob);

    const withoutKeyId = await west.send(
      new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }),
    );
    assert.equal(new TextDecoder().decode(withoutKeyId.Plaintext), "from us-east-1");
    assert.equal(withoutKeyId.KeyId, westArn(keyId));

    const withKeyId = await west.send(
      new DecryptCommand({
        CiphertextBlob: sealed.CiphertextBlob,
        KeyId: westArn(keyId),
        EncryptionContext: context,
      }),
    );
    assert.equal(new TextDecoder().decode(withKeyId.Plaintext), "from us-east-1");
    assert.equal(withKeyId.KeyId, westArn(keyId));

    const back = await west.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("from eu-west-1") }),
    );
    const opened = await east.send(
      new DecryptCommand({ CiphertextBlob: back.CiphertextBlob, KeyId: keyId }),
    );
    assert.equal(new TextDecoder().decode(opened.Plaintext), "from eu-west-1");
    assert.equal(opened.KeyId, eastArn(keyId));

    // ReEncrypt's source side is Decrypt's: the replica opens the primary's blob.
    const other = await createKey(west, { MultiRegion: false });
    const reEncrypted = await west.send(
      new ReEncryptCommand({
        CiphertextBlob: sealed.CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: other.keyId,
      }),
    );
    assert.equal(reEncrypted.SourceKeyId, westArn(keyId));

    // A wrong context still fails, and so does a KeyId naming an unrelated key.
    const wrongContext = await failure(
      west.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
    );
    assert.equal(wrongContext.name, "InvalidCiphertextException");
    const unrelated = await failure(
      west.send(
        new DecryptCommand({
          CiphertextBlob: sealed.CiphertextBlob,
          KeyId: other.keyId,
          EncryptionContext: context,
        }),
      ),
    );
    assert.equal(unrelated.name, "IncorrectKeyException");
    assert.equal(unrelated.status, 400);
    assert.equal(
      unrelated.message,
      "The key ID in the request does not identify a CMK that can perform this operation.",
    );
  });

  it("refuses a blob of a multi-Region key that has no replica in the caller's Region", async () => {
    const { keyId } = await createKey(east);
    const sealed = await east.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("secret") }),
    );
    const error = await failure(
      west.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })),
    );
    assert.equal(error.name, "AccessDeniedException");
    assert.equal(error.status, 400);
    assert.equal(
      error.message,
      "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
    );
  });

  it("gives the replicas every rotated material, before and after replication", async () => {
    const { keyId } = await createKey(east);
    await east.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const old = await east.send(new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("a") }));
    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));
    const oldOpened = await west.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(oldOpened.Plaintext), "a");

    await east.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const primary = await describe_(east, keyId);
    const replica = await describe_(west, keyId);
    assert.equal(replica.CurrentKeyMaterialId, primary.CurrentKeyMaterialId);

    const fresh = await east.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("b") }),
    );
    const opened = await west.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(opened.Plaintext), "b");

    const eastRotations = await east.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    const westRotations = await west.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(eastRotations.Rotations?.length, 2);
    assert.deepEqual(
      westRotations.Rotations?.map((r) => [r.KeyMaterialId, r.RotationType]),
      eastRotations.Rotations?.map((r) => [r.KeyMaterialId, r.RotationType]),
    );
  });

  it("replicates asymmetric keys with their key pair", async () => {
    const { keyId } = await createKey(east, { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    const out = await east.send(
      new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }),
    );
    assert.equal(out.ReplicaKeyMetadata?.KeySpec, "ECC_NIST_P256");
    assert.equal(out.ReplicaKeyMetadata?.KeyUsage, "SIGN_VERIFY");
    assert.deepEqual(out.ReplicaKeyMetadata?.SigningAlgorithms, ["ECDSA_SHA_256"]);
  });

  it("swaps the primary and replica roles with UpdatePrimaryRegion", async () => {
    const { keyId } = await createKey(east);
    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));
    await east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" }));

    const expected = {
      PrimaryKey: { Arn: westArn(keyId), Region: "eu-west-1" },
      ReplicaKeys: [{ Arn: eastArn(keyId), Region: "us-east-1" }],
    };
    const oldPrimary = await describe_(east, keyId);
    assert.deepEqual(oldPrimary.MultiRegionConfiguration, {
      MultiRegionKeyType: "REPLICA",
      ...expected,
    });
    assert.equal(oldPrimary.KeyState, "Enabled");
    const newPrimary = await describe_(west, keyId);
    assert.deepEqual(newPrimary.MultiRegionConfiguration, {
      MultiRegionKeyType: "PRIMARY",
      ...expected,
    });

    // Only the primary replicates or moves the primary Region now.
    const replicate = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-central-1" })),
    );
    assert.equal(replicate.name, "UnsupportedOperationException");
    assert.equal(replicate.message, `${eastArn(keyId)} is not a multi-region primary key.`);
    const update = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
    );
    assert.equal(update.name, "UnsupportedOperationException");
    assert.equal(update.status, 400);

    // The new primary replicates; the new replica lists itself among the replicas.
    await west.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "ap-southeast-2" }));
    const config = (await describe_(east, keyId)).MultiRegionConfiguration;
    assert.deepEqual(config?.ReplicaKeys, [
      { Arn: `arn:aws:kms:ap-southeast-2:${accountId}:key/${keyId}`, Region: "ap-southeast-2" },
      { Arn: eastArn(keyId), Region: "us-east-1" },
    ]);
  });

  it("answers ReplicateKey's errors with AWS's types", async () => {
    const single = await createKey(east, { MultiRegion: false });
    const notMultiRegion = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: single.keyId, ReplicaRegion: "eu-west-1" })),
    );
    assert.deepEqual(notMultiRegion, {
      name: "UnsupportedOperationException",
      message: `${single.arn} is not a multi-region key.`,
      status: 400,
    });

    const { keyId, arn } = await createKey(east);
    const sameRegion = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "us-east-1" })),
    );
    assert.equal(sameRegion.name, "UnsupportedOperationException");
    assert.equal(sameRegion.status, 400);
    const otherPartition = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "cn-north-1" })),
    );
    assert.equal(otherPartition.name, "UnsupportedOperationException");
    const unknownRegion = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "zz-nowhere-1" })),
    );
    assert.equal(unknownRegion.name, "UnsupportedOperationException");
    const malformedRegion = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "Europe" })),
    );
    assert.equal(malformedRegion.name, "ValidationException");
    assert.equal(malformedRegion.status, 400);

    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));
    const again = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" })),
    );
    assert.deepEqual(again, {
      name: "AlreadyExistsException",
      message: `Key '${westArn(keyId)}' already exists`,
      status: 400,
    });

    const alias = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: "alias/anything", ReplicaRegion: "eu-west-2" })),
    );
    assert.deepEqual(alias, {
      name: "NotFoundException",
      message: "Invalid keyId 'alias/anything'",
      status: 400,
    });
    const missing = "mrk-00000000000000000000000000000000";
    const notFound = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: missing, ReplicaRegion: "eu-west-2" })),
    );
    assert.deepEqual(notFound, {
      name: "NotFoundException",
      message: `Key '${eastArn(missing)}' does not exist`,
      status: 400,
    });

    await east.send(new DisableKeyCommand({ KeyId: keyId }));
    const disabled = await failure(
      east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-2" })),
    );
    assert.deepEqual(disabled, {
      name: "DisabledException",
      message: `${arn} is disabled.`,
      status: 400,
    });
    await east.send(new EnableKeyCommand({ KeyId: keyId }));

    const badPolicy = await failure(
      east.send(
        new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-2", Policy: "{nope" }),
      ),
    );
    assert.equal(badPolicy.name, "MalformedPolicyDocumentException");
    const reservedTag = await failure(
      east.send(
        new ReplicateKeyCommand({
          KeyId: keyId,
          ReplicaRegion: "eu-west-2",
          Tags: [{ TagKey: "aws:reserved", TagValue: "x" }],
        }),
      ),
    );
    assert.equal(reservedTag.name, "TagException");
    // Nothing was made by the failed requests.
    const config = (await describe_(east, keyId)).MultiRegionConfiguration;
    assert.deepEqual(config?.ReplicaKeys, [{ Arn: westArn(keyId), Region: "eu-west-1" }]);
  });

  it("answers UpdatePrimaryRegion's errors with AWS's types", async () => {
    const single = await createKey(east, { MultiRegion: false });
    const notMultiRegion = await failure(
      east.send(
        new UpdatePrimaryRegionCommand({ KeyId: single.keyId, PrimaryRegion: "eu-west-1" }),
      ),
    );
    assert.deepEqual(notMultiRegion, {
      name: "UnsupportedOperationException",
      message: `${single.arn} is not a multi-region key.`,
      status: 400,
    });

    const { keyId, arn } = await createKey(east);
    const noReplica = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
    );
    assert.deepEqual(noReplica, {
      name: "NotFoundException",
      message: `Key '${westArn(keyId)}' does not exist`,
      status: 400,
    });
    const sameRegion = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "us-east-1" })),
    );
    assert.equal(sameRegion.name, "UnsupportedOperationException");

    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));
    await west.send(new DisableKeyCommand({ KeyId: keyId }));
    const replicaDisabled = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
    );
    assert.deepEqual(replicaDisabled, {
      name: "DisabledException",
      message: `${westArn(keyId)} is disabled.`,
      status: 400,
    });
    await west.send(new EnableKeyCommand({ KeyId: keyId }));
    await east.send(new DisableKeyCommand({ KeyId: keyId }));
    const primaryDisabled = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
    );
    assert.deepEqual(primaryDisabled, {
      name: "DisabledException",
      message: `${arn} is disabled.`,
      status: 400,
    });
    // Both keys kept their roles.
    assert.equal(
      (await describe_(east, keyId)).MultiRegionConfiguration?.MultiRegionKeyType,
      "PRIMARY",
    );
  });

  it("keeps a primary with replicas in PendingReplicaDeletion until its last replica is deleted", async () => {
    const { keyId } = await createKey(east);
    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" }));

    const scheduled = await east.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    assert.equal(scheduled.KeyState, "PendingReplicaDeletion");
    assert.equal(scheduled.DeletionDate, undefined);
    assert.equal(scheduled.PendingWindowInDays, 7);
    const waiting = await describe_(east, keyId);
    assert.equal(waiting.KeyState, "PendingReplicaDeletion");
    assert.equal(waiting.PendingDeletionWindowInDays, 7);
    assert.equal(waiting.DeletionDate, undefined);
    // The key-state table: a primary waiting for deletion cannot be moved.
    const update = await failure(
      east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
    );
    assert.equal(update.name, "KMSInvalidStateException");
    assert.equal(update.message, `${eastArn(keyId)} is pending replica deletion.`);

    const replica = await west.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    assert.equal(replica.KeyState, "PendingDeletion");
    now += 7 * day + 1;
    await trent.sweepDeletions();

    const released = await describe_(east, keyId);
    assert.equal(released.KeyState, "PendingDeletion");
    assert.equal(released.DeletionDate?.getTime(), now + 7 * day);
    assert.deepEqual(released.MultiRegionConfiguration?.ReplicaKeys, []);
    const gone = await failure(west.send(new DescribeKeyCommand({ KeyId: keyId })));
    assert.equal(gone.name, "NotFoundException");
  });
});
