/**
 * ReEncrypt through the real SDK: between symmetric keys, to and from RSA keys, under the same
 * key with a new encryption context, and every error of both sides.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ReEncryptCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const text = (s: string) => new TextEncoder().encode(s);

describe("ReEncrypt", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let source: { id: string; arn: string };
  let destination: { id: string; arn: string };
  let rsa: { id: string; arn: string };

  async function newKey(input: CreateKeyCommandInput = {}) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  async function materialOf(keyId: string) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return KeyMetadata!.CurrentKeyMaterialId;
  }

  async function encrypt(
    plaintext: Uint8Array,
    context?: Record<string, string>,
    keyId = source.id,
  ) {
    const out = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }),
    );
    return out.CiphertextBlob!;
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    source = await newKey();
    destination = await newKey();
    rsa = await newKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
  });
  after(() => trent.close());

  it("moves a blob to another key and context, answering both keys and materials", async () => {
    const blob = await encrypt(text("move me"), { stage: "old" });
    const out = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: blob,
        SourceEncryptionContext: { stage: "old" },
        DestinationKeyId: destination.id,
        DestinationEncryptionContext: { stage: "new" },
      }),
    );
    assert.equal(out.SourceKeyId, source.arn);
    assert.equal(out.KeyId, destination.arn);
    assert.equal(out.SourceEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.equal(out.DestinationEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.equal(out.SourceKeyMaterialId, await materialOf(source.id));
    assert.equal(out.DestinationKeyMaterialId, await materialOf(destination.id));
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: out.CiphertextBlob,
        EncryptionContext: { stage: "new" },
      }),
    );
    assert.deepEqual(back.Plaintext, text("move me"));
    assert.equal(back.KeyId, destination.arn);
    const stale = await failure(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: out.CiphertextBlob,
          EncryptionContext: { stage: "old" },
        }),
      ),
    );
    assert.equal(stale.name, "InvalidCiphertextException");
  });

  it("changes only the context when source and destination are the same key", async () => {
    const blob = await encrypt(text("same key"), { v: "1" });
    const out = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: blob,
        SourceKeyId: source.arn,
        SourceEncryptionContext: { v: "1" },
        DestinationKeyId: source.arn,
        DestinationEncryptionContext: { v: "2" },
      }),
    );
    assert.equal(out.KeyId, source.arn);
    const back = await kms.send(
      new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { v: "2" } }),
    );
    assert.deepEqual(back.Plaintext, text("same key"));
  });

  it("throws IncorrectKeyException when SourceKeyId is not the blob's key", async () => {
    const blob = await encrypt(text("x"));
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: blob,
            SourceKeyId: destination.id,
            DestinationKeyId: destination.id,
          }),
        ),
      ),
      {
        name: "IncorrectKeyException",
        message:
          "The key ID in the request does not identify a CMK that can perform this operation.",
        status: 400,
      },
    );
  });

  it("answers InvalidCiphertextException for a wrong source context or a tampered blob", async () => {
    const blob = await encrypt(text("x"), { a: "1" });
    const wrongContext = await failure(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob: blob,
          SourceEncryptionContext: { a: "2" },
          DestinationKeyId: destination.id,
        }),
      ),
    );
    assert.equal(wrongContext.name, "InvalidCiphertextException");
    const tampered = Uint8Array.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    const broken = await failure(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob: tampered,
          SourceEncryptionContext: { a: "1" },
          DestinationKeyId: destination.id,
        }),
      ),
    );
    assert.equal(broken.name, "InvalidCiphertextException");
  });

  it("re-encrypts under an RSA key with the destination algorithm, without material id", async () => {
    const blob = await encrypt(text("to rsa"));
    const out = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: blob,
        DestinationKeyId: rsa.id,
        DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    assert.equal(out.DestinationEncryptionAlgorithm, "RSAES_OAEP_SHA_256");
    assert.equal(out.DestinationKeyMaterialId, undefined);
    assert.equal(out.SourceKeyMaterialId, await materialOf(source.id));
    assert.equal(out.CiphertextBlob?.length, 256);
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: out.CiphertextBlob,
        KeyId: rsa.id,
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    assert.deepEqual(back.Plaintext, text("to rsa"));
  });

  it("re-encrypts from an RSA key given SourceKeyId and SourceEncryptionAlgorithm", async () => {
    const rsaCiphertext = (
      await kms.send(
        new EncryptCommand({
          KeyId: rsa.id,
          Plaintext: text("from rsa"),
          EncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        }),
      )
    ).CiphertextBlob!;
    const out = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: rsaCiphertext,
        SourceKeyId: rsa.arn,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        DestinationKeyId: destination.id,
        DestinationEncryptionContext: { k: "v" },
      }),
    );
    assert.equal(out.SourceKeyId, rsa.arn);
    assert.equal(out.SourceEncryptionAlgorithm, "RSAES_OAEP_SHA_1");
    assert.equal(out.SourceKeyMaterialId, undefined);
    assert.equal(out.DestinationKeyMaterialId, await materialOf(destination.id));
    const back = await kms.send(
      new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { k: "v" } }),
    );
    assert.deepEqual(back.Plaintext, text("from rsa"));
    // Without SourceKeyId the RSA ciphertext names no key.
    const anonymous = await failure(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob: rsaCiphertext,
          SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
          DestinationKeyId: destination.id,
        }),
      ),
    );
    assert.equal(anonymous.name, "InvalidCiphertextException");
  });

  it("applies the destination's rules: algorithm, context and plaintext limit", async () => {
    const blob = await encrypt(new Uint8Array(191));
    assert.deepEqual(
      await failure(
        kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: rsa.id })),
      ),
      {
        name: "InvalidKeyUsageException",
        message: "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
        status: 400,
      },
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: blob,
            DestinationKeyId: rsa.id,
            DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
            DestinationEncryptionContext: { a: "b" },
          }),
        ),
      ),
      {
        name: "ValidationException",
        message:
          "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.",
        status: 400,
      },
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: blob,
            DestinationKeyId: rsa.id,
            DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
          }),
        ),
      ),
      {
        name: "ValidationException",
        message:
          "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.",
        status: 400,
      },
    );
  });

  it("checks the destination key's state and usage", async () => {
    const blob = await encrypt(text("x"));
    const disabled = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.id }));
    assert.deepEqual(
      await failure(
        kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: disabled.id })),
      ),
      { name: "DisabledException", message: `${disabled.arn} is disabled.`, status: 400 },
    );
    const signing = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    assert.deepEqual(
      await failure(
        kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: signing.id })),
      ),
      {
        name: "InvalidKeyUsageException",
        message: `${signing.arn} key usage is SIGN_VERIFY which is not valid for ReEncrypt.`,
        status: 400,
      },
    );
    const missing = await failure(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob: blob,
          DestinationKeyId: "alias/does-not-exist",
        }),
      ),
    );
    assert.equal(missing.name, "NotFoundException");
  });

  it("checks the source key's state", async () => {
    const key = await newKey();
    const blob = await encrypt(text("x"), undefined, key.id);
    await kms.send(new DisableKeyCommand({ KeyId: key.id }));
    assert.deepEqual(
      await failure(
        kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: destination.id })),
      ),
      { name: "DisabledException", message: `${key.arn} is disabled.`, status: 400 },
    );
  });

  it("requires DestinationKeyId and CiphertextBlob", async () => {
    const res = await rawKms(trent.url, "ReEncrypt", "{}");
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      __type: "ValidationException",
      message:
        "1 validation error detected: Value null at 'destinationKeyId' failed to satisfy constraint: Member must not be null",
    });
    const noBlob = await rawKms(
      trent.url,
      "ReEncrypt",
      JSON.stringify({ DestinationKeyId: destination.id }),
    );
    assert.deepEqual(noBlob.body, {
      __type: "ValidationException",
      message:
        "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    });
  });

  it("answers DryRunOperationException (412), also when ignoring the ciphertext", async () => {
    const dryRun = {
      name: "DryRunOperationException",
      message: "The request would have succeeded, but the DryRun option is set.",
      status: 412,
    };
    const blob = await encrypt(text("x"));
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: blob,
            DestinationKeyId: destination.id,
            DryRun: true,
          }),
        ),
      ),
      dryRun,
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            SourceKeyId: source.id,
            DestinationKeyId: destination.id,
            DryRun: true,
            DryRunModifiers: ["IGNORE_CIPHERTEXT"],
          }),
        ),
      ),
      dryRun,
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            DestinationKeyId: destination.id,
            DryRun: true,
            DryRunModifiers: ["IGNORE_CIPHERTEXT"],
          }),
        ),
      ),
      {
        name: "ValidationException",
        message:
          "1 validation error detected: Value null at 'sourceKeyId' failed to satisfy constraint: Member must not be null",
        status: 400,
      },
    );
  });

  it("refuses a forged grant token", async () => {
    const blob = await encrypt(text("x"));
    assert.deepEqual(
      await failure(
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: blob,
            DestinationKeyId: destination.id,
            GrantTokens: ["not-a-token"],
          }),
        ),
      ),
      { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
    );
  });
});
