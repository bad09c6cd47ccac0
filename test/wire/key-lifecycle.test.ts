/**
 * The key lifecycle through the real AWS SDK: CreateKey for every KeySpec, DescribeKey,
 * ListKeys, EnableKey/DisableKey, ScheduleKeyDeletion/CancelKeyDeletion, UpdateKeyDescription,
 * deletion by the clock, and the exact errors AWS answers (type, status, message).
 * Expected metadata is written out from the AWS API reference (CreateKey/DescribeKey examples,
 * KeyMetadata member docs), not derived from Trent's own tables.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  type CustomerMasterKeySpec,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  type KeyMetadata,
  type KMSClient,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  type SigningAlgorithmSpec,
  UpdateKeyDescriptionCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const materialId = /^[0-9a-f]{64}$/;
const day = 24 * 60 * 60 * 1000;

async function create(client: KMSClient, input: CreateKeyCommandInput = {}): Promise<KeyMetadata> {
  const out = await client.send(new CreateKeyCommand(input));
  assert.ok(out.KeyMetadata);
  return out.KeyMetadata;
}

async function describeKey(client: KMSClient, keyId: string): Promise<KeyMetadata> {
  const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  assert.ok(out.KeyMetadata);
  return out.KeyMetadata;
}

/** The members every customer managed key has, as AWS fills them for a fresh key. */
function common(meta: KeyMetadata, region = "us-east-1", partition = "aws"): KeyMetadata {
  return {
    AWSAccountId: account,
    KeyId: meta.KeyId,
    Arn: `arn:${partition}:kms:${region}:${account}:key/${meta.KeyId}`,
    CreationDate: meta.CreationDate,
    Enabled: true,
    Description: "",
    KeyState: "Enabled",
    Origin: "AWS_KMS",
    KeyManager: "CUSTOMER",
    MultiRegion: false,
  };
}

const rsaSigning: SigningAlgorithmSpec[] = [
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
];

/** Every KeySpec with each usage AWS allows for it, and the algorithm list DescribeKey shows. */
const specCases: {
  spec: NonNullable<CreateKeyCommandInput["KeySpec"]>;
  usage: NonNullable<CreateKeyCommandInput["KeyUsage"]>;
  algorithms: Partial<KeyMetadata>;
  legacySpec: boolean;
}[] = [
  {
    spec: "RSA_2048",
    usage: "ENCRYPT_DECRYPT",
    algorithms: { EncryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] },
    legacySpec: true,
  },
  {
    spec: "RSA_2048",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: rsaSigning },
    legacySpec: true,
  },
  {
    spec: "RSA_3072",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: rsaSigning },
    legacySpec: true,
  },
  {
    spec: "RSA_4096",
    usage: "ENCRYPT_DECRYPT",
    algorithms: { EncryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P256",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ECDSA_SHA_256"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P256",
    usage: "KEY_AGREEMENT",
    algorithms: { KeyAgreementAlgorithms: ["ECDH"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P384",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ECDSA_SHA_384"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P384",
    usage: "KEY_AGREEMENT",
    algorithms: { KeyAgreementAlgorithms: ["ECDH"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P521",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ECDSA_SHA_512"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_P521",
    usage: "KEY_AGREEMENT",
    algorithms: { KeyAgreementAlgorithms: ["ECDH"] },
    legacySpec: true,
  },
  {
    spec: "ECC_SECG_P256K1",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ECDSA_SHA_256"] },
    legacySpec: true,
  },
  {
    spec: "ECC_NIST_EDWARDS25519",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"] },
    legacySpec: false,
  },
  {
    spec: "ML_DSA_44",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] },
    legacySpec: false,
  },
  {
    spec: "ML_DSA_65",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] },
    legacySpec: false,
  },
  {
    spec: "ML_DSA_87",
    usage: "SIGN_VERIFY",
    algorithms: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] },
    legacySpec: false,
  },
  {
    spec: "HMAC_224",
    usage: "GENERATE_VERIFY_MAC",
    algorithms: { MacAlgorithms: ["HMAC_SHA_224"] },
    legacySpec: true,
  },
  {
    spec: "HMAC_256",
    usage: "GENERATE_VERIFY_MAC",
    algorithms: { MacAlgorithms: ["HMAC_SHA_256"] },
    legacySpec: true,
  },
  {
    spec: "HMAC_384",
    usage: "GENERATE_VERIFY_MAC",
    algorithms: { MacAlgorithms: ["HMAC_SHA_384"] },
    legacySpec: true,
  },
  {
    spec: "HMAC_512",
    usage: "GENERATE_VERIFY_MAC",
    algorithms: { MacAlgorithms: ["HMAC_SHA_512"] },
    legacySpec: true,
  },
];

/** Signing algorithm order is not part of the contract; compare RSA's list as a set. */
function sortedLists(meta: Partial<KeyMetadata>): Partial<KeyMetadata> {
  return meta.SigningAlgorithms
    ? { ...meta, SigningAlgorithms: [...meta.SigningAlgorithms].sort() }
    : meta;
}

describe("CreateKey and DescribeKey", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
  });
  after(() => trent.close());

  it("creates a symmetric encryption key with AWS's defaults", async () => {
    const meta = await create(kms);
    assert.match(meta.KeyId ?? "", uuid);
    assert.match(meta.CurrentKeyMaterialId ?? "", materialId);
    assert.ok(meta.CreationDate instanceof Date);
    assert.deepEqual(meta, {
      ...common(meta),
      KeyUsage: "ENCRYPT_DECRYPT",
      CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
      KeySpec: "SYMMETRIC_DEFAULT",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
      CurrentKeyMaterialId: meta.CurrentKeyMaterialId,
    });
    assert.deepEqual(await describeKey(kms, meta.KeyId ?? ""), meta);
  });

  it("keeps the description and accepts BypassPolicyLockoutSafetyCheck", async () => {
    const meta = await create(kms, {
      Description: "payroll key",
      BypassPolicyLockoutSafetyCheck: true,
    });
    assert.equal(meta.Description, "payroll key");
  });

  for (const c of specCases) {
    it(`creates ${c.spec} for ${c.usage} with AWS's metadata`, async () => {
      const meta = await create(kms, { KeySpec: c.spec, KeyUsage: c.usage });
      const expected = {
        ...common(meta),
        KeyUsage: c.usage,
        ...(c.legacySpec ? { CustomerMasterKeySpec: c.spec as CustomerMasterKeySpec } : {}),
        KeySpec: c.spec,
        ...c.algorithms,
      };
      assert.deepEqual(sortedLists(meta), sortedLists(expected));
      assert.deepEqual(sortedLists(await describeKey(kms, meta.Arn ?? "")), sortedLists(expected));
    });
  }

  it("treats the deprecated CustomerMasterKeySpec as KeySpec", async () => {
    const meta = await create(kms, {
      CustomerMasterKeySpec: "ECC_SECG_P256K1",
      KeyUsage: "SIGN_VERIFY",
    });
    assert.equal(meta.KeySpec, "ECC_SECG_P256K1");
    assert.equal(meta.CustomerMasterKeySpec, "ECC_SECG_P256K1");
  });

  it("refuses KeySpec and CustomerMasterKeySpec together", async () => {
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048", CustomerMasterKeySpec: "RSA_2048" })),
      "ValidationException",
      "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
    );
  });

  it("refuses key usages the spec does not have", async () => {
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "ENCRYPT_DECRYPT" })),
      "ValidationException",
      "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "SIGN_VERIFY" })),
      "ValidationException",
      "KeyUsage SIGN_VERIFY is not compatible with KeySpec HMAC_256",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "GENERATE_VERIFY_MAC" })),
      "ValidationException",
      "KeyUsage GENERATE_VERIFY_MAC is not compatible with KeySpec RSA_2048",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "KEY_AGREEMENT" })),
      "ValidationException",
      "KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_SECG_P256K1",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeyUsage: "SIGN_VERIFY" })),
      "ValidationException",
      "The operation failed because the KeyUsage value of the CMK is SIGN_VERIFY. To perform this operation, the KeyUsage value must be ENCRYPT_DECRYPT.",
    );
  });

  it("requires KeyUsage for every key but a symmetric encryption key", async () => {
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "HMAC_512" })),
      "ValidationException",
      "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048" })),
      "ValidationException",
      "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    );
  });

  it("refuses SM2 outside the China Regions as a value outside the Region's KeySpec enum", async () => {
    // The recorded us-east-1 lists (2022-09-22, 2023-04-13) have no SM2: it is not in the enum
    // there, so it fails validation like any other value, listed in AWS's order.
    await rejectsWith(
      kms.send(new CreateKeyCommand({ KeySpec: "SM2", KeyUsage: "SIGN_VERIFY" })),
      "ValidationException",
      "1 validation error detected: Value 'SM2' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ML_DSA_87, ML_DSA_65, ECC_NIST_P256, ML_DSA_44, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]",
    );
  });

  it("words unknown enum values as a model validation error", async () => {
    const res = await rawKms(trent.url, "CreateKey", JSON.stringify({ KeySpec: "AES_256" }));
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, "ValidationException");
    assert.match(
      String(res.body.message),
      /^1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[/,
    );
  });

  it("creates a key without material for Origin EXTERNAL", async () => {
    const meta = await create(kms, { Origin: "EXTERNAL" });
    assert.deepEqual(meta, {
      ...common(meta),
      Enabled: false,
      KeyState: "PendingImport",
      Origin: "EXTERNAL",
      KeyUsage: "ENCRYPT_DECRYPT",
      CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
      KeySpec: "SYMMETRIC_DEFAULT",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
    });
    const arn = meta.Arn ?? "";
    assert.deepEqual(await trent.services.store.materials.listForKey(arn), []);
  });

  it("creates imported-material keys of other specs too", async () => {
    const meta = await create(kms, {
      Origin: "EXTERNAL",
      KeySpec: "HMAC_256",
      KeyUsage: "GENERATE_VERIFY_MAC",
    });
    assert.equal(meta.KeyState, "PendingImport");
    assert.equal(meta.CurrentKeyMaterialId, undefined);
  });

  it("has no custom key stores", async () => {
    await rejectsWith(
      kms.send(
        new CreateKeyCommand({ Origin: "AWS_CLOUDHSM", CustomKeyStoreId: "cks-1234567890abcdef0" }),
      ),
      "CustomKeyStoreNotFoundException",
      "Custom key store 'cks-1234567890abcdef0' does not exist",
    );
    await rejectsWith(
      kms.send(
        new CreateKeyCommand({
          Origin: "EXTERNAL_KEY_STORE",
          CustomKeyStoreId: "cks-1234567890abcdef0",
          XksKeyId: "ext-key-1",
        }),
      ),
      "CustomKeyStoreNotFoundException",
      "Custom key store 'cks-1234567890abcdef0' does not exist",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ Origin: "AWS_CLOUDHSM" })),
      "ValidationException",
      "You must specify a CustomKeyStoreId when Origin is AWS_CLOUDHSM.",
    );
    await rejectsWith(
      kms.send(new CreateKeyCommand({ XksKeyId: "ext-key-1" })),
      "ValidationException",
      "XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE.",
    );
  });

  it("creates multi-Region primary keys with mrk- ids", async () => {
    const meta = await create(kms, { MultiRegion: true });
    assert.match(meta.KeyId ?? "", /^mrk-[0-9a-f]{32}$/);
    assert.deepEqual(meta, {
      ...common(meta),
      MultiRegion: true,
      MultiRegionConfiguration: {
        MultiRegionKeyType: "PRIMARY",
        PrimaryKey: { Arn: meta.Arn, Region: "us-east-1" },
        ReplicaKeys: [],
      },
      KeyUsage: "ENCRYPT_DECRYPT",
      CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
      KeySpec: "SYMMETRIC_DEFAULT",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
      CurrentKeyMaterialId: meta.CurrentKeyMaterialId,
    });
    assert.deepEqual(await describeKey(kms, meta.KeyId ?? ""), meta);
  });

  it("stores the given policy, or the default one", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    const given = await create(kms, { Policy: policy });
    assert.equal((await trent.services.store.keys.get(given.Arn ?? ""))?.policy, policy);
    const defaulted = await create(kms);
    const stored = JSON.parse(
      (await trent.services.store.keys.get(defaulted.Arn ?? ""))?.policy ?? "",
    );
    assert.deepEqual(stored.Statement[0].Principal, { AWS: `arn:aws:iam::${account}:root` });
    assert.equal(stored.Statement[0].Action, "kms:*");
  });

  it("refuses a policy that is not a policy document", async () => {
    await rejectsWith(
      kms.send(new CreateKeyCommand({ Policy: "{not json" })),
      "MalformedPolicyDocumentException",
      /./,
    );
  });

  it("writes tags with the key", async () => {
    const meta = await create(kms, {
      Tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "env", TagValue: "" },
      ],
    });
    assert.deepEqual(await trent.services.store.tags.list(meta.Arn ?? ""), [
      { key: "team", value: "payments" },
      { key: "env", value: "" },
    ]);
  });

  it("creates nothing when the tags are refused", async () => {
    const before = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys?.length;
    await rejectsWith(
      kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "aws:owner", TagValue: "x" }] })),
      "TagException",
      /./,
    );
    const afterCount = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys?.length;
    assert.equal(afterCount, before);
  });
});

describe("SM2 in the China Regions", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  before(async () => {
    trent = await startTestTrent();
    kms = trent.client("cn-north-1");
  });
  after(() => trent.close());

  const sm2Cases = [
    { usage: "ENCRYPT_DECRYPT", algorithms: { EncryptionAlgorithms: ["SM2PKE"] } },
    { usage: "SIGN_VERIFY", algorithms: { SigningAlgorithms: ["SM2DSA"] } },
    { usage: "KEY_AGREEMENT", algorithms: { KeyAgreementAlgorithms: ["ECDH"] } },
  ] as const;
  for (const c of sm2Cases) {
    it(`creates SM2 keys for ${c.usage} with aws-cn ARNs`, async () => {
      const meta = await create(kms, { KeySpec: "SM2", KeyUsage: c.usage });
      assert.deepEqual(meta, {
        ...common(meta, "cn-north-1", "aws-cn"),
        KeyUsage: c.usage,
        CustomerMasterKeySpec: "SM2",
        KeySpec: "SM2",
        ...c.algorithms,
      });
      assert.deepEqual(await describeKey(kms, meta.Arn ?? ""), meta);
    });
  }

  it("gives symmetric keys aws-cn ARNs too", async () => {
    const meta = await create(kms);
    assert.equal(meta.Arn, `arn:aws-cn:kms:cn-north-1:${account}:key/${meta.KeyId}`);
  });
});

describe("key references", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let key: KeyMetadata;
  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    key = await create(kms);
    const now = new Date();
    // Aliases belong to CreateAlias (another module); insert one directly.
    await trent.services.store.aliases.insert({
      accountId: account,
      region: "us-east-1",
      aliasName: "alias/payroll",
      targetKeyId: key.KeyId ?? "",
      creationDate: now,
      lastUpdatedDate: now,
    });
  });
  after(() => trent.close());

  it("DescribeKey accepts key id, key ARN, alias name and alias ARN", async () => {
    for (const reference of [
      key.KeyId ?? "",
      key.Arn ?? "",
      "alias/payroll",
      `arn:aws:kms:us-east-1:${account}:alias/payroll`,
    ]) {
      assert.equal((await describeKey(kms, reference)).KeyId, key.KeyId, reference);
    }
  });

  it("names an unknown key id by its ARN", async () => {
    const id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: id })),
      "NotFoundException",
      `Key 'arn:aws:kms:us-east-1:${account}:key/${id}' does not exist`,
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:${account}:key/${id}` })),
      "NotFoundException",
      `Key 'arn:aws:kms:us-east-1:${account}:key/${id}' does not exist`,
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: "mrk-1234abcd12ab34cd56ef1234567890ab" })),
      "NotFoundException",
      `Key 'arn:aws:kms:us-east-1:${account}:key/mrk-1234abcd12ab34cd56ef1234567890ab' does not exist`,
    );
  });

  it("calls a malformed key id invalid", async () => {
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: "testkmskey" })),
      "NotFoundException",
      "Invalid keyId 'testkmskey'",
    );
  });

  it("names an unknown alias by its ARN", async () => {
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: "alias/nope" })),
      "NotFoundException",
      `Alias arn:aws:kms:us-east-1:${account}:alias/nope is not found.`,
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:${account}:alias/nope` })),
      "NotFoundException",
      `Alias arn:aws:kms:us-east-1:${account}:alias/nope is not found.`,
    );
  });

  it("refuses ARNs of another Region", async () => {
    await rejectsWith(
      kms.send(
        new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-west-1:${account}:key/${key.KeyId}` }),
      ),
      "NotFoundException",
      "Invalid arn us-west-1",
    );
  });

  it("does not see keys of another Region by id", async () => {
    await rejectsWith(
      trent.client("eu-west-1").send(new DescribeKeyCommand({ KeyId: key.KeyId })),
      "NotFoundException",
      `Key 'arn:aws:kms:eu-west-1:${account}:key/${key.KeyId}' does not exist`,
    );
  });

  it("takes only key ids and key ARNs where AWS does", async () => {
    const KeyId = "alias/payroll";
    const calls = [
      () => kms.send(new EnableKeyCommand({ KeyId })),
      () => kms.send(new DisableKeyCommand({ KeyId })),
      () => kms.send(new ScheduleKeyDeletionCommand({ KeyId })),
      () => kms.send(new CancelKeyDeletionCommand({ KeyId })),
      () => kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "x" })),
    ];
    for (const call of calls)
      await rejectsWith(call(), "NotFoundException", "Invalid keyId 'alias/payroll'");
    assert.equal((await describeKey(kms, key.KeyId ?? "")).KeyState, "Enabled");
  });
});

describe("key state transitions", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let now = new Date("2026-03-01T12:00:00.000Z");
  before(async () => {
    trent = await startTestTrent({}, { clock: { now: () => now } });
    kms = trent.client();
  });
  after(() => trent.close());

  it("disables and enables a key, idempotently", async () => {
    const { KeyId, Arn } = await create(kms);
    await kms.send(new DisableKeyCommand({ KeyId }));
    await kms.send(new DisableKeyCommand({ KeyId: Arn }));
    let meta = await describeKey(kms, KeyId ?? "");
    assert.equal(meta.KeyState, "Disabled");
    assert.equal(meta.Enabled, false);
    await kms.send(new EnableKeyCommand({ KeyId: Arn }));
    await kms.send(new EnableKeyCommand({ KeyId }));
    meta = await describeKey(kms, KeyId ?? "");
    assert.equal(meta.KeyState, "Enabled");
    assert.equal(meta.Enabled, true);
  });

  it("schedules deletion with a 30-day default window", async () => {
    const { KeyId, Arn } = await create(kms);
    const out = await kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    assert.equal(out.KeyId, Arn);
    assert.equal(out.KeyState, "PendingDeletion");
    assert.equal(out.PendingWindowInDays, 30);
    assert.equal(out.DeletionDate?.getTime(), now.getTime() + 30 * day);
    const meta = await describeKey(kms, KeyId ?? "");
    assert.equal(meta.KeyState, "PendingDeletion");
    assert.equal(meta.Enabled, false);
    assert.equal(meta.DeletionDate?.getTime(), now.getTime() + 30 * day);
    // Shown only for a multi-Region primary waiting on its replicas (PendingReplicaDeletion).
    assert.equal(meta.PendingDeletionWindowInDays, undefined);
  });

  it("schedules deletion with a chosen window, by key ARN", async () => {
    const { Arn } = await create(kms);
    const out = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: Arn, PendingWindowInDays: 7 }),
    );
    assert.equal(out.PendingWindowInDays, 7);
    assert.equal(out.DeletionDate?.getTime(), now.getTime() + 7 * day);
  });

  it("refuses windows outside 7-30 days with AWS's wording", async () => {
    const { KeyId } = await create(kms);
    for (const days of [1, 6, 31, 365]) {
      await rejectsWith(
        kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: days })),
        "ValidationException",
        "PendingWindowInDays must be between 7 and 30",
      );
    }
    await rejectsWith(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 0 })),
      "ValidationException",
      "1 validation error detected: Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert.equal((await describeKey(kms, KeyId ?? "")).KeyState, "Enabled");
  });

  it("refuses to change a key pending deletion, and cancels back to Disabled", async () => {
    const { KeyId, Arn } = await create(kms, { Description: "old" });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    const pending = `${Arn} is pending deletion.`;
    await rejectsWith(
      kms.send(new EnableKeyCommand({ KeyId })),
      "KMSInvalidStateException",
      pending,
    );
    await rejectsWith(
      kms.send(new DisableKeyCommand({ KeyId })),
      "KMSInvalidStateException",
      pending,
    );
    await rejectsWith(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId })),
      "KMSInvalidStateException",
      pending,
    );
    await rejectsWith(
      kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "new" })),
      "KMSInvalidStateException",
      pending,
    );
    assert.equal((await describeKey(kms, KeyId ?? "")).Description, "old");

    const out = await kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.equal(out.KeyId, Arn);
    const meta = await describeKey(kms, KeyId ?? "");
    assert.equal(meta.KeyState, "Disabled");
    assert.equal(meta.Enabled, false);
    assert.equal(meta.DeletionDate, undefined);
    await kms.send(new EnableKeyCommand({ KeyId }));
    assert.equal((await describeKey(kms, KeyId ?? "")).KeyState, "Enabled");
  });

  it("cancels deletion of a disabled key back to Disabled, by key ARN", async () => {
    const { KeyId, Arn } = await create(kms);
    await kms.send(new DisableKeyCommand({ KeyId }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    assert.equal((await kms.send(new CancelKeyDeletionCommand({ KeyId: Arn }))).KeyId, Arn);
    assert.equal((await describeKey(kms, KeyId ?? "")).KeyState, "Disabled");
  });

  it("refuses to cancel deletion of a key that is not pending deletion", async () => {
    const { KeyId, Arn } = await create(kms);
    await rejectsWith(
      kms.send(new CancelKeyDeletionCommand({ KeyId })),
      "KMSInvalidStateException",
      `${Arn} is not pending deletion.`,
    );
    await kms.send(new DisableKeyCommand({ KeyId }));
    await rejectsWith(
      kms.send(new CancelKeyDeletionCommand({ KeyId })),
      "KMSInvalidStateException",
      `${Arn} is not pending deletion.`,
    );
  });

  it("keeps a key awaiting import in PendingImport", async () => {
    const { KeyId, Arn } = await create(kms, { Origin: "EXTERNAL" });
    const pendingImport = `${Arn} is pending import.`;
    await rejectsWith(
      kms.send(new EnableKeyCommand({ KeyId })),
      "KMSInvalidStateException",
      pendingImport,
    );
    await rejectsWith(
      kms.send(new DisableKeyCommand({ KeyId })),
      "KMSInvalidStateException",
      pendingImport,
    );
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "imported" }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await kms.send(new CancelKeyDeletionCommand({ KeyId }));
    const meta = await describeKey(kms, KeyId ?? "");
    assert.equal(meta.KeyState, "PendingImport");
    assert.equal(meta.Description, "imported");
  });

  it("updates and clears the description", async () => {
    const { KeyId, Arn } = await create(kms, { Description: "first" });
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "second" }));
    assert.equal((await describeKey(kms, KeyId ?? "")).Description, "second");
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: Arn, Description: "" }));
    assert.equal((await describeKey(kms, KeyId ?? "")).Description, "");
    await kms.send(new DisableKeyCommand({ KeyId }));
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "while disabled" }));
    assert.equal((await describeKey(kms, KeyId ?? "")).Description, "while disabled");
  });

  it("deletes a key when its deletion date passes, and only then", async () => {
    const { KeyId, Arn } = await create(kms);
    const scheduledAt = now;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.ok((await trent.services.store.materials.listForKey(Arn ?? "")).length > 0);

    now = new Date(scheduledAt.getTime() + 7 * day - 1);
    await trent.sweepDeletions();
    assert.equal((await describeKey(kms, KeyId ?? "")).KeyState, "PendingDeletion");

    now = new Date(scheduledAt.getTime() + 7 * day + 1);
    await trent.sweepDeletions();
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId })),
      "NotFoundException",
      `Key '${Arn}' does not exist`,
    );
    await rejectsWith(
      kms.send(new CancelKeyDeletionCommand({ KeyId })),
      "NotFoundException",
      `Key '${Arn}' does not exist`,
    );
    assert.deepEqual(await trent.services.store.materials.listForKey(Arn ?? ""), []);
    const listed = await kms.send(new ListKeysCommand({ Limit: 1000 }));
    assert.ok(!listed.Keys?.some((k) => k.KeyId === KeyId));
  });
});

describe("ListKeys", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  const created: string[] = [];
  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    for (let i = 0; i < 5; i += 1) created.push((await create(kms)).KeyId ?? "");
    created.push((await create(kms, { MultiRegion: true })).KeyId ?? "");
    created.sort();
  });
  after(() => trent.close());

  it("lists every key of the account and Region in one page by default", async () => {
    const out = await kms.send(new ListKeysCommand({}));
    assert.equal(out.Truncated, false);
    assert.equal(out.NextMarker, undefined);
    assert.deepEqual(
      out.Keys,
      created.map((id) => ({ KeyId: id, KeyArn: `arn:aws:kms:us-east-1:${account}:key/${id}` })),
    );
  });

  it("pages with Limit and Marker", async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await kms.send(new ListKeysCommand({ Limit: 4, Marker: marker }));
      pages += 1;
      seen.push(...(out.Keys ?? []).map((k) => k.KeyId ?? ""));
      assert.equal(out.Truncated, out.NextMarker !== undefined);
      assert.ok((out.Keys ?? []).length <= 4);
      marker = out.NextMarker;
    } while (marker !== undefined);
    assert.equal(pages, 2);
    assert.deepEqual(seen, created);
  });

  it("ends exactly on a full page without a marker", async () => {
    const first = await kms.send(new ListKeysCommand({ Limit: 3 }));
    assert.equal(first.Truncated, true);
    const second = await kms.send(new ListKeysCommand({ Limit: 3, Marker: first.NextMarker }));
    assert.equal(second.Keys?.length, 3);
    assert.equal(second.Truncated, false);
    assert.equal(second.NextMarker, undefined);
  });

  it("lists keys pending deletion and disabled keys too", async () => {
    await kms.send(new DisableKeyCommand({ KeyId: created[0] }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: created[1] }));
    const out = await kms.send(new ListKeysCommand({}));
    assert.equal(out.Keys?.length, created.length);
  });

  it("lists nothing in another Region", async () => {
    const out = await trent.client("eu-central-1").send(new ListKeysCommand({}));
    assert.deepEqual(out.Keys, []);
    assert.equal(out.Truncated, false);
  });

  it("refuses markers it did not issue", async () => {
    for (const Marker of ["not-a-marker", "AAAA", "dHJlbnQ"]) {
      await rejectsWith(
        kms.send(new ListKeysCommand({ Marker })),
        "InvalidMarkerException",
        "The marker that specifies where pagination continues is not valid.",
      );
    }
  });

  it("validates Limit against the model", async () => {
    await rejectsWith(
      kms.send(new ListKeysCommand({ Limit: 0 })),
      "ValidationException",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await rejectsWith(
      kms.send(new ListKeysCommand({ Limit: 1001 })),
      "ValidationException",
      "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });
});
