/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext through the real AWS SDK: every
 * KeyPairSpec parses (node and the openssl command) as the right algorithm, curve and size, the
 * private key matches the public key, every pair is fresh, every form of KeyId works, each error
 * of the API reference comes with AWS's type, status and message, SM2 exists only in China
 * regions, and a burst of RSA_4096 requests does not hold up ECC requests beside it.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DisableKeyCommand,
  GenerateDataKeyPairCommand,
  type GenerateDataKeyPairResponse,
  GenerateDataKeyPairWithoutPlaintextCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import type { DataKeyPairSpec } from "../../src/vocabulary/types.generated.js";
import { failure, type WireError } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

async function createKey(kms: KMSClient, input: CreateKeyCommandInput = {}): Promise<string> {
  const out = await kms.send(new CreateKeyCommand(input));
  assert.ok(out.KeyMetadata?.Arn);
  return out.KeyMetadata.Arn;
}

/** What each spec must parse as: node's view, then a line `openssl pkey -text` must print. */
const expectations: Record<
  Exclude<DataKeyPairSpec, "SM2">,
  { type: string; details: Record<string, unknown>; openssl: RegExp; digest: string | null }
> = {
  RSA_2048: {
    type: "rsa",
    details: { modulusLength: 2048, publicExponent: 65537n },
    openssl: /Public-Key: \(2048 bit\)[\s\S]*Exponent: 65537/,
    digest: "sha256",
  },
  RSA_3072: {
    type: "rsa",
    details: { modulusLength: 3072, publicExponent: 65537n },
    openssl: /Public-Key: \(3072 bit\)/,
    digest: "sha256",
  },
  RSA_4096: {
    type: "rsa",
    details: { modulusLength: 4096, publicExponent: 65537n },
    openssl: /Public-Key: \(4096 bit\)/,
    digest: "sha256",
  },
  ECC_NIST_P256: {
    type: "ec",
    details: { namedCurve: "prime256v1" },
    openssl: /ASN1 OID: prime256v1[\s\S]*NIST CURVE: P-256/,
    digest: "sha256",
  },
  ECC_NIST_P384: {
    type: "ec",
    details: { namedCurve: "secp384r1" },
    openssl: /ASN1 OID: secp384r1[\s\S]*NIST CURVE: P-384/,
    digest: "sha384",
  },
  ECC_NIST_P521: {
    type: "ec",
    details: { namedCurve: "secp521r1" },
    openssl: /ASN1 OID: secp521r1[\s\S]*NIST CURVE: P-521/,
    digest: "sha512",
  },
  ECC_SECG_P256K1: {
    type: "ec",
    details: { namedCurve: "secp256k1" },
    openssl: /ASN1 OID: secp256k1/,
    digest: "sha256",
  },
  ECC_NIST_EDWARDS25519: {
    type: "ed25519",
    details: {},
    openssl: /ED25519 Public-Key/,
    digest: null,
  },
};

function publicKeyOf(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
}

function privateKeyOf(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}

/** `openssl pkey` reads DER from a file; stdin keeps it off the disk. */
async function openssl(args: string[], der: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("openssl", args, { encoding: "buffer" }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.toString("latin1"));
    });
    child.stdin?.end(Buffer.from(der));
  });
}

/** The private key signs what the public key verifies, and OpenSSL derives the same SPKI. */
async function assertMatchingPair(pair: GenerateDataKeyPairResponse, digest: string | null) {
  assert.ok(pair.PublicKey && pair.PrivateKeyPlaintext);
  const message = Buffer.from("data key pair round trip");
  const signature = sign(digest, message, privateKeyOf(pair.PrivateKeyPlaintext));
  assert.ok(verify(digest, message, publicKeyOf(pair.PublicKey), signature));
  const derived = await openssl(
    ["pkey", "-inform", "DER", "-pubout", "-outform", "DER"],
    pair.PrivateKeyPlaintext,
  );
  assert.equal(Buffer.from(derived, "latin1").toString("hex"), hex(pair.PublicKey));
}

describe("GenerateDataKeyPair", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let keyArn: string;
  let keyId: string;

  before(async () => {
    // A small pool: RSA_2048 pre-generation is exercised without loading the machine.
    trent = await startTestTrent({
      keyPairPoolSize: { RSA_2048: 1, RSA_3072: 0, RSA_4096: 0 },
    });
    kms = trent.client();
    keyArn = await createKey(kms, { Description: "wraps data key pairs" });
    keyId = keyArn.split("/")[1] as string;
  });
  after(() => trent.close());

  for (const [spec, expected] of Object.entries(expectations) as [
    Exclude<DataKeyPairSpec, "SM2">,
    (typeof expectations)[keyof typeof expectations],
  ][]) {
    it(`${spec}: SPKI and PKCS#8 of the right algorithm, curve and size`, async () => {
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: spec }),
      );
      assert.equal(pair.KeyId, keyArn);
      assert.equal(pair.KeyPairSpec, spec);
      assert.match(pair.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
      assert.ok(pair.PrivateKeyCiphertextBlob && pair.PrivateKeyCiphertextBlob.length > 0);
      assert.equal(pair.CiphertextForRecipient, undefined);
      assert.ok(pair.PublicKey);
      const publicKey = publicKeyOf(pair.PublicKey);
      assert.equal(publicKey.asymmetricKeyType, expected.type);
      assert.deepEqual(publicKey.asymmetricKeyDetails, expected.details);
      assert.match(
        await openssl(["pkey", "-pubin", "-inform", "DER", "-text", "-noout"], pair.PublicKey),
        expected.openssl,
      );
      await assertMatchingPair(pair, expected.digest);
    });
  }

  it("WithoutPlaintext returns the public key and the sealed private key only", async () => {
    const out = await kms.send(
      new GenerateDataKeyPairWithoutPlaintextCommand({
        KeyId: keyId,
        KeyPairSpec: "ECC_NIST_P384",
      }),
    );
    assert.equal(out.KeyId, keyArn);
    assert.equal(out.KeyPairSpec, "ECC_NIST_P384");
    assert.match(out.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
    assert.ok(out.PublicKey && out.PrivateKeyCiphertextBlob);
    assert.deepEqual(publicKeyOf(out.PublicKey).asymmetricKeyDetails, { namedCurve: "secp384r1" });
    const raw = await rawKms(
      trent.url,
      "GenerateDataKeyPairWithoutPlaintext",
      JSON.stringify({ KeyId: keyId, KeyPairSpec: "RSA_2048" }),
    );
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.body).sort(), [
      "KeyId",
      "KeyMaterialId",
      "KeyPairSpec",
      "PrivateKeyCiphertextBlob",
      "PublicKey",
    ]);
  });

  it("answers with the full set of members on the wire (base64 blobs)", async () => {
    const raw = await rawKms(
      trent.url,
      "GenerateDataKeyPair",
      JSON.stringify({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }),
    );
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.body).sort(), [
      "KeyId",
      "KeyMaterialId",
      "KeyPairSpec",
      "PrivateKeyCiphertextBlob",
      "PrivateKeyPlaintext",
      "PublicKey",
    ]);
    assert.equal(Buffer.from(raw.body.PublicKey as string, "base64").length, 91);
    assert.equal(Buffer.from(raw.body.PrivateKeyPlaintext as string, "base64").length, 138);
  });

  it("gives 1,000 calls 1,000 different pairs", async () => {
    const publicKeys = new Set<string>();
    const privateKeys = new Set<string>();
    const blobs = new Set<string>();
    for (let batch = 0; batch < 50; batch++) {
      const pairs = await Promise.all(
        Array.from({ length: 20 }, () =>
          kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" })),
        ),
      );
      for (const pair of pairs) {
        publicKeys.add(hex(pair.PublicKey ?? new Uint8Array()));
        privateKeys.add(hex(pair.PrivateKeyPlaintext ?? new Uint8Array()));
        blobs.add(hex(pair.PrivateKeyCiphertextBlob ?? new Uint8Array()));
      }
    }
    assert.equal(publicKeys.size, 1000);
    assert.equal(privateKeys.size, 1000);
    assert.equal(blobs.size, 1000);
  });

  it("accepts the key id, key ARN, alias name and alias ARN", async () => {
    await kms.send(
      new CreateAliasCommand({ AliasName: "alias/data-key-pairs", TargetKeyId: keyId }),
    );
    for (const reference of [
      keyId,
      keyArn,
      "alias/data-key-pairs",
      `arn:aws:kms:${region}:${account}:alias/data-key-pairs`,
    ]) {
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: reference, KeyPairSpec: "ECC_SECG_P256K1" }),
      );
      assert.equal(pair.KeyId, keyArn, reference);
      const without = await kms.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({
          KeyId: reference,
          KeyPairSpec: "ECC_NIST_EDWARDS25519",
        }),
      );
      assert.equal(without.KeyId, keyArn, reference);
    }
  });

  describe("errors", () => {
    const both = (input: {
      KeyId: string;
      KeyPairSpec: DataKeyPairSpec;
      GrantTokens?: string[];
      DryRun?: boolean;
    }) => [
      kms.send(new GenerateDataKeyPairCommand(input)),
      kms.send(new GenerateDataKeyPairWithoutPlaintextCommand(input)),
    ];

    async function expectBoth(
      input: Parameters<typeof both>[0],
      expected: (operation: string) => WireError,
    ): Promise<void> {
      const [withPlaintext, withoutPlaintext] = both(input);
      assert.deepEqual(
        await failure(withPlaintext as Promise<unknown>),
        expected("GenerateDataKeyPair"),
      );
      assert.deepEqual(
        await failure(withoutPlaintext as Promise<unknown>),
        expected("GenerateDataKeyPairWithoutPlaintext"),
      );
    }

    it("NotFoundException for an unknown key and an unknown alias", async () => {
      const missing = "0d1f2e3a-4b5c-4d6e-8f70-8192a3b4c5d6";
      await expectBoth({ KeyId: missing, KeyPairSpec: "ECC_NIST_P256" }, () => ({
        name: "NotFoundException",
        message: `Key 'arn:aws:kms:${region}:${account}:key/${missing}' does not exist`,
        status: 400,
      }));
      await expectBoth({ KeyId: "alias/nothing-here", KeyPairSpec: "ECC_NIST_P256" }, () => ({
        name: "NotFoundException",
        message: `Alias arn:aws:kms:${region}:${account}:alias/nothing-here is not found.`,
        status: 400,
      }));
    });

    it("DisabledException for a disabled key", async () => {
      const arn = await createKey(kms);
      await kms.send(new DisableKeyCommand({ KeyId: arn }));
      await expectBoth({ KeyId: arn, KeyPairSpec: "RSA_2048" }, () => ({
        name: "DisabledException",
        message: `${arn} is disabled.`,
        status: 400,
      }));
    });

    it("KMSInvalidStateException for keys pending deletion or pending import", async () => {
      const deleting = await createKey(kms);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting, PendingWindowInDays: 7 }));
      await expectBoth({ KeyId: deleting, KeyPairSpec: "ECC_NIST_P256" }, () => ({
        name: "KMSInvalidStateException",
        message: `${deleting} is pending deletion.`,
        status: 400,
      }));
      const importing = await createKey(kms, { Origin: "EXTERNAL" });
      await expectBoth({ KeyId: importing, KeyPairSpec: "ECC_NIST_P256" }, () => ({
        name: "KMSInvalidStateException",
        message: `${importing} is pending import.`,
        status: 400,
      }));
    });

    it("InvalidKeyUsageException for asymmetric and HMAC keys", async () => {
      const signing = await createKey(kms, { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      await expectBoth({ KeyId: signing, KeyPairSpec: "ECC_NIST_P256" }, (operation) => ({
        name: "InvalidKeyUsageException",
        message: `${signing} key usage is SIGN_VERIFY which is not valid for ${operation}.`,
        status: 400,
      }));
      const hmac = await createKey(kms, { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      await expectBoth({ KeyId: hmac, KeyPairSpec: "ECC_NIST_P256" }, (operation) => ({
        name: "InvalidKeyUsageException",
        message: `${hmac} key usage is GENERATE_VERIFY_MAC which is not valid for ${operation}.`,
        status: 400,
      }));
      const rsa = await createKey(kms, { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
      await expectBoth({ KeyId: rsa, KeyPairSpec: "ECC_NIST_P256" }, (operation) => ({
        name: "InvalidKeyUsageException",
        message: `${rsa} key KeySpec is RSA_2048 which is not valid for ${operation}.`,
        status: 400,
      }));
    });

    it("UnsupportedOperationException for a key in a custom key store", async () => {
      // CreateCustomKeyStore does not exist yet, so the key is written straight to the store.
      const template = await trent.services.store.keys.get(keyArn);
      assert.ok(template);
      const id = "5c3b9ad0-7e14-4f6b-9a2d-0c8e1f4b7a61";
      const arn = `arn:aws:kms:${region}:${account}:key/${id}`;
      const hsmKey: KeyRecord = {
        ...template,
        arn,
        keyId: id,
        origin: "AWS_CLOUDHSM",
        customKeyStoreId: "cks-1234567890abcdef0",
      };
      await trent.services.store.keys.insert(hsmKey);
      await expectBoth({ KeyId: arn, KeyPairSpec: "ECC_NIST_P256" }, () => ({
        name: "UnsupportedOperationException",
        message: `${arn} origin is AWS_CLOUDHSM which is not valid for this operation.`,
        status: 400,
      }));
    });

    it("ValidationException for a bad or missing KeyPairSpec and a bad KeyId", async () => {
      const specs =
        "[RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ECC_NIST_P521, RSA_3072, ECC_SECG_P256K1, RSA_4096]";
      for (const target of ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"]) {
        const cases: [object, string][] = [
          [
            { KeyId: keyId, KeyPairSpec: "RSA_1024" },
            `1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: ${specs}`,
          ],
          [
            { KeyId: keyId },
            "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null",
          ],
          [
            { KeyId: "", KeyPairSpec: "ECC_NIST_P256" },
            "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
          ],
          [
            { KeyPairSpec: "ECC_NIST_P256" },
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
          ],
        ];
        for (const [body, message] of cases) {
          const res = await rawKms(trent.url, target, JSON.stringify(body));
          assert.equal(res.status, 400);
          assert.deepEqual(res.body, { __type: "ValidationException", message });
        }
      }
      assert.deepEqual(
        await failure(
          kms.send(
            new GenerateDataKeyPairCommand({
              KeyId: keyId,
              KeyPairSpec: "ECC_NIST_P999" as DataKeyPairSpec,
            }),
          ),
        ),
        {
          name: "ValidationException",
          message: `1 validation error detected: Value 'ECC_NIST_P999' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: ${specs}`,
          status: 400,
        },
      );
    });

    it("InvalidGrantTokenException for a grant token Trent did not issue", async () => {
      await expectBoth(
        { KeyId: keyId, KeyPairSpec: "ECC_NIST_P256", GrantTokens: ["not-a-grant-token"] },
        () => ({
          name: "InvalidGrantTokenException",
          message: "Invalid grant token.",
          status: 400,
        }),
      );
    });

    it("DryRunOperationException (400) once every check passed, the checks' errors before it", async () => {
      // HTTP 400, not the documented 412: LocalStack test_generate_data_key_pair(_without_plaintext)
      // _dry_run, recorded 2025-04-06 and 2025-04-07.
      await expectBoth({ KeyId: keyId, KeyPairSpec: "RSA_4096", DryRun: true }, () => ({
        name: "DryRunOperationException",
        message: "The request would have succeeded, but the DryRun option is set.",
        status: 400,
      }));
      const missing = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4";
      await expectBoth({ KeyId: missing, KeyPairSpec: "ECC_NIST_P256", DryRun: true }, () => ({
        name: "NotFoundException",
        message: `Key 'arn:aws:kms:${region}:${account}:key/${missing}' does not exist`,
        status: 400,
      }));
      // A dry run generates nothing: no RSA_4096 work was started for it.
      const { ready, generating, waiting } = trent.services.dataKeyPairs.stats().RSA_4096;
      assert.deepEqual({ ready, generating, waiting }, { ready: 0, generating: 0, waiting: 0 });
    });

    it("ValidationException for a Recipient that is not an attestation document", async () => {
      const res = await rawKms(
        trent.url,
        "GenerateDataKeyPair",
        JSON.stringify({
          KeyId: keyId,
          KeyPairSpec: "ECC_NIST_P256",
          Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: "AAEC" },
        }),
      );
      assert.equal(res.status, 400);
      // Recipient itself: test/wire/recipient.test.ts.
      assert.deepEqual(res.body, {
        __type: "ValidationException",
        message:
          "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
      });
    });
  });

  describe("SM2", () => {
    it("is refused outside China regions", async () => {
      const specs =
        "[RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ECC_NIST_P521, RSA_3072, ECC_SECG_P256K1, RSA_4096]";
      const [withPlaintext, withoutPlaintext] = [
        kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "SM2" })),
        kms.send(
          new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyId, KeyPairSpec: "SM2" }),
        ),
      ];
      for (const call of [withPlaintext, withoutPlaintext])
        assert.deepEqual(await failure(call), {
          name: "ValidationException",
          message: `1 validation error detected: Value 'SM2' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: ${specs}`,
          status: 400,
        });
    });

    it("works in cn-north-1, on the SM2 curve", async () => {
      const china = trent.client("cn-north-1");
      const arn = await createKey(china);
      assert.match(arn, /^arn:aws-cn:kms:cn-north-1:111122223333:key\//);
      const pair = await china.send(
        new GenerateDataKeyPairCommand({ KeyId: arn, KeyPairSpec: "SM2" }),
      );
      assert.equal(pair.KeyId, arn);
      assert.equal(pair.KeyPairSpec, "SM2");
      assert.ok(pair.PublicKey && pair.PrivateKeyPlaintext);
      // id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301.
      assert.equal(
        hex(pair.PublicKey.subarray(0, 23)),
        "3059301306072a8648ce3d020106082a811ccf5501822d",
      );
      assert.match(
        await openssl(["pkey", "-pubin", "-inform", "DER", "-text", "-noout"], pair.PublicKey),
        /ASN1 OID: SM2/,
      );
      await assertMatchingPair(pair, "sm3");
      const without = await china.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: arn, KeyPairSpec: "SM2" }),
      );
      assert.equal(without.KeyPairSpec, "SM2");
    });
  });

  describe("Decrypt of PrivateKeyCiphertextBlob", () => {
    it("returns exactly PrivateKeyPlaintext, under the same encryption context only", async () => {
      const context = { purpose: "data-key-pair", tenant: "a" };
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: keyId,
          KeyPairSpec: "RSA_2048",
          EncryptionContext: context,
        }),
      );
      const opened = await kms.send(
        new DecryptCommand({
          CiphertextBlob: pair.PrivateKeyCiphertextBlob,
          EncryptionContext: context,
        }),
      );
      assert.equal(opened.KeyId, keyArn);
      assert.equal(
        hex(opened.Plaintext ?? new Uint8Array()),
        hex(pair.PrivateKeyPlaintext ?? new Uint8Array()),
      );
      for (const wrong of [undefined, { purpose: "data-key-pair" }, { ...context, tenant: "b" }]) {
        const error = await failure(
          kms.send(
            new DecryptCommand({
              CiphertextBlob: pair.PrivateKeyCiphertextBlob,
              EncryptionContext: wrong,
            }),
          ),
        );
        assert.equal(error.name, "InvalidCiphertextException");
        assert.equal(error.status, 400);
      }
    });

    it("opens a WithoutPlaintext blob into the private key of the returned public key", async () => {
      const out = await kms.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({
          KeyId: keyId,
          KeyPairSpec: "ECC_NIST_P521",
        }),
      );
      const opened = await kms.send(
        new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob }),
      );
      assert.ok(opened.Plaintext && out.PublicKey);
      const derived = createPublicKey(privateKeyOf(opened.Plaintext)).export({
        format: "der",
        type: "spki",
      });
      assert.equal(hex(derived), hex(out.PublicKey));
    });
  });
});

describe("GenerateDataKeyPair under an RSA_4096 burst", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let keyId: string;

  before(async () => {
    // No pre-generation: every RSA_4096 request waits for a worker to find primes.
    trent = await startTestTrent({
      keyPairWorkers: 2,
      keyPairPoolSize: { RSA_2048: 0, RSA_3072: 0, RSA_4096: 0 },
      // The whole burst waits here; a full queue's ThrottlingException: key-pair-throttling.test.ts.
      keyPairQueueLimit: { RSA_2048: 6, RSA_3072: 6, RSA_4096: 6 },
    });
    kms = trent.client();
    keyId = await createKey(kms);
  });
  after(() => trent.close());

  it("keeps answering ECC requests while the RSA_4096 requests are generated", async () => {
    const finished: string[] = [];
    const rsa = Array.from({ length: 6 }, (_, i) =>
      kms
        .send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "RSA_4096" }))
        .then((pair) => {
          finished.push(`rsa${i}`);
          return pair;
        }),
    );
    // Wait until the burst is really in the workers, then ask for ECC pairs one after another.
    const pool = trent.services.dataKeyPairs;
    while (pool.stats().RSA_4096.generating < 2) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 25; i++) {
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }),
      );
      assert.equal(pair.PublicKey?.length, 91);
      finished.push(`ecc${i}`);
    }
    const rsaPairs = await Promise.all(rsa);
    const lastEcc = finished.indexOf("ecc24");
    const rsaDone = finished
      .filter((name) => name.startsWith("rsa"))
      .map((name) => finished.indexOf(name));
    assert.ok(
      lastEcc < Math.max(...rsaDone),
      `all 25 ECC requests finished before the RSA_4096 burst did: ${finished.join(" ")}`,
    );
    assert.equal(new Set(rsaPairs.map((pair) => hex(pair.PublicKey ?? new Uint8Array()))).size, 6);
    for (const pair of rsaPairs)
      assert.equal(
        publicKeyOf(pair.PublicKey ?? new Uint8Array()).asymmetricKeyDetails?.modulusLength,
        4096,
      );
  });
});
