/**
 * Encrypt and Decrypt with symmetric keys through the real SDK: round trips with every form of
 * key reference, the encryption context rules, tampered and foreign blobs, IncorrectKeyException,
 * key states, key usage, algorithms, grant tokens, DryRun, and AWS's exact errors.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const text = (s: string) => new TextEncoder().encode(s);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("Encrypt and Decrypt (symmetric)", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let keyId: string;
  let keyArn: string;

  async function newKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  async function encrypt(
    plaintext: Uint8Array,
    encryptionContext?: Record<string, string>,
    id = keyId,
  ): Promise<Uint8Array> {
    const out = await kms.send(
      new EncryptCommand({ KeyId: id, Plaintext: plaintext, EncryptionContext: encryptionContext }),
    );
    return out.CiphertextBlob!;
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    ({ id: keyId, arn: keyArn } = await newKey());
    await kms.send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: keyId }));
  });
  after(() => trent.close());

  describe("round trips", () => {
    const aliasArn = () => keyArn.replace(/key\/.*$/, "alias/app");
    const references = {
      "key id": () => keyId,
      "key ARN": () => keyArn,
      "alias name": () => "alias/app",
      "alias ARN": aliasArn,
    };

    for (const [kind, reference] of Object.entries(references)) {
      it(`encrypts with the ${kind} and answers the key ARN`, async () => {
        const out = await kms.send(
          new EncryptCommand({ KeyId: reference(), Plaintext: text(`via ${kind}`) }),
        );
        assert.equal(out.KeyId, keyArn);
        assert.equal(out.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
        const back = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob }));
        assert.deepEqual(back.Plaintext, text(`via ${kind}`));
      });

      it(`decrypts with the ${kind} as KeyId`, async () => {
        const blob = await encrypt(text("named"));
        const out = await kms.send(
          new DecryptCommand({ CiphertextBlob: blob, KeyId: reference() }),
        );
        assert.deepEqual(out.Plaintext, text("named"));
        assert.equal(out.KeyId, keyArn);
      });
    }

    it("answers the key ARN, the algorithm and the key material id on Decrypt", async () => {
      const blob = await encrypt(text("material"));
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(out.KeyId, keyArn);
      assert.equal(out.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
      assert.match(out.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
      assert.equal(out.KeyMaterialId, KeyMetadata?.CurrentKeyMaterialId);
    });

    it("accepts EncryptionAlgorithm SYMMETRIC_DEFAULT on both sides", async () => {
      const out = await kms.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: text("explicit"),
          EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
        }),
      );
      const back = await kms.send(
        new DecryptCommand({
          CiphertextBlob: out.CiphertextBlob,
          EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
        }),
      );
      assert.deepEqual(back.Plaintext, text("explicit"));
    });

    it("takes 1 to 4096 bytes and words 4097 as AWS does", async () => {
      for (const length of [1, 4096]) {
        const plaintext = Uint8Array.from({ length }, (_, i) => i % 251);
        const back = await kms.send(
          new DecryptCommand({ CiphertextBlob: await encrypt(plaintext) }),
        );
        assert.deepEqual(back.Plaintext, plaintext);
      }
      const error = await failure(encrypt(new Uint8Array(4097)));
      assert.deepEqual(error, {
        name: "ValidationException",
        message:
          "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
        status: 400,
      });
    });

    it("makes a new ciphertext every time", async () => {
      assert.notDeepEqual(await encrypt(text("same")), await encrypt(text("same")));
    });
  });

  describe("encryption context", () => {
    const context = { tenant: "acme", "file/path": "a/b/c.txt" };

    async function decryptWith(blob: Uint8Array, encryptionContext?: Record<string, string>) {
      return kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: encryptionContext }),
      );
    }

    it("decrypts with the same context, in any order", async () => {
      const blob = await encrypt(text("ctx"), context);
      assert.deepEqual((await decryptWith(blob, context)).Plaintext, text("ctx"));
      const reordered = { "file/path": "a/b/c.txt", tenant: "acme" };
      assert.deepEqual((await decryptWith(blob, reordered)).Plaintext, text("ctx"));
    });

    const wrong: Record<string, Record<string, string> | undefined> = {
      missing: undefined,
      empty: {},
      "a pair short": { tenant: "acme" },
      "an extra pair": { ...context, extra: "1" },
      "another value": { ...context, tenant: "acme2" },
      "a key in other case": { Tenant: "acme", "file/path": "a/b/c.txt" },
      "a value in other case": { tenant: "ACME", "file/path": "a/b/c.txt" },
    };
    for (const [name, other] of Object.entries(wrong)) {
      it(`refuses ${name} with InvalidCiphertextException`, async () => {
        const blob = await encrypt(text("ctx"), context);
        const error = await failure(decryptWith(blob, other));
        assert.equal(error.name, "InvalidCiphertextException");
        assert.equal(error.status, 400);
      });
    }

    it("refuses a context on Decrypt when Encrypt had none", async () => {
      const blob = await encrypt(text("no ctx"));
      assert.equal(
        (await failure(decryptWith(blob, { a: "b" }))).name,
        "InvalidCiphertextException",
      );
      assert.deepEqual((await decryptWith(blob, {})).Plaintext, text("no ctx"));
    });

    it('keeps {"ab":"c"} and {"a":"bc"} apart', async () => {
      const blob = await encrypt(text("ambiguity"), { ab: "c" });
      assert.equal(
        (await failure(decryptWith(blob, { a: "bc" }))).name,
        "InvalidCiphertextException",
      );
      const joined = await encrypt(text("ambiguity"), { a: "b", c: "d" });
      assert.equal(
        (await failure(decryptWith(joined, { a: "bcd" }))).name,
        "InvalidCiphertextException",
      );
    });

    it("round-trips unicode keys and values", async () => {
      const unicode = { 部门: "研发", clé: "🔑", "": "empty key" };
      const blob = await encrypt(text("unicode"), unicode);
      assert.deepEqual((await decryptWith(blob, unicode)).Plaintext, text("unicode"));
      const decomposed = { 部门: "研发", "cle\u0301": "🔑", "": "empty key" };
      assert.equal(
        (await failure(decryptWith(blob, decomposed))).name,
        "InvalidCiphertextException",
      );
    });

    it("sends InvalidCiphertextException without a message, as AWS does", async () => {
      const blob = await encrypt(text("raw"), context);
      const res = await rawKms(trent.url, "Decrypt", JSON.stringify({ CiphertextBlob: b64(blob) }));
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { __type: "InvalidCiphertextException" });
    });

    it("rejects a context value that is not a string", async () => {
      const res = await rawKms(
        trent.url,
        "Encrypt",
        JSON.stringify({ KeyId: keyId, Plaintext: b64(text("x")), EncryptionContext: { a: null } }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        __type: "ValidationException",
        message: "Invalid EncryptionContext",
      });
    });

    it("rejects a context with a lone UTF-16 surrogate (not representable in UTF-8)", async () => {
      const res = await rawKms(
        trent.url,
        "Encrypt",
        `{"KeyId":"${keyId}","Plaintext":"eA==","EncryptionContext":{"k":"\\ud800"}}`,
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.__type, "ValidationException");
    });
  });

  describe("blobs that are not intact", () => {
    it("detects a flipped byte in the header, IV, body and tag", async () => {
      const blob = await encrypt(text("tamper-evident"), { a: "b" });
      const headerLength = 4 + keyArn.length + 64;
      const offsets = {
        version: 0,
        "material id": headerLength - 1,
        IV: headerLength + 5,
        body: headerLength + 12 + 3,
        tag: blob.length - 1,
      };
      for (const [part, offset] of Object.entries(offsets)) {
        const tampered = Uint8Array.from(blob);
        tampered[offset]! ^= 0x01;
        const error = await failure(
          kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { a: "b" } })),
        );
        assert.equal(error.name, "InvalidCiphertextException", part);
        assert.equal(error.status, 400, part);
      }
    });

    it("answers AccessDeniedException when the blob names a key that does not exist", async () => {
      const blob = await encrypt(text("x"));
      const tampered = Uint8Array.from(blob);
      // The last character of the key id in the ARN: a well-formed ARN of no key.
      const offset = 3 + keyArn.length - 1;
      tampered[offset] = tampered[offset] === 0x30 ? 0x31 : 0x30;
      const error = await failure(kms.send(new DecryptCommand({ CiphertextBlob: tampered })));
      assert.deepEqual(error, {
        name: "AccessDeniedException",
        message:
          "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        status: 400,
      });
    });

    it("refuses blobs not in Trent's format", async () => {
      const blob = await encrypt(text("x"));
      for (const bad of [
        text("definitely not a ciphertext blob"),
        blob.subarray(0, 30),
        blob.subarray(0, blob.length - 1),
        Uint8Array.of(1),
      ]) {
        const error = await failure(kms.send(new DecryptCommand({ CiphertextBlob: bad })));
        assert.equal(error.name, "InvalidCiphertextException");
      }
    });

    it("requires CiphertextBlob unless a dry run ignores it", async () => {
      const res = await rawKms(trent.url, "Decrypt", "{}");
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        __type: "ValidationException",
        message:
          "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
      });
    });
  });

  describe("KeyId on Decrypt", () => {
    it("throws IncorrectKeyException when KeyId names another key", async () => {
      const other = await newKey();
      const blob = await encrypt(text("mine"));
      for (const reference of [other.id, other.arn]) {
        const error = await failure(
          kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: reference })),
        );
        assert.deepEqual(error, {
          name: "IncorrectKeyException",
          message:
            "The key ID in the request does not identify a CMK that can perform this operation.",
          status: 400,
        });
      }
    });

    it("answers NotFoundException for a KeyId that does not exist", async () => {
      const missing = "11111111-2222-3333-4444-555555555555";
      const blob = await encrypt(text("x"));
      const error = await failure(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: missing })),
      );
      assert.deepEqual(error, {
        name: "NotFoundException",
        message: `Key '${keyArn.replace(/key\/.*$/, `key/${missing}`)}' does not exist`,
        status: 400,
      });
    });
  });

  describe("key states", () => {
    it("answers DisabledException for a disabled key on both sides", async () => {
      const key = await newKey();
      const blob = await encrypt(text("before"), undefined, key.id);
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));
      const expected = {
        name: "DisabledException",
        message: `${key.arn} is disabled.`,
        status: 400,
      };
      assert.deepEqual(await failure(encrypt(text("after"), undefined, key.id)), expected);
      assert.deepEqual(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob }))),
        expected,
      );
    });

    it("answers KMSInvalidStateException for a key pending deletion", async () => {
      const key = await newKey();
      const blob = await encrypt(text("before"), undefined, key.id);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
      const expected = {
        name: "KMSInvalidStateException",
        message: `${key.arn} is pending deletion.`,
        status: 400,
      };
      assert.deepEqual(await failure(encrypt(text("after"), undefined, key.id)), expected);
      assert.deepEqual(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob }))),
        expected,
      );
    });

    it("answers KMSInvalidStateException for a key pending import", async () => {
      const key = await newKey({ Origin: "EXTERNAL" });
      assert.deepEqual(await failure(encrypt(text("x"), undefined, key.id)), {
        name: "KMSInvalidStateException",
        message: `${key.arn} is pending import.`,
        status: 400,
      });
    });
  });

  describe("key usage and algorithms", () => {
    it("refuses keys that are not for encryption", async () => {
      const signing = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      const mac = await newKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      for (const [key, usage] of [
        [signing, "SIGN_VERIFY"],
        [mac, "GENERATE_VERIFY_MAC"],
      ] as const) {
        assert.deepEqual(await failure(encrypt(text("x"), undefined, key.id)), {
          name: "InvalidKeyUsageException",
          message: `${key.arn} key usage is ${usage} which is not valid for Encrypt.`,
          status: 400,
        });
        const blob = await encrypt(text("x"));
        // Decrypt naming an HMAC key is IncorrectKeyException, not the usage sentence (LocalStack
        // test_error_messaging_for_invalid_keys, recorded 2023-04-13).
        assert.deepEqual(
          await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: key.id }))),
          usage === "GENERATE_VERIFY_MAC"
            ? {
                name: "IncorrectKeyException",
                message:
                  "The key ID in the request does not identify a CMK that can perform this operation.",
                status: 400,
              }
            : {
                name: "InvalidKeyUsageException",
                message: `${key.arn} key usage is ${usage} which is not valid for Decrypt.`,
                status: 400,
              },
        );
      }
    });

    it("refuses asymmetric algorithms with a symmetric key", async () => {
      for (const algorithm of ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"] as const) {
        const expected = {
          name: "InvalidKeyUsageException",
          message: `Algorithm ${algorithm} is incompatible with key spec SYMMETRIC_DEFAULT.`,
          status: 400,
        };
        assert.deepEqual(
          await failure(
            kms.send(
              new EncryptCommand({
                KeyId: keyId,
                Plaintext: text("x"),
                EncryptionAlgorithm: algorithm,
              }),
            ),
          ),
          expected,
        );
        const blob = await encrypt(text("x"));
        assert.deepEqual(
          await failure(
            kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionAlgorithm: algorithm })),
          ),
          expected,
        );
      }
    });
  });

  describe("grant tokens, DryRun and Recipient", () => {
    it("refuses a grant token Trent did not issue", async () => {
      const expected = {
        name: "InvalidGrantTokenException",
        message: "Invalid grant token.",
        status: 400,
      };
      assert.deepEqual(
        await failure(
          kms.send(
            new EncryptCommand({ KeyId: keyId, Plaintext: text("x"), GrantTokens: ["forged"] }),
          ),
        ),
        expected,
      );
      const blob = await encrypt(text("x"));
      assert.deepEqual(
        await failure(
          kms.send(new DecryptCommand({ CiphertextBlob: blob, GrantTokens: ["forged"] })),
        ),
        expected,
      );
    });

    const dryRun = {
      name: "DryRunOperationException",
      message: "The request would have succeeded, but the DryRun option is set.",
      status: 412,
    };

    it("answers DryRunOperationException (412) when Encrypt would succeed", async () => {
      assert.deepEqual(
        await failure(
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text("x"), DryRun: true })),
        ),
        dryRun,
      );
    });

    it("still reports what would fail in a dry run", async () => {
      const key = await newKey();
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));
      assert.equal(
        (
          await failure(
            kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: text("x"), DryRun: true })),
          )
        ).name,
        "DisabledException",
      );
      const blob = await encrypt(text("x"), { a: "b" });
      assert.equal(
        (await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob, DryRun: true })))).name,
        "InvalidCiphertextException",
      );
    });

    it("answers DryRunOperationException when Decrypt would succeed", async () => {
      const blob = await encrypt(text("x"));
      assert.deepEqual(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob, DryRun: true }))),
        dryRun,
      );
    });

    it("checks only the key with DryRunModifiers IGNORE_CIPHERTEXT", async () => {
      assert.deepEqual(
        await failure(
          kms.send(
            new DecryptCommand({
              KeyId: keyId,
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
            new DecryptCommand({
              CiphertextBlob: text("garbage"),
              KeyId: keyId,
              DryRun: true,
              DryRunModifiers: ["IGNORE_CIPHERTEXT"],
            }),
          ),
        ),
        dryRun,
      );
      assert.deepEqual(
        await failure(
          kms.send(new DecryptCommand({ DryRun: true, DryRunModifiers: ["IGNORE_CIPHERTEXT"] })),
        ),
        {
          name: "ValidationException",
          message:
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
          status: 400,
        },
      );
    });

    it("refuses a Recipient that is not an attestation document", async () => {
      const blob = await encrypt(text("x"));
      const error = await failure(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: blob,
            Recipient: {
              KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
              AttestationDocument: text("doc"),
            },
          }),
        ),
      );
      // Recipient itself: test/wire/recipient.test.ts.
      assert.equal(error.name, "ValidationException");
      assert.equal(error.status, 400);
      assert.equal(
        error.message,
        "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
      );
    });
  });
});

describe("Decrypt across accounts", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-cross-account-"));
  let owner: TestTrent;
  let caller: TestTrent;
  after(async () => {
    await owner?.close();
    await caller?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sharedPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Both accounts",
        Effect: "Allow",
        Principal: {
          AWS: ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"],
        },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });

  it("finds the key a blob names by its ARN, in another account", async () => {
    // Two Trent nodes on one data directory: the same store and root key, different accounts.
    owner = await startTestTrent({ dataDir: dir, accountId: "444455556666" });
    caller = await startTestTrent({ dataDir: dir, accountId: "111122223333" });
    const { KeyMetadata } = await owner
      .client()
      .send(new CreateKeyCommand({ Policy: sharedPolicy }));
    const foreignArn = KeyMetadata!.Arn!;
    assert.match(foreignArn, /:444455556666:key\//);
    const kms = caller.client();
    const encrypted = await kms.send(
      new EncryptCommand({
        KeyId: foreignArn,
        Plaintext: text("shared"),
        EncryptionContext: { x: "y" },
      }),
    );
    assert.equal(encrypted.KeyId, foreignArn);
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionContext: { x: "y" },
      }),
    );
    assert.deepEqual(out.Plaintext, text("shared"));
    assert.equal(out.KeyId, foreignArn);
  });

  it("answers AWS's fixed AccessDeniedException when the blob's key is not shared", async () => {
    const { KeyMetadata } = await owner.client().send(new CreateKeyCommand({}));
    const blob = await owner
      .client()
      .send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId!, Plaintext: text("private") }));
    const error = await failure(
      caller.client().send(new DecryptCommand({ CiphertextBlob: blob.CiphertextBlob })),
    );
    assert.deepEqual(error, {
      name: "AccessDeniedException",
      message:
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
      status: 400,
    });
  });
});
