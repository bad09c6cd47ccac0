/**
 * A Trent seed file applied at start (TRENT_SEED_FILE), then used through the real SDK: every
 * KeySpec with fixed key ids, given key material in every accepted form (hex, base64, PEM in
 * PKCS#8, SEC1 and PKCS#1, raw private keys), generated material, EXTERNAL and disabled keys,
 * tags, policies, rotation, a multi-Region key with its replica, aliases and grants with fixed
 * ids. Each given material is checked to be the one in use without Trent's own code: public
 * keys and signatures against node:crypto's keys made here, MACs against node:crypto's HMAC,
 * symmetric ciphertexts opened and made here from the documented blob layout. Then: the same
 * seed on a fresh store opens the old ciphertexts, applying it again changes nothing, a reset
 * brings the seeded state back, every seeded item left an audit record, and a bad seed file
 * refuses the start.
 */
import assert from "node:assert/strict";
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify as nodeVerify,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  SignCommand,
  VerifyCommand,
} from "@aws-sdk/client-kms";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { SeedError } from "../../src/domain/seed-plan.js";
import { applySeed } from "../../src/front-doors/seed/apply-seed.js";
import type { AuditRecord } from "../../src/platform/audit/cloudtrail-record.js";
import { failure } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const message = new TextEncoder().encode("seeded in YAML, checked in node:crypto");

const ids = {
  symmetric: "0a000000-0000-4000-8000-000000000001",
  rsa2048: "0a000000-0000-4000-8000-000000000002",
  rsa3072: "0a000000-0000-4000-8000-000000000003",
  rsa4096: "0a000000-0000-4000-8000-000000000004",
  p256: "0a000000-0000-4000-8000-000000000005",
  p384: "0a000000-0000-4000-8000-000000000006",
  p521: "0a000000-0000-4000-8000-000000000007",
  secp256k1: "0a000000-0000-4000-8000-000000000008",
  ed25519: "0a000000-0000-4000-8000-000000000009",
  mlDsa44: "0a000000-0000-4000-8000-00000000000a",
  mlDsa65: "0a000000-0000-4000-8000-00000000000b",
  hmac224: "0a000000-0000-4000-8000-00000000000c",
  hmac256: "0a000000-0000-4000-8000-00000000000d",
  hmac384: "0a000000-0000-4000-8000-00000000000e",
  hmac512: "0a000000-0000-4000-8000-00000000000f",
  external: "0a000000-0000-4000-8000-000000000010",
  pendingImport: "0a000000-0000-4000-8000-000000000011",
  disabled: "0a000000-0000-4000-8000-000000000012",
  ecdh: "0a000000-0000-4000-8000-000000000013",
  multiRegion: "mrk-0a000000000040008000000000000014",
  sm2: "0a000000-0000-4000-8000-000000000015",
} as const;
const grantId = "ab".repeat(32);
const constrainedGrantId = "cd".repeat(32);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const pem = (key: KeyObject, type: "pkcs8" | "sec1" | "pkcs1") =>
  key.export({ type, format: "pem" }) as string;
const spki = (key: KeyObject) =>
  new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
/** The raw private scalar (EC) or seed (Ed25519) of a key node made, from its JWK. */
const raw = (key: KeyObject) => Buffer.from(key.export({ format: "jwk" }).d ?? "", "base64url");
const block = (text: string, indent: number) =>
  `|\n${text
    .trim()
    .split("\n")
    .map((line) => `${" ".repeat(indent)}${line}`)
    .join("\n")}`;

/** The key material, made here, that the seed gives Trent. */
const material = {
  oldAes: randomBytes(32),
  aes: randomBytes(32),
  externalAes: randomBytes(32),
  multiRegionAes: randomBytes(32),
  hmac224: randomBytes(28),
  hmac256: randomBytes(32),
  hmac384: randomBytes(48),
  hmac512: randomBytes(64),
  mlDsaSeed: randomBytes(32),
  rsa2048: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  rsa3072: generateKeyPairSync("rsa", { modulusLength: 3072 }).privateKey,
  p256: generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey,
  p384: generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey,
  p521: generateKeyPairSync("ec", { namedCurve: "secp521r1" }).privateKey,
  secp256k1: generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey,
  ed25519: generateKeyPairSync("ed25519").privateKey,
  ecdh: generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey,
  sm2: generateKeyPairSync("ec", { namedCurve: "SM2" }).privateKey,
};

const policy = JSON.stringify({
  Version: "2012-10-17",
  Id: "seeded-policy",
  Statement: [
    {
      Sid: "Root",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

const seedYaml = `# every KeySpec, fixed ids, given material
version: 1
keys:
  - id: ${ids.symmetric}
    description: orders
    material:
      - hex: "${hex(material.oldAes)}"
      - base64: ${material.aes.toString("base64")}
    tags: { team: payments }
    policy: '${policy}'
    rotation: { enabled: true, periodDays: 180 }
  - id: ${ids.rsa2048}
    keySpec: RSA_2048
    keyUsage: SIGN_VERIFY
    material:
      pem: ${block(pem(material.rsa2048, "pkcs1"), 8)}
  - id: ${ids.rsa3072}
    keySpec: RSA_3072
    keyUsage: ENCRYPT_DECRYPT
    material: { pem: ${JSON.stringify(pem(material.rsa3072, "pkcs8"))} }
  - id: ${ids.rsa4096}
    keySpec: RSA_4096
    keyUsage: SIGN_VERIFY
    material: generate
  - id: ${ids.p256}
    keySpec: ECC_NIST_P256
    keyUsage: SIGN_VERIFY
    material: { pem: ${JSON.stringify(pem(material.p256, "sec1"))} }
  - id: ${ids.p384}
    keySpec: ECC_NIST_P384
    keyUsage: SIGN_VERIFY
    material: { hex: ${hex(raw(material.p384))} }
  - id: ${ids.p521}
    keySpec: ECC_NIST_P521
    keyUsage: SIGN_VERIFY
    material: { base64: ${raw(material.p521).toString("base64")} }
  - id: ${ids.secp256k1}
    keySpec: ECC_SECG_P256K1
    keyUsage: SIGN_VERIFY
    material: { hex: "0x${hex(raw(material.secp256k1))}" }
  - id: ${ids.ed25519}
    keySpec: ECC_NIST_EDWARDS25519
    keyUsage: SIGN_VERIFY
    material: { hex: ${hex(raw(material.ed25519))} }
  - id: ${ids.ecdh}
    keySpec: ECC_NIST_P256
    keyUsage: KEY_AGREEMENT
    material: { pem: ${JSON.stringify(pem(material.ecdh, "pkcs8"))} }
  - id: ${ids.mlDsa44}
    keySpec: ML_DSA_44
    keyUsage: SIGN_VERIFY
    material: { hex: ${hex(material.mlDsaSeed)} }
  - id: ${ids.mlDsa65}
    keySpec: ML_DSA_65
    keyUsage: SIGN_VERIFY
  - { id: ${ids.hmac224}, keySpec: HMAC_224, keyUsage: GENERATE_VERIFY_MAC, material: { hex: ${hex(material.hmac224)} } }
  - { id: ${ids.hmac256}, keySpec: HMAC_256, keyUsage: GENERATE_VERIFY_MAC, material: { hex: ${hex(material.hmac256)} } }
  - { id: ${ids.hmac384}, keySpec: HMAC_384, keyUsage: GENERATE_VERIFY_MAC, material: { base64: ${material.hmac384.toString("base64")} } }
  - { id: ${ids.hmac512}, keySpec: HMAC_512, keyUsage: GENERATE_VERIFY_MAC, material: { hex: ${hex(material.hmac512)} } }
  - id: ${ids.external}
    origin: EXTERNAL
    material: { hex: ${hex(material.externalAes)} }
  - id: ${ids.pendingImport}
    origin: EXTERNAL
  - id: ${ids.disabled}
    enabled: false
  - id: ${ids.multiRegion}
    description: everywhere
    material: { hex: ${hex(material.multiRegionAes)} }
    replicas:
      - { region: eu-west-1, description: the replica, tags: { copy: "yes" } }
aliases:
  - { name: alias/orders, target: ${ids.symmetric} }
  - { name: alias/web3-signer, target: ${ids.secp256k1} }
grants:
  - id: ${grantId}
    key: ${ids.symmetric}
    name: app-grant
    grantee: arn:aws:iam::${account}:role/app
    retiringPrincipal: arn:aws:iam::${account}:role/ops
    operations: [Encrypt, Decrypt]
  - id: ${constrainedGrantId}
    key: ${ids.symmetric}
    grantee: arn:aws:iam::${account}:role/tenant
    operations: [Decrypt]
    constraints: { encryptionContextSubset: { tenant: "7" } }
accounts:
  "${account}":
    cn-north-1:
      keys:
        - id: ${ids.sm2}
          keySpec: SM2
          keyUsage: SIGN_VERIFY
          material: { pem: ${JSON.stringify(pem(material.sm2, "pkcs8"))} }
      aliases:
        - { name: alias/sm2, target: ${ids.sm2} }
`;

/**
 * The symmetric ciphertext blob as src/platform/crypto/ciphertext-blob.ts documents it:
 * version 1 ‖ u16 ARN length ‖ ARN ‖ u8 material id length ‖ material id ‖ 12-byte IV ‖
 * AES-256-GCM ciphertext ‖ 16-byte tag; AAD = header ‖ canonical context (u32 count = 0 here).
 */
function blobHeader(keyArn: string, materialId: string): Buffer {
  const arn = Buffer.from(keyArn);
  const id = Buffer.from(materialId);
  const lengths = Buffer.alloc(2);
  lengths.writeUInt16BE(arn.length);
  return Buffer.concat([Buffer.of(1), lengths, arn, Buffer.of(id.length), id]);
}
const emptyContext = Buffer.alloc(4);

function openBlob(
  blob: Uint8Array,
  key: Uint8Array,
): { keyArn: string; materialId: string; plaintext: Buffer } {
  const bytes = Buffer.from(blob);
  const arnLength = bytes.readUInt16BE(1);
  const keyArn = bytes.subarray(3, 3 + arnLength).toString();
  const idLength = bytes[3 + arnLength] ?? 0;
  const headerLength = 4 + arnLength + idLength;
  const materialId = bytes.subarray(4 + arnLength, headerLength).toString();
  const decipher = createDecipheriv(
    "aes-256-gcm",
    key,
    bytes.subarray(headerLength, headerLength + 12),
  );
  decipher.setAAD(Buffer.concat([bytes.subarray(0, headerLength), emptyContext]));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  const plaintext = Buffer.concat([
    decipher.update(bytes.subarray(headerLength + 12, bytes.length - 16)),
    decipher.final(),
  ]);
  return { keyArn, materialId, plaintext };
}

function sealBlob(
  keyArn: string,
  materialId: string,
  key: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const header = blobHeader(keyArn, materialId);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.concat([header, emptyContext]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
}

const arnOf = (keyId: string, region = "us-east-1") =>
  `arn:${region.startsWith("cn-") ? "aws-cn" : "aws"}:kms:${region}:${account}:key/${keyId}`;

describe("a Trent seed file applied at start", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-seed-"));
  const seedFile = join(dir, "seed.yaml");
  const auditFile = join(dir, "audit.jsonl");
  let trent: TestTrent;
  let kms: KMSClient;
  const startLog: string[] = [];

  before(async () => {
    writeFileSync(seedFile, seedYaml);
    trent = await startTestTrent({ seedFile, auditFile }, { log: (line) => startLog.push(line) });
    kms = trent.client();
  });
  after(async () => {
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates every key with its fixed id before Trent listens, and says so", async () => {
    assert.match(
      startLog.join("\n"),
      /seed .*seed\.yaml \(Trent format\): created 22 keys, 3 aliases, 2 grants; 0 already there/,
    );
    const { Keys } = await kms.send(new ListKeysCommand({ Limit: 100 }));
    const usEast = Object.entries(ids)
      .filter(([name]) => name !== "sm2")
      .map(([, id]) => id);
    assert.deepEqual(Keys?.map((k) => k.KeyId).sort(), [...usEast].sort());
    const described = async (keyId: string, client = kms) =>
      (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    assert.deepEqual(
      [
        ...(await Promise.all(
          [ids.rsa4096, ids.mlDsa65, ids.ecdh, ids.external, ids.pendingImport, ids.disabled].map(
            async (id) => {
              const m = await described(id);
              return [m?.KeySpec, m?.KeyUsage, m?.Origin, m?.KeyState];
            },
          ),
        )),
      ],
      [
        ["RSA_4096", "SIGN_VERIFY", "AWS_KMS", "Enabled"],
        ["ML_DSA_65", "SIGN_VERIFY", "AWS_KMS", "Enabled"],
        ["ECC_NIST_P256", "KEY_AGREEMENT", "AWS_KMS", "Enabled"],
        ["SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "EXTERNAL", "Enabled"],
        ["SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "EXTERNAL", "PendingImport"],
        ["SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", "Disabled"],
      ],
    );
    const orders = await described(ids.symmetric);
    assert.equal(orders?.Description, "orders");
    assert.equal(orders?.Arn, arnOf(ids.symmetric));
    const disabled = await failure(
      kms.send(new EncryptCommand({ KeyId: ids.disabled, Plaintext: message })),
    );
    assert.deepEqual(disabled, {
      name: "DisabledException",
      message: `${arnOf(ids.disabled)} is disabled.`,
      status: 400,
    });
  });

  it("encrypts under the given AES material, and opens blobs of its older material", async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: "alias/orders", Plaintext: message }),
    );
    // Opened here with the material the seed gave, from the blob's documented layout.
    const opened = openBlob(CiphertextBlob!, material.aes);
    assert.equal(opened.keyArn, arnOf(ids.symmetric));
    assert.deepEqual(new Uint8Array(opened.plaintext), message);

    const rotations = await kms.send(
      new ListKeyRotationsCommand({ KeyId: ids.symmetric, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }),
    );
    const [first, second] = rotations.Rotations ?? [];
    assert.equal(second?.KeyMaterialId, opened.materialId);
    assert.deepEqual(
      [first?.KeyMaterialState, second?.KeyMaterialState, second?.RotationType],
      ["NON_CURRENT", "CURRENT", "AUTOMATIC"],
    );
    // A ciphertext made here under the older material, as a blob of before the rotation.
    const older = sealBlob(arnOf(ids.symmetric), first!.KeyMaterialId!, material.oldAes, message);
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: older }));
    assert.deepEqual(decrypted.Plaintext, message);
    assert.equal(decrypted.KeyMaterialId, first?.KeyMaterialId);

    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: ids.symmetric }));
    assert.deepEqual([rotation.KeyRotationEnabled, rotation.RotationPeriodInDays], [true, 180]);
    const external = await kms.send(
      new EncryptCommand({ KeyId: ids.external, Plaintext: message }),
    );
    assert.deepEqual(
      new Uint8Array(openBlob(external.CiphertextBlob!, material.externalAes).plaintext),
      message,
    );
  });

  it("answers GetPublicKey with the SPKI of each given private key, and signs with it", async () => {
    const signers = [
      { id: ids.rsa2048, key: material.rsa2048, algorithm: "RSASSA_PSS_SHA_256", hash: "sha256" },
      { id: ids.p256, key: material.p256, algorithm: "ECDSA_SHA_256", hash: "sha256" },
      { id: ids.p384, key: material.p384, algorithm: "ECDSA_SHA_384", hash: "sha384" },
      { id: ids.p521, key: material.p521, algorithm: "ECDSA_SHA_512", hash: "sha512" },
      { id: ids.secp256k1, key: material.secp256k1, algorithm: "ECDSA_SHA_256", hash: "sha256" },
      { id: ids.ed25519, key: material.ed25519, algorithm: "ED25519_SHA_512", hash: null },
    ] as const;
    for (const signer of signers) {
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: signer.id }));
      assert.deepEqual(PublicKey, spki(signer.key), `public key of ${signer.id}`);
      const { Signature } = await kms.send(
        new SignCommand({ KeyId: signer.id, Message: message, SigningAlgorithm: signer.algorithm }),
      );
      const publicKey = createPublicKey(signer.key);
      const options =
        signer.algorithm === "RSASSA_PSS_SHA_256"
          ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : publicKey;
      assert.ok(
        nodeVerify(signer.hash, message, options, Signature!),
        `signature of ${signer.id} verifies with the key made here`,
      );
    }
    for (const id of [ids.rsa3072, ids.ecdh]) {
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: id }));
      assert.deepEqual(PublicKey, spki(id === ids.ecdh ? material.ecdh : material.rsa3072));
    }
    // RSA-OAEP to the seeded public key, made here, decrypted by Trent.
    const wrapped = publicEncrypt(
      {
        key: createPublicKey(material.rsa3072),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
      },
      message,
    );
    const opened = await kms.send(
      new DecryptCommand({
        KeyId: ids.rsa3072,
        CiphertextBlob: wrapped,
        EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    assert.deepEqual(opened.Plaintext, message);

    // ML-DSA from its seed: the key pair FIPS 204 derives from it.
    const mlDsa = ml_dsa44.keygen(material.mlDsaSeed);
    const mlPublic = (await kms.send(new GetPublicKeyCommand({ KeyId: ids.mlDsa44 }))).PublicKey!;
    assert.deepEqual(mlPublic.subarray(-mlDsa.publicKey.length), mlDsa.publicKey);
    const mlSigned = await kms.send(
      new SignCommand({
        KeyId: ids.mlDsa44,
        Message: message,
        SigningAlgorithm: "ML_DSA_SHAKE_256",
      }),
    );
    assert.ok(ml_dsa44.verify(mlSigned.Signature!, message, mlDsa.publicKey));

    // SM2 in a China Region (accounts: section of the seed).
    const china = trent.client("cn-north-1");
    const sm2 = await china.send(new GetPublicKeyCommand({ KeyId: "alias/sm2" }));
    assert.equal(sm2.KeyId, arnOf(ids.sm2, "cn-north-1"));
    assert.deepEqual(sm2.PublicKey, spki(material.sm2));
    const sm2Signed = await china.send(
      new SignCommand({ KeyId: ids.sm2, Message: message, SigningAlgorithm: "SM2DSA" }),
    );
    const sm2Verified = await china.send(
      new VerifyCommand({
        KeyId: ids.sm2,
        Message: message,
        Signature: sm2Signed.Signature,
        SigningAlgorithm: "SM2DSA",
      }),
    );
    assert.equal(sm2Verified.SignatureValid, true);
  });

  it("computes HMACs equal to node:crypto's with the given material", async () => {
    for (const [id, key, algorithm, hash] of [
      [ids.hmac224, material.hmac224, "HMAC_SHA_224", "sha224"],
      [ids.hmac256, material.hmac256, "HMAC_SHA_256", "sha256"],
      [ids.hmac384, material.hmac384, "HMAC_SHA_384", "sha384"],
      [ids.hmac512, material.hmac512, "HMAC_SHA_512", "sha512"],
    ] as const) {
      const { Mac } = await kms.send(
        new GenerateMacCommand({ KeyId: id, Message: message, MacAlgorithm: algorithm }),
      );
      assert.deepEqual(
        Buffer.from(Mac!),
        createHmac(hash, key).update(message).digest(),
        algorithm,
      );
    }
  });

  it("resolves aliases, lists grants with their fixed ids, keeps tags and policy", async () => {
    const { Aliases } = await kms.send(new ListAliasesCommand({}));
    assert.deepEqual(
      Aliases?.filter((a) => a.TargetKeyId).map((a) => [a.AliasName, a.TargetKeyId]),
      [
        ["alias/orders", ids.symmetric],
        ["alias/web3-signer", ids.secp256k1],
      ],
    );
    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: ids.symmetric }));
    assert.deepEqual(
      Grants?.map((g) => [
        g.GrantId,
        g.Name,
        g.GranteePrincipal,
        g.Operations,
        g.Constraints,
      ]).sort(),
      [
        [
          grantId,
          "app-grant",
          `arn:aws:iam::${account}:role/app`,
          ["Encrypt", "Decrypt"],
          undefined,
        ],
        [
          constrainedGrantId,
          "",
          `arn:aws:iam::${account}:role/tenant`,
          ["Decrypt"],
          { EncryptionContextSubset: { tenant: "7" } },
        ],
      ].sort(),
    );
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: ids.symmetric }));
    assert.deepEqual(tags.Tags, [{ TagKey: "team", TagValue: "payments" }]);
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: ids.symmetric }));
    assert.equal(Policy, policy);
  });

  it("gives a multi-Region key its replica, which opens the primary's ciphertexts", async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: ids.multiRegion, Plaintext: message }),
    );
    const replica = trent.client("eu-west-1");
    const opened = await replica.send(
      new DecryptCommand({ KeyId: ids.multiRegion, CiphertextBlob }),
    );
    assert.deepEqual(opened.Plaintext, message);
    const described = await replica.send(new DescribeKeyCommand({ KeyId: ids.multiRegion }));
    assert.deepEqual(
      [
        described.KeyMetadata?.Description,
        described.KeyMetadata?.MultiRegionConfiguration?.MultiRegionKeyType,
      ],
      ["the replica", "REPLICA"],
    );
    assert.deepEqual(
      new Uint8Array(openBlob(CiphertextBlob!, material.multiRegionAes).plaintext),
      message,
    );
  });

  it("left one audit record per seeded key, alias and grant", () => {
    const records = readFileSync(auditFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AuditRecord)
      .filter((r) => r.eventType === "AwsServiceEvent");
    const count = (name: string) => records.filter((r) => r.eventName === name).length;
    assert.deepEqual([count("CreateKey"), count("CreateAlias"), count("CreateGrant")], [22, 3, 2]);
    const grant = records.find(
      (r) =>
        r.eventName === "CreateGrant" &&
        "serviceEventDetails" in r &&
        r.serviceEventDetails?.grantId === grantId,
    );
    assert.ok(grant && "serviceEventDetails" in grant);
    assert.equal(grant.userIdentity.invokedBy, "Trent seed");
    assert.equal(grant.serviceEventDetails?.seedSource, seedFile);
    // No key material in any record.
    const text = readFileSync(auditFile, "utf8");
    for (const secret of [material.aes, material.oldAes, material.hmac256])
      for (const form of [hex(secret), secret.toString("base64")]) assert.ok(!text.includes(form));
  });

  it("changes nothing when applied again, and hands out grant tokens that Trent honours", async () => {
    const before = readFileSync(auditFile, "utf8");
    const report = await applySeed(trent, seedFile);
    assert.deepEqual(
      [report.createdKeys, report.createdAliases, report.createdGrants, report.skipped.length],
      [[], [], [], 27],
    );
    assert.equal(readFileSync(auditFile, "utf8"), before);
    const token = report.grants.find((g) => g.grantId === grantId)?.token;
    assert.ok(token);
    const used = await kms.send(
      new EncryptCommand({ KeyId: ids.symmetric, Plaintext: message, GrantTokens: [token] }),
    );
    assert.ok(used.CiphertextBlob);
  });

  it("opens the same ciphertexts after a restart with the same seed on a fresh store", async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: ids.symmetric,
        Plaintext: message,
        EncryptionContext: { a: "b" },
      }),
    );
    const signed = await kms.send(
      new SignCommand({
        KeyId: ids.secp256k1,
        Message: message,
        SigningAlgorithm: "ECDSA_SHA_256",
      }),
    );
    const fresh = await startTestTrent({ seedFile });
    try {
      const again = fresh.client();
      const opened = await again.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: "b" } }),
      );
      assert.deepEqual(opened.Plaintext, message);
      const verified = await again.send(
        new VerifyCommand({
          KeyId: "alias/web3-signer",
          Message: message,
          Signature: signed.Signature,
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      assert.equal(verified.SignatureValid, true);
    } finally {
      await fresh.close();
    }
  });

  it("comes back to the seeded state after a test-suite reset", async () => {
    const made = await kms.send(new CreateKeyCommand({}));
    const reset = await fetch(`${trent.url}/_trent/reset`, { method: "POST" });
    assert.equal(reset.status, 200);
    const missing = await failure(
      kms.send(new DescribeKeyCommand({ KeyId: made.KeyMetadata!.KeyId! })),
    );
    assert.equal(missing.name, "NotFoundException");
    const seeded = await kms.send(new DescribeKeyCommand({ KeyId: "alias/orders" }));
    assert.equal(seeded.KeyMetadata?.KeyId, ids.symmetric);
  });
});

describe("seeds given by an embedder", () => {
  it("applies documents given as objects at start and after a reset", async () => {
    const lines: string[] = [];
    const trent = await startTestTrent(
      {},
      {
        log: (line) => lines.push(line),
        seeds: [
          {
            keys: [
              {
                id: ids.hmac256,
                keySpec: "HMAC_256",
                keyUsage: "GENERATE_VERIFY_MAC",
                material: { hex: hex(material.hmac256) },
              },
            ],
            aliases: [{ name: "alias/mac", target: ids.hmac256 }],
          },
          { yaml: `keys:\n  - { id: ${ids.disabled}, enabled: false }\n`, name: "inline.yaml" },
        ],
      },
    );
    try {
      assert.deepEqual(
        lines.filter((line) => line.startsWith("seed ")),
        [
          "seed seed (Trent format): created 1 key, 1 alias, 0 grants; 0 already there",
          "seed inline.yaml (Trent format): created 1 key, 0 aliases, 0 grants; 0 already there",
        ],
      );
      await fetch(`${trent.url}/_trent/reset`, { method: "POST" });
      const kms = trent.client();
      const { Mac } = await kms.send(
        new GenerateMacCommand({
          KeyId: "alias/mac",
          Message: message,
          MacAlgorithm: "HMAC_SHA_256",
        }),
      );
      assert.deepEqual(
        Buffer.from(Mac!),
        createHmac("sha256", material.hmac256).update(message).digest(),
      );
      const described = await kms.send(new DescribeKeyCommand({ KeyId: ids.disabled }));
      assert.equal(described.KeyMetadata?.KeyState, "Disabled");
    } finally {
      await trent.close();
    }
  });
});

describe("a bad seed file at start", () => {
  it("refuses the start, naming every problem by file:line:col", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-seed-bad-"));
    try {
      const file = join(dir, "bad.yaml");
      writeFileSync(
        file,
        `keys:\n  - id: ${ids.symmetric}\n    keySpec: RSA_2048\n  - id: ${ids.p256}\n    material: { hex: "00" }\n`,
      );
      await assert.rejects(startTestTrent({ seedFile: file }), (error: unknown) => {
        assert.ok(error instanceof SeedError);
        assert.deepEqual(error.problems, [
          `${file}:2:5: keys[0].keyUsage: You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.`,
          `${file}:5:22: keys[1].material.hex: The key material is not valid for a KMS key with KeySpec SYMMETRIC_DEFAULT.`,
        ]);
        assert.match(error.message, /^the seed was not applied \(nothing changed\): 2 problems\n/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
