/**
 * Imported key material through the real AWS SDK: GetParametersForImport, ImportKeyMaterial
 * and DeleteImportedKeyMaterial, with the material wrapped in the test as a user would (node's
 * crypto with the returned public key, and once the `openssl pkeyutl` command), every wrapping
 * algorithm, symmetric, HMAC and asymmetric keys, several materials and on-demand rotation,
 * expiry driven by the injected clock, and AWS's errors with their status and wording.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  constants,
  createCipheriv,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  type AlgorithmSpec,
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  type ImportKeyMaterialCommandInput,
  type KeyMetadata,
  type KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  type WrappingKeySpec,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);
const day = 24 * 60 * 60 * 1000;
const start = new Date("2025-06-01T00:00:00.000Z");
const materialIdPattern = /^[0-9a-f]{64}$/;

function manualClock() {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    get time() {
      return now;
    },
  };
}

const oaepHash = {
  RSAES_OAEP_SHA_1: "sha1",
  RSAES_OAEP_SHA_256: "sha256",
  RSA_AES_KEY_WRAP_SHA_1: "sha1",
  RSA_AES_KEY_WRAP_SHA_256: "sha256",
} as const;

/**
 * Wraps material under the wrapping public key as AWS documents it: RSAES-OAEP directly, or
 * RSAES-OAEP of a fresh AES-256 key followed by the material under AES key wrap with padding.
 */
function wrap(
  algorithm: keyof typeof oaepHash,
  publicKeyDer: Uint8Array,
  material: Uint8Array,
): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: "der", type: "spki" });
  const oaep = { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash[algorithm] };
  if (algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256")
    return publicEncrypt(oaep, material);
  const aesKey = randomBytes(32);
  const cipher = createCipheriv("id-aes256-wrap-pad", aesKey, Buffer.from("a65959a6", "hex"));
  const wrapped = Buffer.concat([cipher.update(material), cipher.final()]);
  return Buffer.concat([publicEncrypt(oaep, aesKey), wrapped]);
}

async function createKey(client: KMSClient, input: CreateKeyCommandInput = {}) {
  const out = await client.send(new CreateKeyCommand({ Origin: "EXTERNAL", ...input }));
  assert.ok(out.KeyMetadata?.KeyId && out.KeyMetadata.Arn);
  return { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
}

async function metadataOf(client: KMSClient, keyId: string): Promise<KeyMetadata> {
  const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  assert.ok(out.KeyMetadata);
  return out.KeyMetadata;
}

async function parameters(
  client: KMSClient,
  keyId: string,
  algorithm: AlgorithmSpec = "RSAES_OAEP_SHA_256",
  spec: WrappingKeySpec = "RSA_2048",
) {
  const out = await client.send(
    new GetParametersForImportCommand({
      KeyId: keyId,
      WrappingAlgorithm: algorithm,
      WrappingKeySpec: spec,
    }),
  );
  assert.ok(out.ImportToken && out.PublicKey);
  return { token: out.ImportToken, publicKey: out.PublicKey, out };
}

/** GetParametersForImport, wrap, ImportKeyMaterial: the whole round a user makes. */
async function importMaterial(
  client: KMSClient,
  keyId: string,
  material: Uint8Array,
  extra: Partial<ImportKeyMaterialCommandInput> = {
    ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
  },
) {
  const { token, publicKey } = await parameters(client, keyId);
  return client.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: token,
      EncryptedKeyMaterial: wrap("RSAES_OAEP_SHA_256", publicKey, material),
      ...extra,
    }),
  );
}

const text = new TextEncoder();

describe("imported key material", () => {
  const clock = manualClock();
  let trent: TestTrent;
  let kms: KMSClient;
  const dir = mkdtempSync(join(tmpdir(), "trent-import-"));

  before(async () => {
    trent = await startTestTrent({}, { clock });
    kms = trent.client();
  });
  after(async () => {
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("GetParametersForImport", () => {
    it("answers the key ARN, an RSA public key of the spec, a token, and 24 hours", async () => {
      const { keyId, arn } = await createKey(kms);
      for (const spec of ["RSA_2048", "RSA_3072", "RSA_4096"] as const) {
        const { out } = await parameters(kms, keyId, "RSA_AES_KEY_WRAP_SHA_256", spec);
        assert.equal(out.KeyId, arn);
        assert.deepEqual(out.ParametersValidTo, new Date(clock.time + day));
        const publicKey = createPublicKey({
          key: Buffer.from(out.PublicKey as Uint8Array),
          format: "der",
          type: "spki",
        });
        assert.equal(publicKey.asymmetricKeyType, "rsa");
        assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, Number(spec.slice(4)));
        assert.ok((out.ImportToken?.length ?? 0) <= 6144);
      }
      // Each call makes a new wrapping key.
      const a = await parameters(kms, keyId);
      const b = await parameters(kms, keyId);
      assert.notDeepEqual(a.publicKey, b.publicKey);
    });

    it("needs a key of origin EXTERNAL", async () => {
      const out = await kms.send(new CreateKeyCommand({}));
      const arn = out.KeyMetadata?.Arn as string;
      assert.deepEqual(await failure(parameters(kms, arn)), {
        name: "UnsupportedOperationException",
        message: `${arn} origin is AWS_KMS which is not valid for this operation.`,
        status: 400,
      });
    });

    it("refuses RSAES_PKCS1_V1_5, mismatched algorithms and SM2 outside China", async () => {
      const { keyId } = await createKey(kms);
      assert.deepEqual(await failure(parameters(kms, keyId, "RSAES_PKCS1_V1_5")), {
        name: "ValidationException",
        message:
          "The wrapping algorithm RSAES_PKCS1_V1_5 is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.",
        status: 400,
      });
      // Outside China the SM2 values are not in the enums (enum-values.ts), so they fail
      // validation like any other value, with the Region's own lists.
      assert.deepEqual(await failure(parameters(kms, keyId, "RSAES_OAEP_SHA_256", "SM2")), {
        name: "ValidationException",
        message:
          "1 validation error detected: Value 'SM2' at 'wrappingKeySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096]",
        status: 400,
      });
      assert.deepEqual(await failure(parameters(kms, keyId, "SM2PKE", "RSA_2048")), {
        name: "ValidationException",
        message:
          "1 validation error detected: Value 'SM2PKE' at 'wrappingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, RSAES_PKCS1_V1_5]",
        status: 400,
      });
      const china = trent.client("cn-north-1");
      const chinaKey = await createKey(china);
      assert.deepEqual(await failure(parameters(china, chinaKey.keyId, "SM2PKE", "RSA_2048")), {
        name: "ValidationException",
        message: "WrappingAlgorithm SM2PKE is not compatible with WrappingKeySpec RSA_2048",
        status: 400,
      });
      assert.deepEqual(
        await failure(parameters(china, chinaKey.keyId, "RSAES_OAEP_SHA_256", "SM2")),
        {
          name: "ValidationException",
          message:
            "WrappingAlgorithm RSAES_OAEP_SHA_256 is not compatible with WrappingKeySpec SM2",
          status: 400,
        },
      );
    });

    it("refuses a key pending deletion", async () => {
      const { keyId, arn } = await createKey(kms);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      assert.deepEqual(await failure(parameters(kms, keyId)), {
        name: "KMSInvalidStateException",
        message: `${arn} is pending deletion.`,
        status: 400,
      });
    });
  });

  describe("ImportKeyMaterial into a symmetric key", () => {
    it("takes the key from PendingImport to Enabled, with the material's id as current", async () => {
      const { keyId, arn } = await createKey(kms);
      const before = await metadataOf(kms, keyId);
      assert.equal(before.KeyState, "PendingImport");
      assert.equal(before.CurrentKeyMaterialId, undefined);
      assert.deepEqual(
        await failure(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("x") }))),
        { name: "KMSInvalidStateException", message: `${arn} is pending import.`, status: 400 },
      );

      const material = randomBytes(32);
      const out = await importMaterial(kms, keyId, material);
      assert.equal(out.KeyId, arn);
      assert.match(out.KeyMaterialId ?? "", materialIdPattern);
      const after = await metadataOf(kms, keyId);
      assert.equal(after.KeyState, "Enabled");
      assert.equal(after.Enabled, true);
      assert.equal(after.CurrentKeyMaterialId, out.KeyMaterialId);

      const sealed = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("imported") }),
      );
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.equal(new TextDecoder().decode(opened.Plaintext), "imported");
      assert.equal(opened.KeyMaterialId, out.KeyMaterialId);

      // Reimporting the same material names the same id; other material is refused.
      const again = await importMaterial(kms, keyId, material);
      assert.equal(again.KeyMaterialId, out.KeyMaterialId);
      assert.deepEqual(await failure(importMaterial(kms, keyId, randomBytes(32))), {
        name: "IncorrectKeyMaterialException",
        message: `The key material is not key material previously imported into ${arn}.`,
        status: 400,
      });
    });

    it("unwraps every RSA wrapping algorithm with every wrapping key size", async () => {
      for (const [algorithm, spec] of [
        ["RSAES_OAEP_SHA_1", "RSA_2048"],
        ["RSAES_OAEP_SHA_256", "RSA_3072"],
        ["RSA_AES_KEY_WRAP_SHA_1", "RSA_4096"],
        ["RSA_AES_KEY_WRAP_SHA_256", "RSA_2048"],
      ] as const) {
        const { keyId } = await createKey(kms);
        const { token, publicKey } = await parameters(kms, keyId, algorithm, spec);
        const out = await kms.send(
          new ImportKeyMaterialCommand({
            KeyId: keyId,
            ImportToken: token,
            EncryptedKeyMaterial: wrap(algorithm, publicKey, randomBytes(32)),
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
          }),
        );
        assert.match(out.KeyMaterialId ?? "", materialIdPattern, `${algorithm} ${spec}`);
        assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
      }
    });

    it("accepts material wrapped with the openssl command line", async () => {
      const { keyId } = await createKey(kms);
      const { token, publicKey } = await parameters(kms, keyId, "RSAES_OAEP_SHA_256", "RSA_2048");
      const material = randomBytes(32);
      writeFileSync(join(dir, "PublicKey.bin"), publicKey);
      writeFileSync(join(dir, "PlaintextKeyMaterial.bin"), material);
      await run("openssl", [
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        join(dir, "PublicKey.bin"),
        "-in",
        join(dir, "PlaintextKeyMaterial.bin"),
        "-out",
        join(dir, "EncryptedKeyMaterial.bin"),
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
      ]);
      const out = await kms.send(
        new ImportKeyMaterialCommand({
          KeyId: keyId,
          ImportToken: token,
          EncryptedKeyMaterial: readFileSync(join(dir, "EncryptedKeyMaterial.bin")),
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }),
      );
      // The same material imported through node's crypto names the same material id.
      const again = await importMaterial(kms, keyId, material);
      assert.equal(again.KeyMaterialId, out.KeyMaterialId);
    });

    it("unwraps SM2PKE with an SM2 wrapping key in the China Regions (openssl)", async () => {
      const china = trent.client("cn-north-1");
      const { keyId, arn } = await createKey(china);
      const { token, publicKey, out } = await parameters(china, keyId, "SM2PKE", "SM2");
      assert.equal(out.KeyId, arn);
      assert.ok(arn.startsWith("arn:aws-cn:kms:cn-north-1:"));
      const pem = createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" })
        .export({ type: "spki", format: "pem" })
        .toString();
      writeFileSync(join(dir, "sm2.pem"), pem);
      writeFileSync(join(dir, "sm2-material.bin"), randomBytes(32));
      await run("openssl", [
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        join(dir, "sm2.pem"),
        "-in",
        join(dir, "sm2-material.bin"),
        "-out",
        join(dir, "sm2-encrypted.bin"),
      ]);
      const imported = await china.send(
        new ImportKeyMaterialCommand({
          KeyId: keyId,
          ImportToken: token,
          EncryptedKeyMaterial: readFileSync(join(dir, "sm2-encrypted.bin")),
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }),
      );
      assert.match(imported.KeyMaterialId ?? "", materialIdPattern);
      assert.equal((await metadataOf(china, keyId)).KeyState, "Enabled");
    });

    it("checks ExpirationModel and ValidTo", async () => {
      const { keyId } = await createKey(kms);
      const material = randomBytes(32);
      const cases: [Partial<ImportKeyMaterialCommandInput>, string][] = [
        [{}, "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"],
        [
          { ExpirationModel: "KEY_MATERIAL_EXPIRES" },
          "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        ],
        [
          { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ValidTo: new Date(clock.time + day) },
          "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        ],
        [{ ValidTo: new Date(clock.time - 1000) }, "The validTo date must be in the future"],
        [
          { ValidTo: new Date(clock.time + 366 * day) },
          "The validTo date must be no more than 365 days in the future",
        ],
      ];
      for (const [extra, message] of cases) {
        assert.deepEqual(await failure(importMaterial(kms, keyId, material, extra)), {
          name: "ValidationException",
          message,
          status: 400,
        });
      }
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");
      // The default model with a ValidTo within 365 days is accepted.
      await importMaterial(kms, keyId, material, { ValidTo: new Date(clock.time + 365 * day) });
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
    });

    it("refuses bad tokens, expired tokens, wrong wrapping and wrong-length material", async () => {
      const { keyId } = await createKey(kms);
      const other = await createKey(kms);
      const { token, publicKey } = await parameters(kms, keyId);
      const send = (input: Partial<ImportKeyMaterialCommandInput>) =>
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId: keyId,
            ImportToken: token,
            EncryptedKeyMaterial: wrap("RSAES_OAEP_SHA_256", publicKey, randomBytes(32)),
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            ...input,
          }),
        );

      assert.deepEqual(await failure(send({ ImportToken: randomBytes(200) })), {
        name: "InvalidImportTokenException",
        message:
          "The import token is not valid. Use GetParametersForImport to get a new import token.",
        status: 400,
      });
      const tampered = Buffer.from(token);
      tampered[40] = (tampered[40] ?? 0) ^ 1;
      assert.equal(
        (await failure(send({ ImportToken: tampered }))).name,
        "InvalidImportTokenException",
      );
      assert.deepEqual(await failure(send({ KeyId: other.keyId })), {
        name: "InvalidImportTokenException",
        message: `The import token was issued for another KMS key, not ${other.arn}.`,
        status: 400,
      });
      // Wrapped with SHA-1 where the token says SHA-256; garbage; AES-wrapped for OAEP.
      for (const encrypted of [
        wrap("RSAES_OAEP_SHA_1", publicKey, randomBytes(32)),
        randomBytes(256),
        wrap("RSA_AES_KEY_WRAP_SHA_256", publicKey, randomBytes(32)),
      ]) {
        const error = await failure(send({ EncryptedKeyMaterial: encrypted }));
        assert.equal(error.name, "InvalidCiphertextException");
        assert.equal(error.status, 400);
      }
      for (const length of [16, 31, 33, 64]) {
        assert.deepEqual(
          await failure(
            send({
              EncryptedKeyMaterial: wrap("RSAES_OAEP_SHA_256", publicKey, randomBytes(length)),
            }),
          ),
          {
            name: "IncorrectKeyMaterialException",
            message: "The key material is not valid for a KMS key with KeySpec SYMMETRIC_DEFAULT.",
            status: 400,
          },
        );
      }
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");

      clock.advance(day);
      assert.deepEqual(await failure(send({})), {
        name: "ExpiredImportTokenException",
        message:
          "The import token has expired. Use GetParametersForImport to get a new import token and public key.",
        status: 400,
      });
    });

    it("needs a key of origin EXTERNAL, not pending deletion", async () => {
      const kmsKey = await kms.send(new CreateKeyCommand({}));
      const arn = kmsKey.KeyMetadata?.Arn as string;
      const error = await failure(
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId: arn,
            ImportToken: randomBytes(64),
            EncryptedKeyMaterial: randomBytes(256),
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
          }),
        ),
      );
      assert.deepEqual(error, {
        name: "UnsupportedOperationException",
        message: `${arn} origin is AWS_KMS which is not valid for this operation.`,
        status: 400,
      });
      const pending = await createKey(kms);
      await kms.send(
        new ScheduleKeyDeletionCommand({ KeyId: pending.keyId, PendingWindowInDays: 7 }),
      );
      assert.deepEqual(
        await failure(
          kms.send(
            new ImportKeyMaterialCommand({
              KeyId: pending.keyId,
              ImportToken: randomBytes(64),
              EncryptedKeyMaterial: randomBytes(256),
              ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            }),
          ),
        ),
        {
          name: "KMSInvalidStateException",
          message: `${pending.arn} is pending deletion.`,
          status: 400,
        },
      );
    });

    it("reimporting into a disabled key leaves it disabled", async () => {
      const { keyId } = await createKey(kms);
      const material = randomBytes(32);
      await importMaterial(kms, keyId, material);
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      await importMaterial(kms, keyId, material);
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Disabled");
    });
  });

  describe("expiry and deletion", () => {
    it("expired material is deleted by the sweep; the same material brings the key back", async () => {
      const { keyId, arn } = await createKey(kms);
      const material = randomBytes(32);
      const validTo = new Date(clock.time + 10 * day);
      const { KeyMaterialId } = await importMaterial(kms, keyId, material, { ValidTo: validTo });
      const sealed = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("v") }),
      );
      assert.deepEqual(
        (
          await kms.send(
            new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }),
          )
        ).Rotations,
        [
          {
            KeyId: keyId,
            KeyMaterialId,
            ImportState: "IMPORTED",
            KeyMaterialState: "CURRENT",
            ExpirationModel: "KEY_MATERIAL_EXPIRES",
            ValidTo: validTo,
          },
        ],
      );

      const described = await metadataOf(kms, keyId);
      assert.equal(described.ExpirationModel, "KEY_MATERIAL_EXPIRES");
      assert.deepEqual(described.ValidTo, validTo);

      clock.advance(10 * day - 1);
      await trent.sweepKeyMaterial();
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
      clock.advance(1);
      assert.ok((await trent.sweepKeyMaterial()) >= 1);
      const expired = await metadataOf(kms, keyId);
      assert.equal(expired.KeyState, "PendingImport");
      assert.equal(expired.CurrentKeyMaterialId, KeyMaterialId);
      assert.deepEqual(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))),
        { name: "KMSInvalidStateException", message: `${arn} is pending import.`, status: 400 },
      );
      const listed = await kms.send(
        new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }),
      );
      assert.equal(listed.Rotations?.[0]?.ImportState, "PENDING_IMPORT");

      assert.equal(
        (await failure(importMaterial(kms, keyId, randomBytes(32)))).name,
        "IncorrectKeyMaterialException",
      );
      await importMaterial(kms, keyId, material);
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.equal(new TextDecoder().decode(opened.Plaintext), "v");
      // Reimported without expiry, it no longer expires.
      const reimported = await metadataOf(kms, keyId);
      assert.equal(reimported.ExpirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE");
      assert.equal(reimported.ValidTo, undefined);
      clock.advance(400 * day);
      await trent.sweepKeyMaterial();
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
    });

    it("DeleteImportedKeyMaterial makes the key PendingImport until the material returns", async () => {
      const { keyId, arn } = await createKey(kms);
      const material = randomBytes(32);
      const { KeyMaterialId } = await importMaterial(kms, keyId, material);
      const sealed = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("d") }),
      );

      const out = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: arn }));
      assert.equal(out.KeyId, arn);
      assert.equal(out.KeyMaterialId, KeyMaterialId);
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");
      assert.equal(
        (await failure(kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))))
          .name,
        "KMSInvalidStateException",
      );
      await importMaterial(kms, keyId, material);
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.equal(new TextDecoder().decode(opened.Plaintext), "d");
    });

    it("a key that never had material has nothing to delete; AWS_KMS keys are refused", async () => {
      const { keyId, arn } = await createKey(kms);
      const out = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
      assert.equal(out.KeyId, arn);
      assert.equal(out.KeyMaterialId, "");
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");
      const unknown = "a".repeat(64);
      assert.deepEqual(
        await failure(
          kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: unknown })),
        ),
        {
          name: "NotFoundException",
          message: `Key material ${unknown} is not associated with ${arn}.`,
          status: 400,
        },
      );
      const kmsKey = await kms.send(new CreateKeyCommand({}));
      const kmsArn = kmsKey.KeyMetadata?.Arn as string;
      assert.deepEqual(
        await failure(kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: kmsArn }))),
        {
          name: "UnsupportedOperationException",
          message: `${kmsArn} origin is AWS_KMS which is not valid for this operation.`,
          status: 400,
        },
      );
    });

    it("a key pending deletion stays pending deletion", async () => {
      const { keyId } = await createKey(kms);
      await importMaterial(kms, keyId, randomBytes(32));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingDeletion");
    });
  });

  describe("several materials and on-demand rotation (symmetric keys)", () => {
    it("imports new material as PENDING_ROTATION, rotates to it, and keeps the old one", async () => {
      const { keyId, arn } = await createKey(kms);
      const first = randomBytes(32);
      const second = randomBytes(32);
      const one = await importMaterial(kms, keyId, first, {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        KeyMaterialDescription: "first material",
      });
      const sealed = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("1") }),
      );

      assert.deepEqual(await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))), {
        name: "KMSInvalidStateException",
        message: `No available key material pending rotation for the key: ${arn}.`,
        status: 400,
      });
      assert.deepEqual(
        await failure(
          importMaterial(kms, keyId, first, {
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            ImportType: "NEW_KEY_MATERIAL",
          }),
        ),
        {
          name: "IncorrectKeyMaterialException",
          message: `This key material is already associated with ${arn}. To reimport it, use ImportType EXISTING_KEY_MATERIAL.`,
          status: 400,
        },
      );
      assert.deepEqual(
        await failure(
          importMaterial(kms, keyId, second, {
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            ImportType: "NEW_KEY_MATERIAL",
            KeyMaterialId: one.KeyMaterialId,
          }),
        ),
        {
          name: "ValidationException",
          message: "A KeyMaterialId must not be set if the ImportType is NEW_KEY_MATERIAL",
          status: 400,
        },
      );

      const two = await importMaterial(kms, keyId, second, {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType: "NEW_KEY_MATERIAL",
      });
      assert.notEqual(two.KeyMaterialId, one.KeyMaterialId);
      assert.equal((await metadataOf(kms, keyId)).CurrentKeyMaterialId, one.KeyMaterialId);
      assert.deepEqual(
        (
          await kms.send(
            new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }),
          )
        ).Rotations,
        [
          {
            KeyId: keyId,
            KeyMaterialId: one.KeyMaterialId,
            KeyMaterialDescription: "first material",
            ImportState: "IMPORTED",
            KeyMaterialState: "CURRENT",
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
          },
          {
            KeyId: keyId,
            KeyMaterialId: two.KeyMaterialId,
            ImportState: "IMPORTED",
            KeyMaterialState: "PENDING_ROTATION",
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
          },
        ],
      );
      assert.deepEqual(
        (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations,
        [],
      );
      assert.equal(
        (
          await failure(
            importMaterial(kms, keyId, randomBytes(32), {
              ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
              ImportType: "NEW_KEY_MATERIAL",
            }),
          )
        ).name,
        "KMSInvalidStateException",
      );

      const rotatedAt = clock.time;
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      assert.equal((await metadataOf(kms, keyId)).CurrentKeyMaterialId, two.KeyMaterialId);
      assert.deepEqual((await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations, [
        {
          KeyId: keyId,
          KeyMaterialId: two.KeyMaterialId,
          ImportState: "IMPORTED",
          KeyMaterialState: "CURRENT",
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
          RotationDate: new Date(rotatedAt),
          RotationType: "ON_DEMAND",
        },
      ]);
      const old = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.equal(old.KeyMaterialId, one.KeyMaterialId);
      const fresh = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: text.encode("2") }),
      );
      assert.equal(
        (await kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob })))
          .KeyMaterialId,
        two.KeyMaterialId,
      );

      // Reimport names its material; a KeyMaterialId that does not match is refused.
      const re = await importMaterial(kms, keyId, first, {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType: "EXISTING_KEY_MATERIAL",
        KeyMaterialId: one.KeyMaterialId,
      });
      assert.equal(re.KeyMaterialId, one.KeyMaterialId);
      assert.deepEqual(
        await failure(
          importMaterial(kms, keyId, first, {
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            KeyMaterialId: two.KeyMaterialId,
          }),
        ),
        {
          name: "IncorrectKeyMaterialException",
          message: `The key material does not match key material ${two.KeyMaterialId}.`,
          status: 400,
        },
      );

      // Deleting a non-current material also needs it back before the key is usable.
      await kms.send(
        new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: one.KeyMaterialId }),
      );
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");
      await importMaterial(kms, keyId, first);
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
    });

    it("deleting material pending rotation forgets it and leaves the key as it was", async () => {
      const { keyId } = await createKey(kms);
      await importMaterial(kms, keyId, randomBytes(32));
      const pending = await importMaterial(kms, keyId, randomBytes(32), {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType: "NEW_KEY_MATERIAL",
      });
      const out = await kms.send(
        new DeleteImportedKeyMaterialCommand({
          KeyId: keyId,
          KeyMaterialId: pending.KeyMaterialId,
        }),
      );
      assert.equal(out.KeyMaterialId, pending.KeyMaterialId);
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
      const listed = await kms.send(
        new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }),
      );
      assert.equal(listed.Rotations?.length, 1);
      // Different material may now take its place.
      await importMaterial(kms, keyId, randomBytes(32), {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType: "NEW_KEY_MATERIAL",
      });
    });
  });

  describe("HMAC and asymmetric keys", () => {
    it("HMAC keys take 32–64 bytes for HMAC_256", async () => {
      const { keyId } = await createKey(kms, {
        KeySpec: "HMAC_256",
        KeyUsage: "GENERATE_VERIFY_MAC",
      });
      assert.deepEqual(await failure(importMaterial(kms, keyId, randomBytes(31))), {
        name: "IncorrectKeyMaterialException",
        message: "The key material is not valid for a KMS key with KeySpec HMAC_256.",
        status: 400,
      });
      assert.equal(
        (await failure(importMaterial(kms, keyId, randomBytes(65)))).name,
        "IncorrectKeyMaterialException",
      );
      await importMaterial(kms, keyId, randomBytes(64));
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
    });

    it("an RSA key: the imported private key decrypts what its public key encrypted", async () => {
      const { keyId, arn } = await createKey(kms, {
        KeySpec: "RSA_2048",
        KeyUsage: "ENCRYPT_DECRYPT",
      });
      const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const pkcs8 = pair.privateKey.export({ type: "pkcs8", format: "der" });
      // An RSA private key is too long for RSAES-OAEP: RSA_AES_KEY_WRAP is the way.
      const { token, publicKey } = await parameters(
        kms,
        keyId,
        "RSA_AES_KEY_WRAP_SHA_256",
        "RSA_4096",
      );
      await kms.send(
        new ImportKeyMaterialCommand({
          KeyId: keyId,
          ImportToken: token,
          EncryptedKeyMaterial: wrap("RSA_AES_KEY_WRAP_SHA_256", publicKey, pkcs8),
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }),
      );
      assert.equal((await metadataOf(kms, keyId)).KeyState, "Enabled");
      const got = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      assert.deepEqual(
        Buffer.from(got.PublicKey as Uint8Array),
        pair.publicKey.export({ type: "spki", format: "der" }),
      );
      const ciphertext = publicEncrypt(
        { key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        text.encode("offline"),
      );
      const opened = await kms.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: ciphertext,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        }),
      );
      assert.equal(new TextDecoder().decode(opened.Plaintext), "offline");

      // Only this private key may come back; the symmetric-only members are refused.
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
        type: "pkcs8",
        format: "der",
      });
      const again = await parameters(kms, keyId, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048");
      const wrappedOther = wrap("RSA_AES_KEY_WRAP_SHA_256", again.publicKey, other);
      const send = (input: Partial<ImportKeyMaterialCommandInput>) =>
        kms.send(
          new ImportKeyMaterialCommand({
            KeyId: keyId,
            ImportToken: again.token,
            EncryptedKeyMaterial: wrappedOther,
            ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            ...input,
          }),
        );
      assert.deepEqual(await failure(send({})), {
        name: "IncorrectKeyMaterialException",
        message: `The key material is not key material previously imported into ${arn}.`,
        status: 400,
      });
      assert.deepEqual(await failure(send({ ImportType: "NEW_KEY_MATERIAL" })), {
        name: "ValidationException",
        message: "ImportType is valid only for symmetric encryption KMS keys.",
        status: 400,
      });
    });

    it("an ECC key takes a private key of its curve only", async () => {
      const { keyId } = await createKey(kms, { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      const wrong = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
      assert.deepEqual(
        await failure(importMaterial(kms, keyId, wrong.export({ type: "pkcs8", format: "der" }))),
        {
          name: "IncorrectKeyMaterialException",
          message: "The key material is not valid for a KMS key with KeySpec ECC_NIST_P256.",
          status: 400,
        },
      );
      const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      await importMaterial(kms, keyId, pair.privateKey.export({ type: "pkcs8", format: "der" }));
      const got = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      assert.deepEqual(
        Buffer.from(got.PublicKey as Uint8Array),
        pair.publicKey.export({ type: "spki", format: "der" }),
      );
    });

    it("cancelling deletion of a key whose material was deleted meanwhile returns it to PendingImport", async () => {
      const { keyId } = await createKey(kms);
      await importMaterial(kms, keyId, randomBytes(32));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingDeletion");
      await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
      assert.equal((await metadataOf(kms, keyId)).KeyState, "PendingImport");

      const kept = await createKey(kms);
      await importMaterial(kms, kept.keyId, randomBytes(32));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: kept.keyId, PendingWindowInDays: 7 }));
      await kms.send(new CancelKeyDeletionCommand({ KeyId: kept.keyId }));
      assert.equal((await metadataOf(kms, kept.keyId)).KeyState, "Disabled");
    });
  });
});
