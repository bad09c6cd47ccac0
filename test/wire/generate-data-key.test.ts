/**
 * GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom through the real SDK: data
 * key lengths, the KeySpec/NumberOfBytes rule, encryption context, key references, states and
 * usage, DryRun, Recipient, and AWS's exact errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

describe("GenerateDataKey and GenerateDataKeyWithoutPlaintext", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let key: { id: string; arn: string };

  async function newKey(input: CreateKeyCommandInput = {}) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    key = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: "alias/data-keys", TargetKeyId: key.id }));
  });
  after(() => trent.close());

  const lengths = [
    [{ KeySpec: "AES_256" }, 32],
    [{ KeySpec: "AES_128" }, 16],
    [{ NumberOfBytes: 1 }, 1],
    [{ NumberOfBytes: 64 }, 64],
    [{ NumberOfBytes: 1024 }, 1024],
  ] as const;

  for (const [length, bytes] of lengths) {
    it(`returns a ${bytes}-byte data key for ${JSON.stringify(length)} that Decrypt opens`, async () => {
      const out = await kms.send(new GenerateDataKeyCommand({ KeyId: key.id, ...length }));
      assert.equal(out.Plaintext?.length, bytes);
      assert.equal(out.KeyId, key.arn);
      const back = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob }));
      assert.deepEqual(back.Plaintext, out.Plaintext);
      assert.equal(back.KeyId, key.arn);
    });
  }

  it("answers the key material id that sealed the data key", async () => {
    const out = await kms.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256" }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.id }));
    assert.match(out.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
    assert.equal(out.KeyMaterialId, KeyMetadata?.CurrentKeyMaterialId);
  });

  it("makes a fresh key every time", async () => {
    const one = await kms.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256" }));
    const two = await kms.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256" }));
    assert.notDeepEqual(one.Plaintext, two.Plaintext);
  });

  for (const [kind, reference] of [
    ["key ARN", () => key.arn],
    ["alias name", () => "alias/data-keys"],
    ["alias ARN", () => key.arn.replace(/key\/.*$/, "alias/data-keys")],
  ] as const) {
    it(`accepts the ${kind} as KeyId and answers the key ARN`, async () => {
      const out = await kms.send(
        new GenerateDataKeyCommand({ KeyId: reference(), KeySpec: "AES_128" }),
      );
      assert.equal(out.KeyId, key.arn);
    });
  }

  it("binds the encryption context to the sealed copy", async () => {
    const context = { bucket: "photos", object: "cat.jpg" };
    const out = await kms.send(
      new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256", EncryptionContext: context }),
    );
    const back = await kms.send(
      new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: context }),
    );
    assert.deepEqual(back.Plaintext, out.Plaintext);
    const error = await failure(
      kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob })),
    );
    assert.equal(error.name, "InvalidCiphertextException");
  });

  const eitherOr = {
    name: "ValidationException",
    message: "Please specify either number of bytes or key spec.",
    status: 400,
  };

  it("requires exactly one of KeySpec and NumberOfBytes", async () => {
    for (const Command of [GenerateDataKeyCommand, GenerateDataKeyWithoutPlaintextCommand]) {
      assert.deepEqual(await failure(kms.send(new Command({ KeyId: key.id }))), eitherOr);
      assert.deepEqual(
        await failure(
          kms.send(new Command({ KeyId: key.id, KeySpec: "AES_256", NumberOfBytes: 32 })),
        ),
        eitherOr,
      );
    }
  });

  it("checks the length before looking the key up", async () => {
    const error = await failure(
      kms.send(new GenerateDataKeyCommand({ KeyId: "alias/does-not-exist" })),
    );
    assert.deepEqual(error, eitherOr);
  });

  it("words out-of-range lengths and unknown key specs as AWS does", async () => {
    const cases = [
      [
        { NumberOfBytes: 0 },
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ],
      [
        { NumberOfBytes: 1025 },
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
      ],
      [
        { KeySpec: "AES_512" },
        "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
      ],
    ] as const;
    for (const [member, message] of cases) {
      const res = await rawKms(
        trent.url,
        "GenerateDataKey",
        JSON.stringify({ KeyId: key.id, ...member }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { __type: "ValidationException", message });
    }
  });

  it("refuses keys that cannot wrap data keys", async () => {
    const rsa = await newKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    const signing = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    const mac = await newKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
    for (const operation of ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] as const) {
      const Command =
        operation === "GenerateDataKey"
          ? GenerateDataKeyCommand
          : GenerateDataKeyWithoutPlaintextCommand;
      assert.deepEqual(
        await failure(kms.send(new Command({ KeyId: rsa.id, KeySpec: "AES_256" }))),
        {
          name: "InvalidKeyUsageException",
          message: `${rsa.arn} key KeySpec is RSA_2048 which is not valid for ${operation}.`,
          status: 400,
        },
      );
      assert.deepEqual(
        await failure(kms.send(new Command({ KeyId: signing.id, KeySpec: "AES_256" }))),
        {
          name: "InvalidKeyUsageException",
          message: `${signing.arn} key usage is SIGN_VERIFY which is not valid for ${operation}.`,
          status: 400,
        },
      );
      assert.deepEqual(
        await failure(kms.send(new Command({ KeyId: mac.id, KeySpec: "AES_256" }))),
        {
          name: "InvalidKeyUsageException",
          message: `${mac.arn} key usage is GENERATE_VERIFY_MAC which is not valid for ${operation}.`,
          status: 400,
        },
      );
    }
  });

  it("follows the key state table", async () => {
    const disabled = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.id }));
    assert.deepEqual(
      await failure(
        kms.send(new GenerateDataKeyCommand({ KeyId: disabled.id, KeySpec: "AES_256" })),
      ),
      { name: "DisabledException", message: `${disabled.arn} is disabled.`, status: 400 },
    );
    const deleting = await newKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting.id, PendingWindowInDays: 7 }));
    assert.deepEqual(
      await failure(
        kms.send(
          new GenerateDataKeyWithoutPlaintextCommand({ KeyId: deleting.id, NumberOfBytes: 8 }),
        ),
      ),
      {
        name: "KMSInvalidStateException",
        message: `${deleting.arn} is pending deletion.`,
        status: 400,
      },
    );
    const missing = "0b0b0b0b-1111-2222-3333-444444444444";
    assert.deepEqual(
      await failure(kms.send(new GenerateDataKeyCommand({ KeyId: missing, KeySpec: "AES_256" }))),
      {
        name: "NotFoundException",
        message: `Key '${key.arn.replace(/key\/.*$/, `key/${missing}`)}' does not exist`,
        status: 400,
      },
    );
  });

  it("answers DryRunOperationException (412) when it would succeed", async () => {
    const dryRun = {
      name: "DryRunOperationException",
      message: "The request would have succeeded, but the DryRun option is set.",
      status: 412,
    };
    assert.deepEqual(
      await failure(
        kms.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256", DryRun: true })),
      ),
      dryRun,
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new GenerateDataKeyWithoutPlaintextCommand({
            KeyId: key.id,
            NumberOfBytes: 3,
            DryRun: true,
          }),
        ),
      ),
      dryRun,
    );
  });

  it("refuses a forged grant token and a Recipient that is not an attestation document", async () => {
    assert.deepEqual(
      await failure(
        kms.send(
          new GenerateDataKeyCommand({
            KeyId: key.id,
            KeySpec: "AES_256",
            GrantTokens: ["forged"],
          }),
        ),
      ),
      { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
    );
    const recipient = await failure(
      kms.send(
        new GenerateDataKeyCommand({
          KeyId: key.id,
          KeySpec: "AES_256",
          Recipient: {
            KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
            AttestationDocument: new Uint8Array(8),
          },
        }),
      ),
    );
    // Recipient itself: test/wire/recipient.test.ts.
    assert.deepEqual(recipient, {
      name: "ValidationException",
      message:
        "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
      status: 400,
    });
  });

  it("WithoutPlaintext sends only the sealed copy", async () => {
    const res = await rawKms(
      trent.url,
      "GenerateDataKeyWithoutPlaintext",
      JSON.stringify({ KeyId: key.id, KeySpec: "AES_256", EncryptionContext: { a: "b" } }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ["CiphertextBlob", "KeyId", "KeyMaterialId"]);
    assert.equal(res.body.KeyId, key.arn);
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(res.body.CiphertextBlob as string, "base64"),
        EncryptionContext: { a: "b" },
      }),
    );
    assert.equal(back.Plaintext?.length, 32);
  });
});

describe("GenerateRandom", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("returns exactly NumberOfBytes random bytes", async () => {
    for (const n of [1, 32, 1024]) {
      const out = await trent.client().send(new GenerateRandomCommand({ NumberOfBytes: n }));
      assert.equal(out.Plaintext?.length, n);
    }
  });

  it("requires NumberOfBytes in AWS's own words", async () => {
    assert.deepEqual(await failure(trent.client().send(new GenerateRandomCommand({}))), {
      name: "ValidationException",
      message: "NumberOfBytes is required.",
      status: 400,
    });
  });

  it("has no custom key stores to draw from", async () => {
    const error = await failure(
      trent.client().send(
        new GenerateRandomCommand({
          NumberOfBytes: 8,
          CustomKeyStoreId: "cks-1234567890abcdef0",
        }),
      ),
    );
    assert.equal(error.name, "CustomKeyStoreNotFoundException");
    assert.equal(error.status, 400);
  });

  it("refuses a Recipient that is not an attestation document", async () => {
    const error = await failure(
      trent.client().send(
        new GenerateRandomCommand({
          NumberOfBytes: 8,
          Recipient: {
            KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
            AttestationDocument: new Uint8Array(4),
          },
        }),
      ),
    );
    assert.equal(error.name, "ValidationException");
    assert.equal(
      error.message,
      "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
    );
  });
});
