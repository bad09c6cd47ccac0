/**
 * DeriveSharedSecret through the real SDK: two KMS keys agree with each other, and with key
 * pairs made offline by node:crypto and OpenSSL (`openssl pkeyutl -derive`), on every
 * KEY_AGREEMENT spec (SM2 in a China region); the raw ECDH secret, the response members, and
 * every error with AWS's __type, status and message.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DeriveSharedSecretCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KeySpec,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

interface Key {
  id: string;
  arn: string;
  publicKey: Uint8Array;
}

const spki = (key: KeyObject) => new Uint8Array(key.export({ type: "spki", format: "der" }));
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** The DER SubjectPublicKeyInfo prefix of an uncompressed SM2 point (id-ecPublicKey, sm2). */
const sm2SpkiPrefix = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");

const curves: [KeySpec, string, number][] = [
  ["ECC_NIST_P256", "prime256v1", 32],
  ["ECC_NIST_P384", "secp384r1", 48],
  ["ECC_NIST_P521", "secp521r1", 66],
];

describe("DeriveSharedSecret", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let dir: string;

  async function createKey(input: CreateKeyCommandInput): Promise<Key & { usage: string }> {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    const id = KeyMetadata!.KeyId!;
    const publicKey =
      input.KeySpec && input.KeySpec !== "SYMMETRIC_DEFAULT" && !input.KeySpec.startsWith("HMAC")
        ? (await kms.send(new GetPublicKeyCommand({ KeyId: id }))).PublicKey!
        : new Uint8Array();
    return { id, arn: KeyMetadata!.Arn!, publicKey, usage: KeyMetadata!.KeyUsage! };
  }

  const agreementKey = (spec: KeySpec) => createKey({ KeySpec: spec, KeyUsage: "KEY_AGREEMENT" });

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    dir = await mkdtemp(join(tmpdir(), "trent-ecdh-wire-"));
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [spec, curve, length] of curves) {
    it(`${spec}: two KMS keys derive the same raw secret from each other's public key`, async () => {
      const alice = await agreementKey(spec);
      const bob = await agreementKey(spec);
      const fromAlice = await kms.send(
        new DeriveSharedSecretCommand({
          KeyId: alice.id,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: bob.publicKey,
        }),
      );
      assert.equal(fromAlice.KeyId, alice.arn);
      assert.equal(fromAlice.KeyAgreementAlgorithm, "ECDH");
      assert.equal(fromAlice.KeyOrigin, "AWS_KMS");
      assert.equal(fromAlice.CiphertextForRecipient, undefined);
      assert.equal(fromAlice.SharedSecret?.length, length, "the x-coordinate, no KDF");
      const fromBob = await kms.send(
        new DeriveSharedSecretCommand({
          KeyId: bob.arn,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: alice.publicKey,
        }),
      );
      assert.deepEqual(fromBob.SharedSecret, fromAlice.SharedSecret);
    });

    it(`${spec}: agrees with a key pair node:crypto made offline`, async () => {
      const kmsKey = await agreementKey(spec);
      const local = generateKeyPairSync("ec", { namedCurve: curve });
      const out = await kms.send(
        new DeriveSharedSecretCommand({
          KeyId: kmsKey.id,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: spki(local.publicKey),
        }),
      );
      const offline = diffieHellman({
        privateKey: local.privateKey,
        publicKey: createPublicKey({
          key: Buffer.from(kmsKey.publicKey),
          format: "der",
          type: "spki",
        }),
      });
      assert.deepEqual(out.SharedSecret, new Uint8Array(offline));
    });
  }

  it("agrees with `openssl pkeyutl -derive` using the public key from GetPublicKey", async () => {
    const kmsKey = await agreementKey("ECC_NIST_P384");
    await run(
      "openssl",
      ["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "local.pem"],
      {
        cwd: dir,
      },
    );
    await run(
      "openssl",
      ["pkey", "-in", "local.pem", "-pubout", "-outform", "DER", "-out", "local.der"],
      {
        cwd: dir,
      },
    );
    await writeFile(join(dir, "kms.der"), kmsKey.publicKey);
    await run(
      "openssl",
      [
        "pkeyutl",
        "-derive",
        "-inkey",
        "local.pem",
        "-peerkey",
        "kms.der",
        "-peerform",
        "DER",
        "-out",
        "secret.bin",
      ],
      { cwd: dir },
    );
    const out = await kms.send(
      new DeriveSharedSecretCommand({
        KeyId: kmsKey.id,
        KeyAgreementAlgorithm: "ECDH",
        PublicKey: await readFile(join(dir, "local.der")),
      }),
    );
    assert.deepEqual(out.SharedSecret, new Uint8Array(await readFile(join(dir, "secret.bin"))));
  });

  describe("errors", () => {
    it("refuses keys whose usage is not KEY_AGREEMENT", async () => {
      const peer = spki(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey);
      for (const input of [
        { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" },
        {},
        { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" },
        { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
      ] as CreateKeyCommandInput[]) {
        const key = await createKey(input);
        assert.deepEqual(
          await failure(
            kms.send(
              new DeriveSharedSecretCommand({
                KeyId: key.id,
                KeyAgreementAlgorithm: "ECDH",
                PublicKey: peer,
              }),
            ),
          ),
          {
            name: "InvalidKeyUsageException",
            message: `${key.arn} key usage is ${key.usage} which is not valid for DeriveSharedSecret.`,
            status: 400,
          },
        );
      }
    });

    it("answers ValidationException (400, no message) for a PublicKey that is not a DER SPKI", async () => {
      const key = await agreementKey("ECC_NIST_P256");
      const res = await rawKms(
        trent.url,
        "DeriveSharedSecret",
        JSON.stringify({
          KeyId: key.id,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: base64(new TextEncoder().encode("InvalidPublicKey")),
        }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { __type: "ValidationException" });
    });

    it("refuses a peer key of another curve or type, or a point off the curve", async () => {
      const key = await agreementKey("ECC_NIST_P256");
      const p256 = spki(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey);
      const offCurve = Uint8Array.from(p256);
      offCurve[offCurve.length - 1]! ^= 0x01;
      const sm2 = createECDH("SM2");
      sm2.generateKeys();
      const peers: [string, Uint8Array][] = [
        ["P-384", spki(generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey)],
        ["secp256k1", spki(generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey)],
        ["SM2", Buffer.concat([sm2SpkiPrefix, sm2.getPublicKey()])],
        ["RSA", spki(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey)],
        ["Ed25519", spki(generateKeyPairSync("ed25519").publicKey)],
        ["off-curve P-256 point", offCurve],
        ["SPKI with trailing bytes", Uint8Array.from([...p256, 0])],
        ["a bare point", p256.subarray(-65)],
      ];
      for (const [what, peer] of peers) {
        const error = await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: key.id,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: peer,
            }),
          ),
        );
        assert.equal(error.name, "ValidationException", what);
        assert.equal(error.status, 400, what);
      }
    });

    it("validates KeyAgreementAlgorithm against the model's enum", async () => {
      const key = await agreementKey("ECC_NIST_P256");
      const res = await rawKms(
        trent.url,
        "DeriveSharedSecret",
        JSON.stringify({
          KeyId: key.id,
          KeyAgreementAlgorithm: "INVALID",
          PublicKey: base64(key.publicKey),
        }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        __type: "ValidationException",
        message:
          "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]",
      });
    });

    it("refuses a Recipient that is not an attestation document", async () => {
      const key = await agreementKey("ECC_NIST_P256");
      assert.deepEqual(
        await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: key.id,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: key.publicKey,
              Recipient: {
                KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
                AttestationDocument: new Uint8Array(16),
              },
            }),
          ),
        ),
        // Recipient itself: test/wire/recipient.test.ts.
        {
          name: "ValidationException",
          message:
            "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
          status: 400,
        },
      );
    });

    it("answers DryRunOperationException after every check, the public key included", async () => {
      const key = await agreementKey("ECC_NIST_P521");
      const peer = spki(generateKeyPairSync("ec", { namedCurve: "secp521r1" }).publicKey);
      assert.deepEqual(
        await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: key.id,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: peer,
              DryRun: true,
            }),
          ),
        ),
        {
          name: "DryRunOperationException",
          message: "The request would have succeeded, but the DryRun option is set.",
          status: 412,
        },
      );
      const error = await failure(
        kms.send(
          new DeriveSharedSecretCommand({
            KeyId: key.id,
            KeyAgreementAlgorithm: "ECDH",
            PublicKey: spki(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey),
            DryRun: true,
          }),
        ),
      );
      assert.equal(error.name, "ValidationException");
    });

    it("answers for the key first: unknown, disabled; and refuses forged grant tokens", async () => {
      const key = await agreementKey("ECC_NIST_P256");
      const missing = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000";
      assert.deepEqual(
        await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: missing,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: key.publicKey,
            }),
          ),
        ),
        { name: "NotFoundException", message: `Key '${missing}' does not exist`, status: 400 },
      );
      assert.deepEqual(
        await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: key.id,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: key.publicKey,
              GrantTokens: ["forged"],
            }),
          ),
        ),
        { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
      );
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));
      assert.deepEqual(
        await failure(
          kms.send(
            new DeriveSharedSecretCommand({
              KeyId: key.id,
              KeyAgreementAlgorithm: "ECDH",
              PublicKey: key.publicKey,
            }),
          ),
        ),
        { name: "DisabledException", message: `${key.arn} is disabled.`, status: 400 },
      );
    });
  });
});

describe("DeriveSharedSecret with SM2 (China regions)", () => {
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({ region: "cn-north-1" });
    kms = trent.client("cn-north-1");
  });
  after(() => trent.close());

  async function sm2Key(): Promise<Key> {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "SM2", KeyUsage: "KEY_AGREEMENT" }),
    );
    const { PublicKey, KeyAgreementAlgorithms } = await kms.send(
      new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }),
    );
    assert.deepEqual(KeyAgreementAlgorithms, ["ECDH"]);
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn!, publicKey: PublicKey! };
  }

  it("derives the raw SM2 ECDH secret, shared with another KMS key and an offline key pair", async () => {
    const alice = await sm2Key();
    const bob = await sm2Key();
    const fromAlice = await kms.send(
      new DeriveSharedSecretCommand({
        KeyId: alice.id,
        KeyAgreementAlgorithm: "ECDH",
        PublicKey: bob.publicKey,
      }),
    );
    assert.match(fromAlice.KeyId!, /^arn:aws-cn:kms:cn-north-1:/);
    assert.equal(fromAlice.SharedSecret?.length, 32);
    const fromBob = await kms.send(
      new DeriveSharedSecretCommand({
        KeyId: bob.id,
        KeyAgreementAlgorithm: "ECDH",
        PublicKey: alice.publicKey,
      }),
    );
    assert.deepEqual(fromBob.SharedSecret, fromAlice.SharedSecret);

    const local = createECDH("SM2");
    local.generateKeys();
    const out = await kms.send(
      new DeriveSharedSecretCommand({
        KeyId: alice.id,
        KeyAgreementAlgorithm: "ECDH",
        PublicKey: Buffer.concat([sm2SpkiPrefix, local.getPublicKey()]),
      }),
    );
    assert.deepEqual(
      out.SharedSecret,
      new Uint8Array(local.computeSecret(Buffer.from(alice.publicKey.subarray(-65)))),
    );
  });

  it("refuses a NIST P-256 peer key for an SM2 key", async () => {
    const key = await sm2Key();
    const error = await failure(
      kms.send(
        new DeriveSharedSecretCommand({
          KeyId: key.id,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: spki(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey),
        }),
      ),
    );
    assert.equal(error.name, "ValidationException");
  });
});
