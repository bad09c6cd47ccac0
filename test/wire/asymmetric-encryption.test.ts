/**
 * Encrypt and Decrypt with asymmetric ENCRYPT_DECRYPT keys through the real SDK: RSAES-OAEP
 * checked against node:crypto with the public key GetPublicKey returns, AWS's plaintext limits
 * per key spec and algorithm, the rules for KeyId, EncryptionAlgorithm and EncryptionContext,
 * and SM2PKE in a China region checked against OpenSSL.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  constants,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
} from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  type EncryptionAlgorithmSpec,
  GetPublicKeyCommand,
  type KeySpec,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);
const text = (s: string) => new TextEncoder().encode(s);

describe("Encrypt and Decrypt (RSA)", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  const keys = new Map<KeySpec, { id: string; arn: string; publicKey: Uint8Array }>();

  async function rsaKey(spec: KeySpec) {
    const existing = keys.get(spec);
    if (existing) return existing;
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: spec, KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }));
    const key = { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn!, publicKey: PublicKey! };
    keys.set(spec, key);
    return key;
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
  });
  after(() => trent.close());

  const oaep = { RSAES_OAEP_SHA_1: "sha1", RSAES_OAEP_SHA_256: "sha256" } as const;

  for (const algorithm of ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] as const) {
    it(`round-trips with ${algorithm} and answers the algorithm and key ARN`, async () => {
      const key = await rsaKey("RSA_2048");
      const out = await kms.send(
        new EncryptCommand({
          KeyId: key.id,
          Plaintext: text("rsa"),
          EncryptionAlgorithm: algorithm,
        }),
      );
      assert.equal(out.KeyId, key.arn);
      assert.equal(out.EncryptionAlgorithm, algorithm);
      assert.equal(out.CiphertextBlob?.length, 256, "a bare RSA-2048 ciphertext, no Trent header");
      const back = await kms.send(
        new DecryptCommand({
          CiphertextBlob: out.CiphertextBlob,
          KeyId: key.arn,
          EncryptionAlgorithm: algorithm,
        }),
      );
      assert.deepEqual(back.Plaintext, text("rsa"));
      assert.equal(back.KeyId, key.arn);
      assert.equal(back.EncryptionAlgorithm, algorithm);
      assert.equal(back.KeyMaterialId, undefined, "only symmetric keys report key material");
    });

    it(`decrypts what node:crypto encrypted offline with the public key (${algorithm})`, async () => {
      const key = await rsaKey("RSA_2048");
      const publicKey = createPublicKey({
        key: Buffer.from(key.publicKey),
        format: "der",
        type: "spki",
      });
      const offline = publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep[algorithm] },
        text("encrypted offline"),
      );
      const back = await kms.send(
        new DecryptCommand({
          CiphertextBlob: offline,
          KeyId: key.id,
          EncryptionAlgorithm: algorithm,
        }),
      );
      assert.deepEqual(back.Plaintext, text("encrypted offline"));
    });
  }

  it("uses the same hash for OAEP and MGF1 (an offline ciphertext with MGF1-SHA1 does not open as SHA-256)", async () => {
    const key = await rsaKey("RSA_2048");
    const offline = publicEncrypt(
      {
        key: createPublicKey({ key: Buffer.from(key.publicKey), format: "der", type: "spki" }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha1",
      },
      text("sha1"),
    );
    const error = await failure(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: offline,
          KeyId: key.id,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        }),
      ),
    );
    assert.equal(error.name, "InvalidCiphertextException");
  });

  const limits: [KeySpec, EncryptionAlgorithmSpec, number][] = [
    ["RSA_2048", "RSAES_OAEP_SHA_1", 214],
    ["RSA_2048", "RSAES_OAEP_SHA_256", 190],
    ["RSA_3072", "RSAES_OAEP_SHA_1", 342],
    ["RSA_3072", "RSAES_OAEP_SHA_256", 318],
    ["RSA_4096", "RSAES_OAEP_SHA_1", 470],
    ["RSA_4096", "RSAES_OAEP_SHA_256", 446],
  ];
  for (const [spec, algorithm, limit] of limits) {
    it(`${spec} with ${algorithm} takes ${limit} bytes and not ${limit + 1}`, async () => {
      const key = await rsaKey(spec);
      const plaintext = Uint8Array.from({ length: limit }, (_, i) => i % 256);
      const out = await kms.send(
        new EncryptCommand({ KeyId: key.id, Plaintext: plaintext, EncryptionAlgorithm: algorithm }),
      );
      const back = await kms.send(
        new DecryptCommand({
          CiphertextBlob: out.CiphertextBlob,
          KeyId: key.id,
          EncryptionAlgorithm: algorithm,
        }),
      );
      assert.deepEqual(back.Plaintext, plaintext);
      const error = await failure(
        kms.send(
          new EncryptCommand({
            KeyId: key.id,
            Plaintext: new Uint8Array(limit + 1),
            EncryptionAlgorithm: algorithm,
          }),
        ),
      );
      assert.deepEqual(error, {
        name: "ValidationException",
        message: `Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${limit} bytes.`,
        status: 400,
      });
    });
  }

  it("requires an EncryptionAlgorithm the key spec supports", async () => {
    const key = await rsaKey("RSA_2048");
    const cases: [EncryptionAlgorithmSpec | undefined, string][] = [
      [undefined, "SYMMETRIC_DEFAULT"],
      ["SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"],
      ["SM2PKE", "SM2PKE"],
    ];
    for (const [requested, named] of cases) {
      const expected = {
        name: "InvalidKeyUsageException",
        message: `Algorithm ${named} is incompatible with key spec RSA_2048.`,
        status: 400,
      };
      assert.deepEqual(
        await failure(
          kms.send(
            new EncryptCommand({
              KeyId: key.id,
              Plaintext: text("x"),
              EncryptionAlgorithm: requested,
            }),
          ),
        ),
        expected,
      );
      assert.deepEqual(
        await failure(
          kms.send(
            new DecryptCommand({
              CiphertextBlob: new Uint8Array(256),
              KeyId: key.id,
              EncryptionAlgorithm: requested,
            }),
          ),
        ),
        expected,
      );
    }
  });

  it("refuses an encryption context with an asymmetric key", async () => {
    const key = await rsaKey("RSA_2048");
    const expected = {
      name: "ValidationException",
      message:
        "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.",
      status: 400,
    };
    assert.deepEqual(
      await failure(
        kms.send(
          new EncryptCommand({
            KeyId: key.id,
            Plaintext: text("x"),
            EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
            EncryptionContext: { a: "b" },
          }),
        ),
      ),
      expected,
    );
    const out = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: text("x"),
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        EncryptionContext: {},
      }),
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: out.CiphertextBlob,
            KeyId: key.id,
            EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
            EncryptionContext: { a: "b" },
          }),
        ),
      ),
      expected,
    );
  });

  it("cannot decrypt an asymmetric ciphertext without KeyId", async () => {
    const key = await rsaKey("RSA_2048");
    const out = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: text("x"),
        EncryptionAlgorithm: "RSAES_OAEP_SHA_1",
      }),
    );
    const error = await failure(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: out.CiphertextBlob,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        }),
      ),
    );
    assert.equal(error.name, "InvalidCiphertextException");
    assert.equal(error.status, 400);
  });

  it("answers InvalidCiphertextException for a wrong algorithm, a wrong key or garbage", async () => {
    const key = await rsaKey("RSA_2048");
    const other = await kms.send(
      new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const out = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: text("x"),
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    const attempts = [
      {
        CiphertextBlob: out.CiphertextBlob,
        KeyId: key.id,
        EncryptionAlgorithm: "RSAES_OAEP_SHA_1",
      },
      {
        CiphertextBlob: out.CiphertextBlob,
        KeyId: other.KeyMetadata!.KeyId!,
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      },
      { CiphertextBlob: text("short"), KeyId: key.id, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" },
    ] as const;
    for (const attempt of attempts) {
      const error = await failure(kms.send(new DecryptCommand({ ...attempt })));
      assert.equal(error.name, "InvalidCiphertextException");
    }
    // A symmetric blob handed to an RSA key is not an RSA ciphertext either.
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const blob = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata!.KeyId!, Plaintext: text("x") }),
    );
    const error = await failure(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: blob.CiphertextBlob,
          KeyId: key.id,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        }),
      ),
    );
    assert.equal(error.name, "InvalidCiphertextException");
  });

  it("refuses RSA signing keys for encryption", async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }),
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new EncryptCommand({
            KeyId: KeyMetadata!.KeyId!,
            Plaintext: text("x"),
            EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
          }),
        ),
      ),
      {
        name: "InvalidKeyUsageException",
        message: `${KeyMetadata!.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`,
        status: 400,
      },
    );
  });

  it("keeps the private key inside: a locally generated key cannot open Trent's ciphertext", async () => {
    const key = await rsaKey("RSA_2048");
    const out = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: text("x"),
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    assert.throws(() =>
      privateDecrypt(
        { key: stranger, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        out.CiphertextBlob!,
      ),
    );
  });
});

describe("Encrypt and Decrypt (SM2, China regions)", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let dir: string;
  let key: { id: string; arn: string; publicKey: Uint8Array };

  before(async () => {
    trent = await startTestTrent({ region: "cn-north-1" });
    kms = trent.client("cn-north-1");
    dir = await mkdtemp(join(tmpdir(), "trent-sm2-wire-"));
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "SM2", KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }));
    key = { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn!, publicKey: PublicKey! };
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips with SM2PKE in the aws-cn partition", async () => {
    assert.match(key.arn, /^arn:aws-cn:kms:cn-north-1:/);
    const out = await kms.send(
      new EncryptCommand({ KeyId: key.id, Plaintext: text("国密"), EncryptionAlgorithm: "SM2PKE" }),
    );
    assert.equal(out.EncryptionAlgorithm, "SM2PKE");
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: out.CiphertextBlob,
        KeyId: key.arn,
        EncryptionAlgorithm: "SM2PKE",
      }),
    );
    assert.deepEqual(back.Plaintext, text("国密"));
  });

  it("decrypts what OpenSSL encrypted with the public key from GetPublicKey", async () => {
    const pem = createPublicKey({ key: Buffer.from(key.publicKey), format: "der", type: "spki" })
      .export({ format: "pem", type: "spki" })
      .toString();
    await writeFile(join(dir, "public.pem"), pem);
    await writeFile(join(dir, "message.bin"), text("offline SM2"));
    await run("openssl", [
      "pkeyutl",
      "-encrypt",
      "-pubin",
      "-inkey",
      join(dir, "public.pem"),
      "-in",
      join(dir, "message.bin"),
      "-out",
      join(dir, "ciphertext.bin"),
    ]);
    const ciphertext = await readFile(join(dir, "ciphertext.bin"));
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: ciphertext,
        KeyId: key.id,
        EncryptionAlgorithm: "SM2PKE",
      }),
    );
    assert.deepEqual(back.Plaintext, text("offline SM2"));
  });

  it("takes 1024 bytes and not 1025", async () => {
    const out = await kms.send(
      new EncryptCommand({
        KeyId: key.id,
        Plaintext: new Uint8Array(1024),
        EncryptionAlgorithm: "SM2PKE",
      }),
    );
    assert.ok(out.CiphertextBlob);
    assert.deepEqual(
      await failure(
        kms.send(
          new EncryptCommand({
            KeyId: key.id,
            Plaintext: new Uint8Array(1025),
            EncryptionAlgorithm: "SM2PKE",
          }),
        ),
      ),
      {
        name: "ValidationException",
        message: "Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.",
        status: 400,
      },
    );
  });

  it("refuses RSA algorithms with an SM2 key", async () => {
    assert.deepEqual(
      await failure(
        kms.send(
          new EncryptCommand({
            KeyId: key.id,
            Plaintext: text("x"),
            EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
          }),
        ),
      ),
      {
        name: "InvalidKeyUsageException",
        message: "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SM2.",
        status: 400,
      },
    );
  });
});
