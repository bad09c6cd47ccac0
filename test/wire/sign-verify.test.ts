/**
 * Sign and Verify through the real SDK: every SIGN_VERIFY key spec with every signing algorithm
 * of its spec and every message type the algorithm takes, each signature checked offline with
 * the public key from GetPublicKey (node:crypto, and `openssl dgst -verify` for RSA, ECDSA and
 * SM2), and every error with AWS's __type, status and message.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { constants, createHash, createPublicKey, verify as nodeVerify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KeySpec,
  type KMSClient,
  type MessageType,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SigningAlgorithmSpec,
  VerifyCommand,
} from "@aws-sdk/client-kms";
import { ed25519ph } from "@noble/curves/ed25519.js";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);
const text = (s: string) => new TextEncoder().encode(s);
const message = text("Trent signs what Alice and Bob agree on.");

type Hash = "sha256" | "sha384" | "sha512";
const hashOf: Partial<Record<SigningAlgorithmSpec, Hash>> = {
  RSASSA_PSS_SHA_256: "sha256",
  RSASSA_PSS_SHA_384: "sha384",
  RSASSA_PSS_SHA_512: "sha512",
  RSASSA_PKCS1_V1_5_SHA_256: "sha256",
  RSASSA_PKCS1_V1_5_SHA_384: "sha384",
  RSASSA_PKCS1_V1_5_SHA_512: "sha512",
  ECDSA_SHA_256: "sha256",
  ECDSA_SHA_384: "sha384",
  ECDSA_SHA_512: "sha512",
  ED25519_PH_SHA_512: "sha512",
};

function digest(hash: Hash, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/** FIPS 204 §6.2 μ = SHAKE256(tr ‖ 0x00 ‖ 0x00 ‖ M, 64), tr = SHAKE256(pk, 64): pure, no context. */
function externalMu(rawPublicKey: Uint8Array, data: Uint8Array): Uint8Array {
  const tr = createHash("shake256", { outputLength: 64 }).update(rawPublicKey).digest();
  return new Uint8Array(
    createHash("shake256", { outputLength: 64 })
      .update(tr)
      .update(Uint8Array.of(0, 0))
      .update(data)
      .digest(),
  );
}

const mlDsa = { ML_DSA_44: ml_dsa44, ML_DSA_65: ml_dsa65, ML_DSA_87: ml_dsa87 } as const;
const mlDsaPublicKeyLength = { ML_DSA_44: 1312, ML_DSA_65: 1952, ML_DSA_87: 2592 } as const;

interface Key {
  id: string;
  arn: string;
  spec: KeySpec;
  publicKey: Uint8Array;
}

const rsaAlgorithms: SigningAlgorithmSpec[] = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
];

/** Every SIGN_VERIFY spec outside China with its algorithms and their message types. */
const matrix: [KeySpec, SigningAlgorithmSpec, MessageType[]][] = [
  ...(["RSA_2048", "RSA_3072", "RSA_4096"] as const).flatMap((spec) =>
    rsaAlgorithms.map((a): [KeySpec, SigningAlgorithmSpec, MessageType[]] => [
      spec,
      a,
      ["RAW", "DIGEST"],
    ]),
  ),
  ["ECC_NIST_P256", "ECDSA_SHA_256", ["RAW", "DIGEST"]],
  ["ECC_NIST_P384", "ECDSA_SHA_384", ["RAW", "DIGEST"]],
  ["ECC_NIST_P521", "ECDSA_SHA_512", ["RAW", "DIGEST"]],
  ["ECC_SECG_P256K1", "ECDSA_SHA_256", ["RAW", "DIGEST"]],
  ["ECC_NIST_EDWARDS25519", "ED25519_SHA_512", ["RAW"]],
  ["ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", ["DIGEST"]],
  ["ML_DSA_44", "ML_DSA_SHAKE_256", ["RAW", "EXTERNAL_MU"]],
  ["ML_DSA_65", "ML_DSA_SHAKE_256", ["RAW", "EXTERNAL_MU"]],
  ["ML_DSA_87", "ML_DSA_SHAKE_256", ["RAW", "EXTERNAL_MU"]],
];

/** What the caller sends as Message for `messageType`, standing for `message`. */
function input(key: Key, algorithm: SigningAlgorithmSpec, messageType: MessageType): Uint8Array {
  if (messageType === "RAW") return message;
  if (messageType === "EXTERNAL_MU") return externalMu(rawMlDsaKey(key), message);
  return digest(hashOf[algorithm]!, message);
}

function rawMlDsaKey(key: Key): Uint8Array {
  return key.publicKey.subarray(-mlDsaPublicKeyLength[key.spec as keyof typeof mlDsa]);
}

/** Verifies a Trent signature with the public key alone, outside Trent. */
function verifiesOffline(
  key: Key,
  algorithm: SigningAlgorithmSpec,
  sent: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (algorithm === "ML_DSA_SHAKE_256")
    // Pure ML-DSA of the message itself, also for a signature made from μ. (OpenSSL 3.0 has
    // no ML-DSA, so @noble/post-quantum checks it.)
    return mlDsa[key.spec as keyof typeof mlDsa].verify(signature, message, rawMlDsaKey(key));
  if (algorithm === "ED25519_PH_SHA_512")
    // Ed25519ph of the digest the caller sent: KMS prehashes the DIGEST once more. (Node has
    // no Ed25519ph, so @noble/curves checks it.)
    return ed25519ph.verify(signature, sent, key.publicKey.subarray(-32));
  const publicKey = createPublicKey({
    key: Buffer.from(key.publicKey),
    format: "der",
    type: "spki",
  });
  const hash = hashOf[algorithm];
  if (algorithm.startsWith("RSASSA_PSS"))
    return nodeVerify(
      hash!,
      message,
      {
        key: publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: digest(hash!, message).length,
      },
      signature,
    );
  if (algorithm.startsWith("RSASSA_PKCS1"))
    return nodeVerify(
      hash!,
      message,
      { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
      signature,
    );
  if (algorithm.startsWith("ECDSA")) return nodeVerify(hash!, message, publicKey, signature);
  return nodeVerify(null, message, publicKey, signature);
}

describe("Sign and Verify", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let dir: string;
  const keys = new Map<string, Promise<Key>>();

  async function createKey(input: CreateKeyCommandInput): Promise<Key> {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    const id = KeyMetadata!.KeyId!;
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: id }));
    return { id, arn: KeyMetadata!.Arn!, spec: input.KeySpec!, publicKey: PublicKey! };
  }

  /** One signing key per spec, shared by the tests that only read it. */
  function signingKey(spec: KeySpec): Promise<Key> {
    let key = keys.get(spec);
    if (!key) {
      key = createKey({ KeySpec: spec, KeyUsage: "SIGN_VERIFY" });
      keys.set(spec, key);
    }
    return key;
  }

  async function openssl(args: string[]): Promise<string> {
    const { stdout } = await run("openssl", args, { cwd: dir });
    return stdout.trim();
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
    dir = await mkdtemp(join(tmpdir(), "trent-sign-wire-"));
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [spec, algorithm, messageTypes] of matrix)
    for (const messageType of messageTypes)
      it(`${spec} signs with ${algorithm} (${messageType}), verifiable in Trent and offline`, async () => {
        const key = await signingKey(spec);
        const sent = input(key, algorithm, messageType);
        const signed = await kms.send(
          new SignCommand({
            KeyId: key.id,
            Message: sent,
            MessageType: messageType,
            SigningAlgorithm: algorithm,
          }),
        );
        assert.equal(signed.KeyId, key.arn);
        assert.equal(signed.SigningAlgorithm, algorithm);
        const signature = signed.Signature!;
        assert.ok(verifiesOffline(key, algorithm, sent, signature), "offline verification");

        const verified = await kms.send(
          new VerifyCommand({
            KeyId: key.id,
            Message: sent,
            MessageType: messageType,
            Signature: signature,
            SigningAlgorithm: algorithm,
          }),
        );
        assert.equal(verified.SignatureValid, true);
        assert.equal(verified.KeyId, key.arn);
        assert.equal(verified.SigningAlgorithm, algorithm);
      });

  for (const [spec, algorithm] of [
    ["RSA_2048", "RSASSA_PSS_SHA_384"],
    ["RSA_3072", "RSASSA_PKCS1_V1_5_SHA_512"],
    ["ECC_NIST_P384", "ECDSA_SHA_384"],
  ] as const)
    it(`${spec} ${algorithm}: a message and its digest are the same message`, async () => {
      const key = await signingKey(spec);
      const hashed = digest(hashOf[algorithm]!, message);
      const raw = await kms.send(
        new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: algorithm }),
      );
      const fromDigest = await kms.send(
        new SignCommand({
          KeyId: key.id,
          Message: hashed,
          MessageType: "DIGEST",
          SigningAlgorithm: algorithm,
        }),
      );
      for (const [signature, sent, messageType] of [
        [raw.Signature!, hashed, "DIGEST"],
        [fromDigest.Signature!, message, "RAW"],
        [fromDigest.Signature!, message, undefined],
      ] as const) {
        const out = await kms.send(
          new VerifyCommand({
            KeyId: key.arn,
            Message: sent,
            MessageType: messageType,
            Signature: signature,
            SigningAlgorithm: algorithm,
          }),
        );
        assert.equal(out.SignatureValid, true);
      }
      if (algorithm.startsWith("RSASSA_PKCS1"))
        assert.deepEqual(raw.Signature, fromDigest.Signature, "PKCS #1 v1.5 is deterministic");
    });

  it("signs ML-DSA from μ exactly as from the message (RAW verifies as EXTERNAL_MU and back)", async () => {
    const key = await signingKey("ML_DSA_65");
    const mu = externalMu(rawMlDsaKey(key), message);
    const raw = await kms.send(
      new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "ML_DSA_SHAKE_256" }),
    );
    assert.equal(raw.Signature!.length, 3309, "an ML-DSA-65 signature");
    const out = await kms.send(
      new VerifyCommand({
        KeyId: key.id,
        Message: mu,
        MessageType: "EXTERNAL_MU",
        Signature: raw.Signature,
        SigningAlgorithm: "ML_DSA_SHAKE_256",
      }),
    );
    assert.equal(out.SignatureValid, true);
  });

  it("writes RSA PSS with a salt as long as the hash, MGF1 with the same hash", async () => {
    const key = await signingKey("RSA_2048");
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "RSASSA_PSS_SHA_512" }),
    );
    const publicKey = createPublicKey({
      key: Buffer.from(key.publicKey),
      format: "der",
      type: "spki",
    });
    const withSalt = (saltLength: number) =>
      nodeVerify(
        "sha512",
        message,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        Signature!,
      );
    assert.equal(withSalt(64), true);
    assert.equal(withSalt(32), false);
  });

  for (const [spec, algorithm, sigopts] of [
    ["RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", []],
    ["RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512", []],
    [
      "RSA_3072",
      "RSASSA_PSS_SHA_384",
      ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
    ],
    ["ECC_NIST_P256", "ECDSA_SHA_256", []],
    ["ECC_NIST_P521", "ECDSA_SHA_512", []],
    ["ECC_SECG_P256K1", "ECDSA_SHA_256", []],
  ] as const)
    it(`${spec} ${algorithm} signatures pass openssl dgst -verify with the public key`, async () => {
      const key = await signingKey(spec);
      const hash = hashOf[algorithm]!;
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: key.id,
          Message: digest(hash, message),
          MessageType: "DIGEST",
          SigningAlgorithm: algorithm,
        }),
      );
      const name = `${spec}-${algorithm}`;
      await writeFile(join(dir, `${name}.der`), key.publicKey);
      await writeFile(join(dir, `${name}.sig`), Signature!);
      await writeFile(join(dir, "message.txt"), message);
      const verify = (sig: string) =>
        openssl([
          "dgst",
          `-${hash}`,
          "-verify",
          `${name}.der`,
          "-keyform",
          "DER",
          ...sigopts,
          "-signature",
          sig,
          "message.txt",
        ]);
      assert.equal(await verify(`${name}.sig`), "Verified OK");
      const tampered = Buffer.from(Signature!);
      tampered[tampered.length - 2]! ^= 0x01;
      await writeFile(join(dir, `${name}.bad`), tampered);
      await assert.rejects(verify(`${name}.bad`));
    });

  it("refuses a signature made by another key of the same spec", async () => {
    const key = await signingKey("ECC_NIST_P256");
    const other = await createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: other.id, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
    );
    const error = await failure(
      kms.send(
        new VerifyCommand({
          KeyId: key.id,
          Message: message,
          Signature,
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      ),
    );
    assert.equal(error.name, "KMSInvalidSignatureException");
  });

  describe("Verify failures", () => {
    async function signed(spec: KeySpec, algorithm: SigningAlgorithmSpec) {
      const key = await signingKey(spec);
      const { Signature } = await kms.send(
        new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: algorithm }),
      );
      return { key, signature: Signature! };
    }

    it("answers KMSInvalidSignatureException (400, no message) for a changed message", async () => {
      const { key, signature } = await signed("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256");
      const body = JSON.stringify({
        KeyId: key.id,
        Message: Buffer.from(text("a different message")).toString("base64"),
        Signature: Buffer.from(signature).toString("base64"),
        SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256",
      });
      const res = await rawKms(trent.url, "Verify", body);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { __type: "KMSInvalidSignatureException" });
      const error = await failure(
        kms.send(
          new VerifyCommand({
            KeyId: key.id,
            Message: text("a different message"),
            Signature: signature,
            SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256",
          }),
        ),
      );
      assert.equal(error.name, "KMSInvalidSignatureException");
      assert.equal(error.status, 400);
    });

    const cases: [string, KeySpec, SigningAlgorithmSpec, (s: Uint8Array) => Partial<VerifyArgs>][] =
      [
        ["a changed signature", "ECC_NIST_P256", "ECDSA_SHA_256", (s) => ({ Signature: flip(s) })],
        [
          "a truncated signature",
          "RSA_2048",
          "RSASSA_PSS_SHA_256",
          (s) => ({ Signature: s.subarray(1) }),
        ],
        [
          "bytes that are no signature",
          "ECC_NIST_P384",
          "ECDSA_SHA_384",
          () => ({ Signature: text("junk") }),
        ],
        [
          "another algorithm of the key (PSS signature, PKCS #1 v1.5 named)",
          "RSA_2048",
          "RSASSA_PSS_SHA_256",
          () => ({ SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }),
        ],
        [
          "another hash of the key",
          "RSA_2048",
          "RSASSA_PSS_SHA_256",
          () => ({ SigningAlgorithm: "RSASSA_PSS_SHA_512" }),
        ],
        [
          "a RAW message declared a DIGEST of itself (hashed once, not twice)",
          "ECC_NIST_P256",
          "ECDSA_SHA_256",
          () => ({ Message: digest("sha256", message), MessageType: "RAW" }),
        ],
        [
          "a changed Ed25519 signature",
          "ECC_NIST_EDWARDS25519",
          "ED25519_SHA_512",
          (s) => ({ Signature: flip(s) }),
        ],
        [
          "a changed ML-DSA signature",
          "ML_DSA_44",
          "ML_DSA_SHAKE_256",
          (s) => ({ Signature: flip(s) }),
        ],
      ];
    for (const [what, spec, algorithm, change] of cases)
      it(`answers KMSInvalidSignatureException for ${what}`, async () => {
        const { key, signature } = await signed(spec, algorithm);
        const error = await failure(
          kms.send(
            new VerifyCommand({
              KeyId: key.id,
              Message: message,
              Signature: signature,
              SigningAlgorithm: algorithm,
              ...change(signature),
            }),
          ),
        );
        assert.equal(error.name, "KMSInvalidSignatureException");
        assert.equal(error.status, 400);
      });

    it("checks an Ed25519ph signature against the digest it was made from", async () => {
      const key = await signingKey("ECC_NIST_EDWARDS25519");
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: key.id,
          Message: digest("sha512", message),
          MessageType: "DIGEST",
          SigningAlgorithm: "ED25519_PH_SHA_512",
        }),
      );
      assert.equal(Signature!.length, 64);
      const error = await failure(
        kms.send(
          new VerifyCommand({
            KeyId: key.id,
            Message: digest("sha512", text("another message")),
            MessageType: "DIGEST",
            Signature,
            SigningAlgorithm: "ED25519_PH_SHA_512",
          }),
        ),
      );
      assert.equal(error.name, "KMSInvalidSignatureException");
    });
  });

  describe("errors", () => {
    it("refuses keys whose usage is not SIGN_VERIFY", async () => {
      const others: CreateKeyCommandInput[] = [
        {},
        { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" },
        { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
        { KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" },
      ];
      for (const input of others) {
        const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
        const usage = KeyMetadata!.KeyUsage!;
        for (const operation of ["Sign", "Verify"] as const) {
          const command =
            operation === "Sign"
              ? new SignCommand({
                  KeyId: KeyMetadata!.KeyId!,
                  Message: message,
                  SigningAlgorithm: "RSASSA_PSS_SHA_256",
                })
              : new VerifyCommand({
                  KeyId: KeyMetadata!.KeyId!,
                  Message: message,
                  Signature: text("sig"),
                  SigningAlgorithm: "RSASSA_PSS_SHA_256",
                });
          assert.deepEqual(await failure(kms.send(command as SignCommand)), {
            name: "InvalidKeyUsageException",
            message: `${KeyMetadata!.Arn} key usage is ${usage} which is not valid for ${operation}.`,
            status: 400,
          });
        }
      }
    });

    it("refuses a signing algorithm the key spec does not have", async () => {
      const cases: [KeySpec, SigningAlgorithmSpec][] = [
        ["RSA_2048", "ECDSA_SHA_256"],
        ["ECC_NIST_P256", "ECDSA_SHA_384"],
        ["ECC_NIST_P384", "RSASSA_PSS_SHA_384"],
        ["ECC_SECG_P256K1", "SM2DSA"],
        ["ECC_NIST_EDWARDS25519", "ECDSA_SHA_512"],
        ["ML_DSA_44", "ED25519_SHA_512"],
        ["RSA_3072", "ML_DSA_SHAKE_256"],
      ];
      for (const [spec, algorithm] of cases) {
        const key = await signingKey(spec);
        const expected = {
          name: "InvalidKeyUsageException",
          message: `Algorithm ${algorithm} is incompatible with key spec ${spec}.`,
          status: 400,
        };
        assert.deepEqual(
          await failure(
            kms.send(
              new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: algorithm }),
            ),
          ),
          expected,
        );
        assert.deepEqual(
          await failure(
            kms.send(
              new VerifyCommand({
                KeyId: key.id,
                Message: message,
                Signature: text("sig"),
                SigningAlgorithm: algorithm,
              }),
            ),
          ),
          expected,
        );
      }
    });

    it("requires a DIGEST as long as the algorithm's hash, and a 64-byte μ", async () => {
      const cases: [KeySpec, SigningAlgorithmSpec, MessageType, number][] = [
        ["RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "DIGEST", 32],
        ["RSA_2048", "RSASSA_PSS_SHA_384", "DIGEST", 48],
        ["RSA_2048", "RSASSA_PSS_SHA_512", "DIGEST", 64],
        ["ECC_NIST_P256", "ECDSA_SHA_256", "DIGEST", 32],
        ["ECC_NIST_P384", "ECDSA_SHA_384", "DIGEST", 48],
        ["ECC_NIST_P521", "ECDSA_SHA_512", "DIGEST", 64],
        ["ECC_SECG_P256K1", "ECDSA_SHA_256", "DIGEST", 32],
        ["ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "DIGEST", 64],
        ["ML_DSA_87", "ML_DSA_SHAKE_256", "EXTERNAL_MU", 64],
      ];
      for (const [spec, algorithm, messageType, length] of cases) {
        const key = await signingKey(spec);
        for (const wrong of [length - 1, length + 1, 20]) {
          const expected = {
            name: "ValidationException",
            message: `Digest is invalid length for algorithm ${algorithm}.`,
            status: 400,
          };
          const request = {
            KeyId: key.id,
            Message: new Uint8Array(wrong),
            MessageType: messageType,
            SigningAlgorithm: algorithm,
          };
          assert.deepEqual(await failure(kms.send(new SignCommand(request))), expected);
          assert.deepEqual(
            await failure(kms.send(new VerifyCommand({ ...request, Signature: text("sig") }))),
            expected,
          );
        }
      }
    });

    it("refuses a message type the algorithm does not take", async () => {
      // By key spec where no algorithm of the spec takes the type (ML_DSA_44 with DIGEST as
      // quoted from AWS in floci issue #3025), by algorithm where another one does (Ed25519).
      const cases: [KeySpec, SigningAlgorithmSpec, MessageType | undefined, string, string][] = [
        [
          "ECC_NIST_EDWARDS25519",
          "ED25519_SHA_512",
          "DIGEST",
          "DIGEST",
          "algorithm ED25519_SHA_512",
        ],
        [
          "ECC_NIST_EDWARDS25519",
          "ED25519_PH_SHA_512",
          "RAW",
          "RAW",
          "algorithm ED25519_PH_SHA_512",
        ],
        [
          "ECC_NIST_EDWARDS25519",
          "ED25519_PH_SHA_512",
          undefined,
          "RAW",
          "algorithm ED25519_PH_SHA_512",
        ],
        ["ML_DSA_44", "ML_DSA_SHAKE_256", "DIGEST", "DIGEST", "key spec ML_DSA_44"],
        ["ECC_NIST_P256", "ECDSA_SHA_256", "EXTERNAL_MU", "EXTERNAL_MU", "key spec ECC_NIST_P256"],
        ["RSA_2048", "RSASSA_PSS_SHA_512", "EXTERNAL_MU", "EXTERNAL_MU", "key spec RSA_2048"],
      ];
      for (const [spec, algorithm, messageType, named, what] of cases) {
        const key = await signingKey(spec);
        const request = {
          KeyId: key.id,
          Message: new Uint8Array(64),
          MessageType: messageType,
          SigningAlgorithm: algorithm,
        };
        const expected = {
          name: "ValidationException",
          message: `Message type ${named} is incompatible with ${what}.`,
          status: 400,
        };
        assert.deepEqual(await failure(kms.send(new SignCommand(request))), expected);
        assert.deepEqual(
          await failure(kms.send(new VerifyCommand({ ...request, Signature: text("sig") }))),
          expected,
        );
      }
    });

    it("takes messages of 1 to 4096 bytes, as the model says", async () => {
      const key = await signingKey("ECC_NIST_P256");
      const out = await kms.send(
        new SignCommand({
          KeyId: key.id,
          Message: new Uint8Array(4096),
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      assert.ok(out.Signature);
      assert.deepEqual(
        await failure(
          kms.send(
            new SignCommand({
              KeyId: key.id,
              Message: new Uint8Array(4097),
              SigningAlgorithm: "ECDSA_SHA_256",
            }),
          ),
        ),
        {
          name: "ValidationException",
          message:
            "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096",
          status: 400,
        },
      );
    });

    it("answers for the key first: unknown, disabled, pending deletion", async () => {
      const missing = `arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000`;
      assert.deepEqual(
        await failure(
          kms.send(
            new SignCommand({
              KeyId: missing,
              Message: message,
              SigningAlgorithm: "ECDSA_SHA_256",
            }),
          ),
        ),
        { name: "NotFoundException", message: `Key '${missing}' does not exist`, status: 400 },
      );
      const key = await createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));
      for (const command of [
        new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "ECDSA_SHA_384" }),
        new VerifyCommand({
          KeyId: key.id,
          Message: message,
          Signature: text("sig"),
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      ])
        assert.deepEqual(await failure(kms.send(command as SignCommand)), {
          name: "DisabledException",
          message: `${key.arn} is disabled.`,
          status: 400,
        });
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
      assert.deepEqual(
        await failure(
          kms.send(
            new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
          ),
        ),
        {
          name: "KMSInvalidStateException",
          message: `${key.arn} is pending deletion.`,
          status: 400,
        },
      );
    });

    it("answers DryRunOperationException after every check, without signing or verifying", async () => {
      const key = await signingKey("ECC_NIST_P256");
      const expected = {
        name: "DryRunOperationException",
        message: "The request would have succeeded, but the DryRun option is set.",
        status: 412,
      };
      assert.deepEqual(
        await failure(
          kms.send(
            new SignCommand({
              KeyId: key.id,
              Message: message,
              SigningAlgorithm: "ECDSA_SHA_256",
              DryRun: true,
            }),
          ),
        ),
        expected,
      );
      assert.deepEqual(
        await failure(
          kms.send(
            new VerifyCommand({
              KeyId: key.id,
              Message: message,
              Signature: text("not a signature"),
              SigningAlgorithm: "ECDSA_SHA_256",
              DryRun: true,
            }),
          ),
        ),
        expected,
      );
      // A dry run with an invalid request answers the real error.
      assert.equal(
        (
          await failure(
            kms.send(
              new SignCommand({
                KeyId: key.id,
                Message: message,
                SigningAlgorithm: "ECDSA_SHA_512",
                DryRun: true,
              }),
            ),
          )
        ).name,
        "InvalidKeyUsageException",
      );
    });

    it("refuses grant tokens Trent did not issue", async () => {
      const key = await signingKey("ECC_NIST_P256");
      assert.deepEqual(
        await failure(
          kms.send(
            new SignCommand({
              KeyId: key.id,
              Message: message,
              SigningAlgorithm: "ECDSA_SHA_256",
              GrantTokens: ["forged"],
            }),
          ),
        ),
        { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
      );
    });

    it("finds the key by alias name and alias ARN, answering with the key ARN", async () => {
      const key = await signingKey("ECC_NIST_P256");
      await kms.send(new CreateAliasCommand({ AliasName: "alias/signer", TargetKeyId: key.id }));
      const aliasArn = key.arn.replace(/key\/.*$/, "alias/signer");
      for (const reference of ["alias/signer", aliasArn]) {
        const out = await kms.send(
          new SignCommand({
            KeyId: reference,
            Message: message,
            SigningAlgorithm: "ECDSA_SHA_256",
          }),
        );
        assert.equal(out.KeyId, key.arn);
        const verified = await kms.send(
          new VerifyCommand({
            KeyId: reference,
            Message: message,
            Signature: out.Signature,
            SigningAlgorithm: "ECDSA_SHA_256",
          }),
        );
        assert.equal(verified.KeyId, key.arn);
      }
    });
  });
});

describe("Sign and Verify with SM2 (China regions)", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let dir: string;
  let key: Key;

  /** Z ‖ M hashed with SM3 and the distinguishing ID, what a DIGEST for SM2DSA must be. */
  function sm2Digest(id: string, data: Uint8Array): Uint8Array {
    const a = "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc";
    const b = "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93";
    const gx = "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7";
    const gy = "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";
    const point = key.publicKey.subarray(-64);
    const entl = Buffer.alloc(2);
    entl.writeUInt16BE(id.length * 8);
    const z = createHash("sm3")
      .update(entl)
      .update(id)
      .update(Buffer.from(a + b + gx + gy, "hex"))
      .update(point)
      .digest();
    return new Uint8Array(createHash("sm3").update(z).update(data).digest());
  }

  before(async () => {
    trent = await startTestTrent({ region: "cn-north-1" });
    kms = trent.client("cn-north-1");
    dir = await mkdtemp(join(tmpdir(), "trent-sm2-sign-"));
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "SM2", KeyUsage: "SIGN_VERIFY" }),
    );
    const { PublicKey, SigningAlgorithms } = await kms.send(
      new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }),
    );
    assert.deepEqual(SigningAlgorithms, ["SM2DSA"]);
    key = { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn!, spec: "SM2", publicKey: PublicKey! };
    await writeFile(join(dir, "public.der"), key.publicKey);
    await writeFile(join(dir, "message.txt"), message);
  });
  after(async () => {
    await trent.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function opensslVerifies(signature: Uint8Array, distid: string): Promise<boolean> {
    await writeFile(join(dir, "signature.der"), signature);
    try {
      const { stdout } = await run(
        "openssl",
        [
          "dgst",
          "-sm3",
          "-verify",
          "public.der",
          "-keyform",
          "DER",
          "-sigopt",
          `distid:${distid}`,
          "-signature",
          "signature.der",
          "message.txt",
        ],
        { cwd: dir },
      );
      return stdout.trim() === "Verified OK";
    } catch {
      return false;
    }
  }

  it("signs a RAW message with the default distinguishing ID 1234567812345678, as OpenSSL checks it", async () => {
    const out = await kms.send(
      new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "SM2DSA" }),
    );
    assert.equal(out.KeyId, key.arn);
    assert.match(out.KeyId!, /^arn:aws-cn:kms:cn-north-1:/);
    assert.equal(out.SigningAlgorithm, "SM2DSA");
    assert.equal(await opensslVerifies(out.Signature!, "1234567812345678"), true);
    assert.equal(await opensslVerifies(out.Signature!, "another-id"), false);
    const verified = await kms.send(
      new VerifyCommand({
        KeyId: key.id,
        Message: message,
        Signature: out.Signature,
        SigningAlgorithm: "SM2DSA",
      }),
    );
    assert.equal(verified.SignatureValid, true);
  });

  it("signs a DIGEST of Z ‖ M as given, so callers may choose their own distinguishing ID", async () => {
    for (const id of ["1234567812345678", "alice@example.com"]) {
      const out = await kms.send(
        new SignCommand({
          KeyId: key.id,
          Message: sm2Digest(id, message),
          MessageType: "DIGEST",
          SigningAlgorithm: "SM2DSA",
        }),
      );
      assert.equal(await opensslVerifies(out.Signature!, id), true, id);
      const verified = await kms.send(
        new VerifyCommand({
          KeyId: key.id,
          Message: sm2Digest(id, message),
          MessageType: "DIGEST",
          Signature: out.Signature,
          SigningAlgorithm: "SM2DSA",
        }),
      );
      assert.equal(verified.SignatureValid, true);
    }
    // A RAW signature is the DIGEST signature of SM3(Z ‖ M) with the default ID.
    const raw = await kms.send(
      new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "SM2DSA" }),
    );
    const out = await kms.send(
      new VerifyCommand({
        KeyId: key.id,
        Message: sm2Digest("1234567812345678", message),
        MessageType: "DIGEST",
        Signature: raw.Signature,
        SigningAlgorithm: "SM2DSA",
      }),
    );
    assert.equal(out.SignatureValid, true);
  });

  it("rejects a changed signature or a changed message", async () => {
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "SM2DSA" }),
    );
    for (const attempt of [
      { Message: message, Signature: flip(Signature!) },
      { Message: text("changed"), Signature },
    ]) {
      const error = await failure(
        kms.send(new VerifyCommand({ KeyId: key.id, SigningAlgorithm: "SM2DSA", ...attempt })),
      );
      assert.equal(error.name, "KMSInvalidSignatureException");
    }
  });

  it("requires a 32-byte SM3 digest and SM2DSA only", async () => {
    assert.deepEqual(
      await failure(
        kms.send(
          new SignCommand({
            KeyId: key.id,
            Message: new Uint8Array(33),
            MessageType: "DIGEST",
            SigningAlgorithm: "SM2DSA",
          }),
        ),
      ),
      {
        name: "ValidationException",
        message: "Digest is invalid length for algorithm SM2DSA.",
        status: 400,
      },
    );
    assert.deepEqual(
      await failure(
        kms.send(
          new SignCommand({ KeyId: key.id, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
        ),
      ),
      {
        name: "InvalidKeyUsageException",
        message: "Algorithm ECDSA_SHA_256 is incompatible with key spec SM2.",
        status: 400,
      },
    );
  });
});

interface VerifyArgs {
  Message: Uint8Array;
  MessageType: MessageType;
  Signature: Uint8Array;
  SigningAlgorithm: SigningAlgorithmSpec;
}

function flip(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[Math.floor(copy.length / 2)]! ^= 0x01;
  return copy;
}
