/**
 * AWS managed keys through the real SDK: the predefined alias/aws/ aliases listed without a
 * target, the key made on first use (DescribeKey, Encrypt, GenerateDataKey) with AWS's metadata,
 * key policy and yearly rotation, one key however many first uses race (SQLite here, two nodes
 * on PostgreSQL below), the audit record of the call that made it, the management customers
 * may not do (AWS's errors, nothing changed), and what the key policy lets callers do with
 * direct use on (the default) and off, in open and sigv4 mode.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  type KeyMetadata,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const root = `arn:aws:iam::${account}:root`;
const aliasArn = (name: string, r = region, a = account) => `arn:aws:kms:${r}:${a}:${name}`;
const plaintext = new TextEncoder().encode("default encryption");
const dayMs = 24 * 60 * 60 * 1000;

/** The aliases ListAliases shows in an account where no AWS service has made its key yet. */
const predefined = [
  "alias/aws/acm",
  "alias/aws/dynamodb",
  "alias/aws/ebs",
  "alias/aws/elasticfilesystem",
  "alias/aws/es",
  "alias/aws/glue",
  "alias/aws/kinesisvideo",
  "alias/aws/lambda",
  "alias/aws/rds",
  "alias/aws/redshift",
  "alias/aws/s3",
  "alias/aws/secretsmanager",
  "alias/aws/ssm",
  "alias/aws/xray",
];

/** GetKeyPolicy of the S3 key, laid out as AWS prints it. */
const s3Policy = `{
  "Version" : "2012-10-17",
  "Id" : "auto-s3-2",
  "Statement" : [ {
    "Sid" : "Allow access through S3 for all principals in the account that are authorized to use S3",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "${account}",
        "kms:ViaService" : "s3.${region}.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "${root}"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`;

function noPolicyAllows(who: string, action: string, resource: string): string {
  return `User: ${who} is not authorized to perform: kms:${action} on resource: ${resource} because no resource-based policy allows the kms:${action} action`;
}

async function listAll(kms: KMSClient, limit?: number) {
  const aliases = [];
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListAliasesCommand({ Marker: marker, Limit: limit }));
    aliases.push(...(page.Aliases ?? []));
    marker = page.NextMarker;
    assert.equal(page.Truncated, marker !== undefined);
  } while (marker);
  return aliases;
}

async function awsManagedKeyIds(kms: KMSClient): Promise<string[]> {
  const ids: string[] = [];
  for (const key of (await kms.send(new ListKeysCommand({}))).Keys ?? []) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    if (KeyMetadata?.KeyManager === "AWS") ids.push(key.KeyId as string);
  }
  return ids;
}

describe("AWS managed keys", () => {
  const now = new Date("2026-04-01T09:30:00Z");
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({ accountId: account, region }, { clock: { now: () => now } });
    kms = trent.client();
  });
  after(() => trent.close());
  beforeEach(() => trent.services.store.reset());

  async function s3Key(): Promise<KeyMetadata> {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/s3" }));
    assert.ok(out.KeyMetadata);
    return out.KeyMetadata;
  }

  it("lists the predefined aliases without a target before their key exists", async () => {
    assert.deepEqual(
      await listAll(kms),
      predefined.map((name) => ({ AliasName: name, AliasArn: aliasArn(name) })),
    );
    assert.deepEqual((await kms.send(new ListKeysCommand({}))).Keys, []);
  });

  it("pages through stored and predefined aliases alike", async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    for (const name of ["alias/a", "alias/aws-like", "alias/b", "alias/zz"])
      await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: KeyMetadata?.KeyId }));
    await s3Key();
    const all = await listAll(kms);
    const names = all.map((alias) => alias.AliasName);
    assert.deepEqual(names, ["alias/a", "alias/aws-like", ...predefined, "alias/b", "alias/zz"]);
    for (const limit of [1, 2, 3, 5, 7])
      assert.deepEqual(await listAll(kms, limit), all, `pages of ${limit}`);
  });

  it("creates and describes the AWS managed key when DescribeKey names alias/aws/s3", async () => {
    const key = await s3Key();
    const keyId = key.KeyId as string;
    assert.match(keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(key, {
      AWSAccountId: account,
      KeyId: keyId,
      Arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
      CreationDate: now,
      Enabled: true,
      Description: "Default key that protects my S3 objects when no other key is defined",
      KeyUsage: "ENCRYPT_DECRYPT",
      KeyState: "Enabled",
      Origin: "AWS_KMS",
      KeyManager: "AWS",
      CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
      KeySpec: "SYMMETRIC_DEFAULT",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
      MultiRegion: false,
      CurrentKeyMaterialId: key.CurrentKeyMaterialId,
    });
    assert.match(key.CurrentKeyMaterialId as string, /^[0-9a-f]{64}$/);

    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
    assert.equal(policy.Policy, s3Policy);
    assert.equal(policy.PolicyName, "default");
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(rotation.KeyRotationEnabled, true);
    assert.equal(rotation.RotationPeriodInDays, 365);
    assert.deepEqual(rotation.NextRotationDate, new Date(now.getTime() + 365 * dayMs));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, []);
    assert.deepEqual((await kms.send(new ListKeysCommand({}))).Keys, [
      { KeyId: keyId, KeyArn: key.Arn },
    ]);

    // The alias now has its target, and dates.
    const listed = await listAll(kms);
    assert.deepEqual(
      listed.find((alias) => alias.AliasName === "alias/aws/s3"),
      {
        AliasName: "alias/aws/s3",
        AliasArn: aliasArn("alias/aws/s3"),
        TargetKeyId: keyId,
        CreationDate: now,
        LastUpdatedDate: now,
      },
    );
    assert.equal(listed.length, predefined.length);
    assert.equal(listed.filter((alias) => alias.TargetKeyId !== undefined).length, 1);
    const ofKey = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    assert.deepEqual(
      ofKey.Aliases?.map((alias) => alias.AliasName),
      ["alias/aws/s3"],
    );
  });

  it("finds the same key by alias name, alias ARN, key id and key ARN afterwards", async () => {
    const key = await s3Key();
    for (const reference of ["alias/aws/s3", aliasArn("alias/aws/s3"), key.KeyId, key.Arn]) {
      const out = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
      assert.equal(out.KeyMetadata?.KeyId, key.KeyId, String(reference));
    }
    assert.equal((await awsManagedKeyIds(kms)).length, 1);
  });

  it("creates the key by alias ARN, and a separate key per Region", async () => {
    const byArn = await kms.send(new DescribeKeyCommand({ KeyId: aliasArn("alias/aws/ssm") }));
    assert.equal(byArn.KeyMetadata?.KeyManager, "AWS");
    assert.equal(
      byArn.KeyMetadata?.Description,
      "Default key that protects my SSM parameters when no other key is defined",
    );
    const west = trent.client("eu-west-1");
    const other = await west.send(new DescribeKeyCommand({ KeyId: "alias/aws/ssm" }));
    assert.notEqual(other.KeyMetadata?.KeyId, byArn.KeyMetadata?.KeyId);
    assert.match(other.KeyMetadata?.Arn as string, /^arn:aws:kms:eu-west-1:/);
    const westPolicy = JSON.parse(
      (await west.send(new GetKeyPolicyCommand({ KeyId: other.KeyMetadata?.KeyId }))).Policy ??
        "{}",
    );
    assert.equal(
      westPolicy.Statement[0].Condition.StringEquals["kms:ViaService"],
      "ssm.eu-west-1.amazonaws.com",
    );
  });

  it("creates the key on first use by Encrypt and GenerateDataKey, and decrypts", async () => {
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: "alias/aws/ebs", Plaintext: plaintext }),
    );
    const { KeyMetadata: ebs } = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/ebs" }));
    assert.equal(encrypted.KeyId, ebs?.Arn);
    assert.equal(ebs?.KeyManager, "AWS");
    assert.equal(
      ebs?.Description,
      "Default key that protects my EBS volumes when no other key is defined",
    );
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);

    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: "alias/aws/lambda", KeySpec: "AES_256" }),
    );
    const { KeyMetadata: lambda } = await kms.send(
      new DescribeKeyCommand({ KeyId: "alias/aws/lambda" }),
    );
    assert.equal(dataKey.KeyId, lambda?.Arn);
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId: "alias/aws/rds", KeyPairSpec: "ECC_NIST_P256" }),
    );
    assert.ok(pair.PrivateKeyCiphertextBlob);

    const reEncrypted = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        DestinationKeyId: "alias/aws/secretsmanager",
      }),
    );
    const { KeyMetadata: secrets } = await kms.send(
      new DescribeKeyCommand({ KeyId: "alias/aws/secretsmanager" }),
    );
    assert.equal(reEncrypted.KeyId, secrets?.Arn);
    assert.equal(reEncrypted.SourceKeyId, ebs?.Arn);
    assert.equal((await awsManagedKeyIds(kms)).length, 4);
  });

  it("creates no key for other operations, nor for names AWS does not use", async () => {
    await rejectsWith(
      kms.send(new GetPublicKeyCommand({ KeyId: "alias/aws/glue" })),
      "NotFoundException",
      `Alias ${aliasArn("alias/aws/glue")} is not found.`,
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/nothing" })),
      "NotFoundException",
      `Alias ${aliasArn("alias/aws/nothing")} is not found.`,
    );
    assert.deepEqual((await kms.send(new ListKeysCommand({}))).Keys, []);
    const glue = (await listAll(kms)).find((alias) => alias.AliasName === "alias/aws/glue");
    assert.equal(glue?.TargetKeyId, undefined);
  });

  it("creates one key however many first uses arrive at once", async () => {
    const uses = Array.from({ length: 24 }, (_, i) =>
      i % 2 === 0
        ? kms
            .send(new DescribeKeyCommand({ KeyId: "alias/aws/kinesis" }))
            .then((out) => out.KeyMetadata?.Arn)
        : kms
            .send(new EncryptCommand({ KeyId: "alias/aws/kinesis", Plaintext: plaintext }))
            .then((out) => out.KeyId),
    );
    const arns = new Set(await Promise.all(uses));
    assert.equal(arns.size, 1);
    assert.deepEqual(await awsManagedKeyIds(kms), [[...arns][0]?.split("/")[1]]);
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: [...arns][0] }));
    assert.deepEqual(
      aliases.Aliases?.map((alias) => alias.AliasName),
      ["alias/aws/kinesis"],
    );
  });

  describe("what customers may not do", () => {
    it("refuses every management operation with AWS's AccessDeniedException, changing nothing", async () => {
      const key = await s3Key();
      const keyId = key.KeyId as string;
      const arn = key.Arn as string;
      const refusals: [string, Promise<unknown>][] = [
        ["DisableKey", kms.send(new DisableKeyCommand({ KeyId: keyId }))],
        ["EnableKey", kms.send(new EnableKeyCommand({ KeyId: keyId }))],
        [
          "ScheduleKeyDeletion",
          kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })),
        ],
        ["CancelKeyDeletion", kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }))],
        [
          "PutKeyPolicy",
          kms.send(
            new PutKeyPolicyCommand({
              KeyId: keyId,
              PolicyName: "default",
              Policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
                ],
              }),
            }),
          ),
        ],
        ["EnableKeyRotation", kms.send(new EnableKeyRotationCommand({ KeyId: keyId }))],
        ["DisableKeyRotation", kms.send(new DisableKeyRotationCommand({ KeyId: keyId }))],
        ["RotateKeyOnDemand", kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))],
        [
          "UpdateKeyDescription",
          kms.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "mine now" })),
        ],
        [
          "TagResource",
          kms.send(
            new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "a", TagValue: "b" }] }),
          ),
        ],
        ["UntagResource", kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["a"] }))],
        [
          "ImportKeyMaterial",
          kms.send(
            new ImportKeyMaterialCommand({
              KeyId: keyId,
              ImportToken: new Uint8Array(64),
              EncryptedKeyMaterial: new Uint8Array(256),
              ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            }),
          ),
        ],
        [
          "DeleteImportedKeyMaterial",
          kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId })),
        ],
        [
          "ReplicateKey",
          kms.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "eu-west-1" })),
        ],
        [
          "UpdatePrimaryRegion",
          kms.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: "eu-west-1" })),
        ],
        [
          "CreateAlias",
          kms.send(new CreateAliasCommand({ AliasName: "alias/my-s3", TargetKeyId: keyId })),
        ],
      ];
      for (const [action, call] of refusals)
        await rejectsWith(call, "AccessDeniedException", noPolicyAllows(root, action, arn));

      // The account's kms:Get* covers GetParametersForImport; the key's origin refuses it.
      await rejectsWith(
        kms.send(
          new GetParametersForImportCommand({
            KeyId: keyId,
            WrappingAlgorithm: "RSAES_OAEP_SHA_256",
            WrappingKeySpec: "RSA_2048",
          }),
        ),
        "UnsupportedOperationException",
        `${arn} origin is AWS_KMS which is not valid for this operation.`,
      );

      // UpdateAlias may not move a customer's alias onto it either.
      const { KeyMetadata: mine } = await kms.send(new CreateKeyCommand({}));
      await kms.send(new CreateAliasCommand({ AliasName: "alias/mine", TargetKeyId: mine?.KeyId }));
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/mine", TargetKeyId: keyId })),
        "AccessDeniedException",
        noPolicyAllows(root, "UpdateAlias", arn),
      );

      // Nothing changed.
      assert.deepEqual(await s3Key(), key);
      const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
      assert.equal(policy.Policy, s3Policy);
      const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      assert.equal(rotation.KeyRotationEnabled, true);
      assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, []);
      const aliases = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
      assert.deepEqual(
        aliases.Aliases?.map((alias) => alias.AliasName),
        ["alias/aws/s3"],
      );
    });

    it("keeps the alias/aws/ names AWS's: NotAuthorizedException, alias unchanged", async () => {
      const key = await s3Key();
      const { KeyMetadata: mine } = await kms.send(new CreateKeyCommand({}));
      const noMessage = "UnknownError";
      await rejectsWith(
        kms.send(new DeleteAliasCommand({ AliasName: "alias/aws/s3" })),
        "NotAuthorizedException",
        noMessage,
      );
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/aws/s3", TargetKeyId: mine?.KeyId })),
        "NotAuthorizedException",
        noMessage,
      );
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/aws/glue", TargetKeyId: mine?.KeyId })),
        "NotAuthorizedException",
        noMessage,
      );
      const s3 = (await listAll(kms)).find((alias) => alias.AliasName === "alias/aws/s3");
      assert.equal(s3?.TargetKeyId, key.KeyId);
      const glue = (await listAll(kms)).find((alias) => alias.AliasName === "alias/aws/glue");
      assert.equal(glue?.TargetKeyId, undefined);
    });
  });

  describe("use as its service would (direct use, the default)", () => {
    it("allows what the service's policy allows, and refuses the rest", async () => {
      // SNS may decrypt and make data keys with its key, but not Encrypt.
      const dataKey = await kms.send(
        new GenerateDataKeyCommand({ KeyId: "alias/aws/sns", NumberOfBytes: 32 }),
      );
      const sns = dataKey.KeyId as string;
      const decrypted = await kms.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }),
      );
      assert.deepEqual(decrypted.Plaintext, dataKey.Plaintext);
      await rejectsWith(
        kms.send(new EncryptCommand({ KeyId: "alias/aws/sns", Plaintext: plaintext })),
        "AccessDeniedException",
        noPolicyAllows(root, "Encrypt", sns),
      );
      // A symmetric key never signs, and S3's policy does not allow kms:Sign anyway.
      const s3 = await s3Key();
      await rejectsWith(
        kms.send(
          new SignCommand({
            KeyId: "alias/aws/s3",
            Message: plaintext,
            SigningAlgorithm: "ECDSA_SHA_256",
          }),
        ),
        "AccessDeniedException",
        noPolicyAllows(root, "Sign", s3.Arn as string),
      );
    });

    it("lets grants be made where the service makes them (EBS), not elsewhere (S3)", async () => {
      const { KeyMetadata: ebs } = await kms.send(
        new DescribeKeyCommand({ KeyId: "alias/aws/ebs" }),
      );
      const grantee = `arn:aws:iam::${account}:role/volume-attacher`;
      await kms.send(
        new CreateGrantCommand({
          KeyId: ebs?.KeyId,
          GranteePrincipal: grantee,
          Operations: ["Decrypt"],
        }),
      );
      const grants = await kms.send(new ListGrantsCommand({ KeyId: ebs?.KeyId }));
      assert.equal(grants.Grants?.length, 1);
      const s3 = await s3Key();
      await rejectsWith(
        kms.send(
          new CreateGrantCommand({
            KeyId: s3.KeyId,
            GranteePrincipal: grantee,
            Operations: ["Decrypt"],
          }),
        ),
        "AccessDeniedException",
        noPolicyAllows(root, "CreateGrant", s3.Arn as string),
      );
    });
  });
});

describe("AWS managed key rotation", () => {
  it("rotates the key material every 365 days, by itself", async () => {
    let now = new Date("2026-04-01T09:30:00Z");
    const trent = await startTestTrent({}, { clock: { now: () => now } });
    try {
      const kms = trent.client();
      const sealed = await kms.send(
        new EncryptCommand({ KeyId: "alias/aws/secretsmanager", Plaintext: plaintext }),
      );
      const keyId = sealed.KeyId as string;
      now = new Date(now.getTime() + 364 * dayMs);
      assert.equal(await trent.sweepKeyMaterial(), 0);
      now = new Date(now.getTime() + dayMs);
      assert.equal(await trent.sweepKeyMaterial(), 1);
      const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
      assert.deepEqual(
        rotations.Rotations?.map((rotation) => [rotation.RotationType, rotation.RotationDate]),
        [["AUTOMATIC", now]],
      );
      const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      assert.deepEqual(status.NextRotationDate, new Date(now.getTime() + 365 * dayMs));
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.deepEqual(opened.Plaintext, plaintext);
    } finally {
      await trent.close();
    }
  });
});

describe("AWS managed keys with direct use off (TRENT_AWS_MANAGED_KEYS_DIRECT_USE=false)", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  before(async () => {
    trent = await startTestTrent({ awsManagedKeysDirectUse: false });
    kms = trent.client();
  });
  after(() => trent.close());

  it("lets the account read the key, and refuses direct use as AWS does", async () => {
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/s3" }));
    assert.equal(key?.KeyManager, "AWS");
    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: key?.KeyId }));
    assert.equal(policy.Policy, s3Policy);
    await kms.send(new ListResourceTagsCommand({ KeyId: key?.KeyId }));
    await kms.send(new GetKeyRotationStatusCommand({ KeyId: key?.KeyId }));
    for (const [action, call] of [
      ["Encrypt", kms.send(new EncryptCommand({ KeyId: "alias/aws/s3", Plaintext: plaintext }))],
      [
        "GenerateDataKey",
        kms.send(new GenerateDataKeyCommand({ KeyId: "alias/aws/s3", KeySpec: "AES_256" })),
      ],
    ] as const)
      await rejectsWith(
        call,
        "AccessDeniedException",
        noPolicyAllows(root, action, key?.Arn as string),
      );
    // Encrypt under a predefined alias still makes its key, then is refused.
    await rejectsWith(
      kms.send(new EncryptCommand({ KeyId: "alias/aws/xray", Plaintext: plaintext })),
      "AccessDeniedException",
      /^User: arn:aws:iam::111122223333:root is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36} because no resource-based policy allows the kms:Encrypt action$/,
    );
  });
});

describe("AWS managed keys in sigv4 mode", () => {
  const other = "444455556666";
  const user = `arn:aws:iam::${account}:user/app`;
  const denied = `arn:aws:iam::${account}:user/no-rotation`;
  const stranger = `arn:aws:iam::${other}:user/stranger`;
  const identities = [
    // An application identity without any identity policy: AWS managed keys need none.
    { key: "AKIAMANAGEDAPP000001", arn: user, account, policies: [] },
    {
      key: "AKIAMANAGEDDENY00001",
      arn: denied,
      account,
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "kms:*", Resource: "*" },
            { Effect: "Deny", Action: "kms:DisableKey", Resource: "*" },
          ],
        },
      ],
    },
    {
      key: "AKIAMANAGEDOTHER0001",
      arn: stranger,
      account: other,
      policies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] },
      ],
    },
  ];
  let dir: string;
  let trent: TestTrent;
  const clients = new Map<string, KMSClient>();
  const as = (arn: string) => clients.get(arn) as KMSClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trent-managed-"));
    const lines = ["identities:"];
    for (const identity of identities)
      lines.push(
        `  - accessKeyId: ${identity.key}`,
        `    secretAccessKey: ${identity.key.toLowerCase()}-secret`,
        `    accountId: "${identity.account}"`,
        `    arn: ${identity.arn}`,
        `    policies: ${JSON.stringify(identity.policies)}`,
      );
    writeFileSync(join(dir, "credentials.yaml"), `${lines.join("\n")}\n`, { mode: 0o600 });
    trent = await startTestTrent({
      authMode: "sigv4",
      credentialsFile: join(dir, "credentials.yaml"),
    });
    for (const identity of identities)
      clients.set(
        identity.arn,
        new KMSClient({
          endpoint: trent.url,
          region,
          credentials: {
            accessKeyId: identity.key,
            secretAccessKey: `${identity.key.toLowerCase()}-secret`,
          },
          maxAttempts: 1,
        }),
      );
  });
  after(async () => {
    for (const client of clients.values()) client.destroy();
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lets any principal of the account use the key, with no identity policy", async () => {
    const out = await as(user).send(
      new EncryptCommand({ KeyId: "alias/aws/s3", Plaintext: plaintext }),
    );
    const back = await as(user).send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob }));
    assert.deepEqual(back.Plaintext, plaintext);
    const { KeyMetadata } = await as(user).send(new DescribeKeyCommand({ KeyId: "alias/aws/s3" }));
    assert.equal(KeyMetadata?.Arn, out.KeyId);
    // Reading the policy is delegated to IAM (the account root statement), and this user's
    // identity policies allow nothing.
    await rejectsWith(
      as(user).send(new GetKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId })),
      "AccessDeniedException",
      `User: ${user} is not authorized to perform: kms:GetKeyPolicy on resource: ${KeyMetadata?.Arn} because no identity-based policy allows the kms:GetKeyPolicy action`,
    );
  });

  it("answers an explicit Deny first, with its own wording", async () => {
    const { KeyMetadata } = await as(denied).send(
      new DescribeKeyCommand({ KeyId: "alias/aws/s3" }),
    );
    await rejectsWith(
      as(denied).send(new DisableKeyCommand({ KeyId: KeyMetadata?.KeyId })),
      "AccessDeniedException",
      `User: ${denied} is not authorized to perform: kms:DisableKey on resource: ${KeyMetadata?.Arn} with an explicit deny in an identity-based policy`,
    );
    await rejectsWith(
      as(denied).send(new EnableKeyCommand({ KeyId: KeyMetadata?.KeyId })),
      "AccessDeniedException",
      noPolicyAllows(denied, "EnableKey", KeyMetadata?.Arn as string),
    );
  });

  it("keeps other accounts out, and makes no key for them", async () => {
    await rejectsWith(
      as(stranger).send(new DescribeKeyCommand({ KeyId: aliasArn("alias/aws/rds") })),
      "NotFoundException",
      `Alias ${aliasArn("alias/aws/rds")} is not found.`,
    );
    const { KeyMetadata } = await as(user).send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }));
    for (const [action, call] of [
      ["DescribeKey", as(stranger).send(new DescribeKeyCommand({ KeyId: KeyMetadata?.Arn }))],
      [
        "Encrypt",
        as(stranger).send(new EncryptCommand({ KeyId: KeyMetadata?.Arn, Plaintext: plaintext })),
      ],
    ] as const)
      await rejectsWith(
        call,
        "AccessDeniedException",
        noPolicyAllows(stranger, action, KeyMetadata?.Arn as string),
      );
    // The stranger's own account has its own predefined aliases, still without keys.
    const theirs = await as(stranger).send(new ListAliasesCommand({}));
    assert.equal(
      theirs.Aliases?.find((a) => a.AliasName === "alias/aws/rds")?.TargetKeyId,
      undefined,
    );
  });
});

describe("AWS managed keys in the audit trail", () => {
  it("records the call that made the key, naming it, and no other event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-managed-audit-"));
    try {
      const trent = await startTestTrent({ auditFile: join(dir, "audit.jsonl") });
      const kms = trent.client();
      const out = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/s3" }));
      const requestId = out.$metadata.requestId;
      await trent.close();
      const records = readFileSync(join(dir, "audit.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      assert.equal(records.length, 1);
      assert.equal(records[0].eventName, "DescribeKey");
      assert.equal(records[0].requestID, requestId);
      assert.equal(records[0].eventType, "AwsApiCall");
      assert.deepEqual(records[0].resources, [
        { accountId: account, type: "AWS::KMS::Key", ARN: out.KeyMetadata?.Arn },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("AWS managed keys on two nodes sharing PostgreSQL", { skip: postgresSkipReason() }, () => {
  let database: TestPostgres;
  let nodes: TestTrent[];

  before(async () => {
    database = await startTestPostgres();
    const databaseUrl = await database.createDatabase();
    const rootKey = new Uint8Array(32).fill(0x3c);
    nodes = await Promise.all([
      startTestTrent({ databaseUrl, rootKey }),
      startTestTrent({ databaseUrl, rootKey }),
    ]);
  });
  after(async () => {
    for (const node of nodes ?? []) await node.close();
    await database?.stop();
  });

  it("creates one key when both nodes see the first uses at once", async () => {
    const clients = nodes.map((node) => node.client());
    const uses = Array.from({ length: 16 }, (_, i) => {
      const client = clients[i % 2] as KMSClient;
      return i % 4 < 2
        ? client
            .send(new DescribeKeyCommand({ KeyId: "alias/aws/dynamodb" }))
            .then((out) => out.KeyMetadata?.Arn)
        : client
            .send(new EncryptCommand({ KeyId: "alias/aws/dynamodb", Plaintext: plaintext }))
            .then((out) => out.KeyId);
    });
    const arns = new Set(await Promise.all(uses));
    assert.equal(arns.size, 1);
    const [a, b] = clients as [KMSClient, KMSClient];
    assert.deepEqual(await awsManagedKeyIds(a), await awsManagedKeyIds(b));
    assert.equal((await awsManagedKeyIds(a)).length, 1);
    const encrypted = await a.send(
      new EncryptCommand({ KeyId: "alias/aws/dynamodb", Plaintext: plaintext }),
    );
    const decrypted = await b.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);
  });
});
