/**
 * Seed files read and checked: Trent's format and local-kms's, every problem named by
 * file:line:col and its path in the document, all problems of a seed reported at once, and a
 * seed with any problem changing nothing. Shape problems come from the reader (readSeed); KMS's
 * rules (key specs and usages, SM2 only in China, material that fits its spec, alias names,
 * grant operations) from applying the seed to a store opened in memory (openTrent).
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type OpenedTrent, openTrent, startTrent } from "../../src/app.js";
import { SeedError } from "../../src/domain/seed-plan.js";
import { applySeed, readSeed } from "../../src/front-doors/seed/apply-seed.js";
import { configFromEnv, withDefaults } from "../../src/vocabulary/config.js";

const defaults = { accountId: "111122223333", region: "us-east-1" };
const keyId = "11111111-2222-3333-4444-555555555555";
const otherKeyId = "22222222-2222-3333-4444-555555555555";
const aes = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SeedError, String(error));
    return error.problems;
  }
  assert.fail("the seed was accepted");
}

async function asyncProblemsOf(run: () => Promise<unknown>): Promise<readonly string[]> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof SeedError, String(error));
    return error.problems;
  }
  assert.fail("the seed was accepted");
}

const read = (yaml: string) => readSeed({ yaml, name: "seed.yaml" }, defaults);
const refused = (yaml: string) => problemsOf(() => read(yaml));

function pem(type: "rsa" | "ec" | "ed25519", format: "pkcs8" | "sec1" | "pkcs1", curve?: string) {
  const { privateKey } =
    type === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : type === "ec"
        ? generateKeyPairSync("ec", { namedCurve: curve ?? "prime256v1" })
        : generateKeyPairSync("ed25519");
  return privateKey.export({ type: format, format: "pem" }) as string;
}

/** A PEM as a YAML block scalar indented by `indent` spaces. */
function block(text: string, indent: number): string {
  return `|\n${text
    .trim()
    .split("\n")
    .map((line) => `${" ".repeat(indent)}${line}`)
    .join("\n")}`;
}

describe("Trent's seed format", () => {
  it("reads keys, aliases and grants in the default and in named accounts and Regions", () => {
    const plan = read(`version: 1
keys:
  - id: ${keyId}
    description: orders
    material:
      - hex: "${aes}"
      - base64: ${Buffer.from(aes, "hex").reverse().toString("base64")}
        id: ${"ab".repeat(32)}
    tags: { team: payments, cost: 42 }
    rotation: { enabled: true, periodDays: 180 }
    policy:
      Version: "2012-10-17"
      Statement: [{ Effect: Allow, Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }]
aliases:
  - { name: alias/orders, target: ${keyId} }
grants:
  - id: ${"1".repeat(64)}
    key: ${keyId}
    grantee: arn:aws:iam::111122223333:role/app
    operations: [Encrypt, Decrypt]
    constraints: { encryptionContextSubset: { tenant: "7" } }
accounts:
  012345678901:
    eu-west-1:
      keys:
        - id: mrk-0123456789abcdef0123456789abcdef
          keySpec: HMAC_256
          keyUsage: GENERATE_VERIFY_MAC
          material: { hex: 1234567812345678123456781234567812345678123456781234567812345678 }
          replicas: [{ region: eu-central-1, enabled: false }]
`);
    assert.equal(plan.format, "trent");
    assert.deepEqual(
      plan.keys.map((k) => [k.accountId, k.region, k.keyId, k.keySpec, k.multiRegion]),
      [
        ["111122223333", "us-east-1", keyId, undefined, false],
        // Written without quotes, the account keeps its leading zero.
        ["012345678901", "eu-west-1", "mrk-0123456789abcdef0123456789abcdef", "HMAC_256", true],
      ],
    );
    const [orders, hmac] = plan.keys;
    assert.deepEqual(orders?.tags, [
      { TagKey: "team", TagValue: "payments" },
      { TagKey: "cost", TagValue: "42" },
    ]);
    assert.deepEqual(orders?.rotation, {
      enabled: true,
      periodInDays: 180,
      nextRotation: undefined,
    });
    assert.equal(JSON.parse(orders?.policy ?? "{}").Statement[0].Action, "kms:*");
    assert.equal(orders?.material.kind, "given");
    if (orders?.material.kind !== "given" || hmac?.material.kind !== "given") return;
    assert.deepEqual(
      orders.material.materials.map((m) => [Buffer.from(m.bytes).toString("hex"), m.id]),
      [
        [aes, undefined],
        [Buffer.from(aes, "hex").reverse().toString("hex"), "ab".repeat(32)],
      ],
    );
    // An all-digit hex string written without quotes is read as written, not as a number.
    assert.equal(
      Buffer.from(hmac.material.materials[0]!.bytes).toString("hex"),
      "1234567812345678123456781234567812345678123456781234567812345678",
    );
    assert.deepEqual(
      hmac.replicas.map((r) => [r.region, r.enabled]),
      [["eu-central-1", false]],
    );
    assert.deepEqual(
      plan.aliases.map((a) => [a.aliasName, a.targetKeyId, a.place.position]),
      [["alias/orders", keyId, "seed.yaml:15:5"]],
    );
    assert.deepEqual(plan.grants[0]?.constraints, {
      EncryptionContextEquals: undefined,
      EncryptionContextSubset: { tenant: "7" },
    });
  });

  it("turns PEM (PKCS#8, SEC1, PKCS#1) and raw private keys into the key's private key", () => {
    const plan = read(`keys:
  - id: ${keyId}
    keySpec: RSA_2048
    keyUsage: SIGN_VERIFY
    material:
      pem: ${block(pem("rsa", "pkcs1"), 8)}
  - id: ${otherKeyId}
    keySpec: ECC_SECG_P256K1
    keyUsage: SIGN_VERIFY
    material: { hex: "0x${"11".repeat(32)}" }
`);
    for (const key of plan.keys) {
      assert.equal(key.material.kind, "given");
      if (key.material.kind !== "given") continue;
      // PKCS#8 DER: SEQUENCE, then version 0.
      assert.equal(
        Buffer.from(key.material.materials[0]!.bytes.subarray(0, 1)).toString("hex"),
        "30",
      );
    }
  });

  it("names file:line:col, the path and what is wrong, for every problem at once", () => {
    assert.deepEqual(
      refused(`keyz: []
keys:
  - description: no id
    keySpec: AES_256
    enabled: "yes"
    material:
      hex: zz
  - id: ${keyId}
    material: { pem: "-----BEGIN PUBLIC KEY-----" }
  - id: ${otherKeyId}
    keySpec: ECC_NIST_P256
    material: { hex: "00", base64: AA== }
  - id: ${otherKeyId}
    keySpec: ECC_NIST_P256
    material: { pem: "not a pem" }
    colour: blue
`),
      [
        "seed.yaml:1:1: keyz: unknown field 'keyz' (expected version, keys, aliases, grants, accounts)",
        "seed.yaml:3:5: keys[0]: is missing id",
        "seed.yaml:4:14: keys[0].keySpec: 'AES_256' is not one of RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519",
        "seed.yaml:7:12: keys[0].material.hex: must be hex digits, two per byte",
        "seed.yaml:5:14: keys[0].enabled: must be true or false",
        "seed.yaml:9:22: keys[1].material.pem: a SYMMETRIC_DEFAULT key's material is bytes: give hex or base64",
        "seed.yaml:12:15: keys[2].material: gives hex and base64: give exactly one",
        "seed.yaml:16:5: keys[3].colour: unknown field 'colour' (expected id, description, keySpec, keyUsage, origin, enabled, multiRegion, tags, policy, rotation, material, replicas)",
        "seed.yaml:15:22: keys[3].material.pem: is not PEM (no -----BEGIN ...----- line)",
      ],
    );
  });

  it("checks accounts, Regions, rotation dates and grants' shapes", () => {
    assert.deepEqual(
      refused(`accounts:
  "1234":
    us-east-1: {}
  "111122223333":
    moon-1: {}
    eu-west-1:
      keyz: []
      keys:
        - id: ${keyId}
          rotation: { nextRotation: tomorrow }
      grants:
        - id: ${"1".repeat(64)}
          operations: [Encrypt, Fly]
`),
      [
        "seed.yaml:2:3: accounts.1234: an account id is 12 digits, not '1234'",
        "seed.yaml:5:5: accounts.111122223333.moon-1: 'moon-1' is not a Region name",
        "seed.yaml:7:7: accounts.111122223333.eu-west-1.keyz: unknown field 'keyz' (expected keys, aliases, grants)",
        "seed.yaml:10:37: accounts.111122223333.eu-west-1.keys[0].rotation.nextRotation: must be an ISO 8601 date, such as 2026-01-31T00:00:00Z",
        "seed.yaml:12:11: accounts.111122223333.eu-west-1.grants[0]: is missing key",
        "seed.yaml:12:11: accounts.111122223333.eu-west-1.grants[0]: is missing grantee",
        "seed.yaml:13:33: accounts.111122223333.eu-west-1.grants[0].operations[1]: 'Fly' is not one of Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret",
      ],
    );
  });

  it("reports YAML syntax errors with their line and column", () => {
    assert.deepEqual(refused(`keys:\n  - id: x\n   bad`), [
      "seed.yaml:3:1: not valid YAML: Sequence item without - indicator",
    ]);
    assert.deepEqual(refused(`keys: []\nkeys: []\n`), [
      "seed.yaml:2:1: not valid YAML: Map keys must be unique",
    ]);
  });

  it("reads a seed given as an object, naming paths without positions", () => {
    const plan = readSeed({ keys: [{ id: keyId, material: { hex: aes } }] }, defaults);
    assert.equal(plan.keys[0]?.keyId, keyId);
    assert.deepEqual(
      problemsOf(() => readSeed({ keys: [{ id: keyId, keySpec: 7 }] }, defaults)),
      [
        "seed: keys[0].keySpec: '7' is not one of RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519",
      ],
    );
  });

  it("names a seed file that cannot be read", () => {
    assert.deepEqual(
      problemsOf(() => readSeed("/nonexistent/seed.yaml", defaults)).map((p) =>
        p.replace(/: ENOENT.*/, ""),
      ),
      ["/nonexistent/seed.yaml: cannot read the seed file"],
    );
  });
});

describe("local-kms's seed format", () => {
  it("reads AES keys with backing keys and rotation, HMAC, RSA and EC keys, and aliases", () => {
    const plan = read(`Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ${keyId}
          Description: with two backing keys
        NextKeyRotation: "2030-01-01T00:00:00Z"
        BackingKeys:
          - ${aes}
          - ${aes.toUpperCase()}
    Hmac:
      - Metadata:
          KeyId: 33333333-2222-3333-4444-555555555555
          KeySpec: HMAC_384
        BackingKeys: [${"ab".repeat(48)}]
  Asymmetric:
    Rsa:
      - Metadata:
          KeyId: 44444444-2222-3333-4444-555555555555
          KeyUsage: ENCRYPT_DECRYPT
        PrivateKeyPem: ${block(pem("rsa", "pkcs8"), 10)}
    Ecc:
      - Metadata:
          KeyId: 55555555-2222-3333-4444-555555555555
          KeyUsage: SIGN_VERIFY
        PrivateKeyPem: ${block(pem("ec", "sec1", "secp384r1"), 10)}
      - Metadata:
          KeyId: 66666666-2222-3333-4444-555555555555
          KeyUsage: SIGN_VERIFY
        PrivateKeyHex: ${"22".repeat(32)}
Aliases:
  - AliasName: alias/testing
    TargetKeyId: ${keyId}
`);
    assert.equal(plan.format, "local-kms");
    assert.deepEqual(
      plan.keys.map((k) => [k.keyId.slice(0, 8), k.keySpec, k.keyUsage, k.origin]),
      [
        ["11111111", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS"],
        ["33333333", "HMAC_384", "GENERATE_VERIFY_MAC", "AWS_KMS"],
        ["44444444", "RSA_2048", "ENCRYPT_DECRYPT", "AWS_KMS"],
        ["55555555", "ECC_NIST_P384", "SIGN_VERIFY", "AWS_KMS"],
        ["66666666", "ECC_SECG_P256K1", "SIGN_VERIFY", "AWS_KMS"],
      ],
    );
    assert.deepEqual(plan.keys[0]?.rotation, {
      enabled: true,
      periodInDays: 365,
      nextRotation: new Date("2030-01-01T00:00:00Z"),
    });
    const material = plan.keys[0]?.material;
    assert.equal(material?.kind === "given" && material.materials.length, 2);
    assert.deepEqual(
      plan.aliases.map((a) => [a.accountId, a.region, a.aliasName, a.targetKeyId]),
      [["111122223333", "us-east-1", "alias/testing", keyId]],
    );
    assert.deepEqual(plan.warnings, []);
  });

  it("warns about what local-kms ignores, and reads its legacy list of AES keys", () => {
    const plan = read(`Keys:
  - Metadata:
      KeyId: ${keyId}
      Enabled: false
      Arn: ignored
    BackingKeys: [${aes}]
`);
    assert.equal(plan.keys[0]?.enabled, true);
    assert.deepEqual(plan.warnings, [
      "seed.yaml:2:3: Keys: a list of AES keys under Keys is local-kms's legacy format; it still works",
      "seed.yaml:5:7: Keys[0].Metadata: unknown field 'Arn' (expected KeyId, Description, Enabled, KeyUsage, Origin, KeySpec); ignored",
      "seed.yaml:4:16: Keys[0].Metadata.Enabled: ignored, as local-kms ignores it: seeded keys are enabled (Trent's seed format has enabled: false)",
    ]);
  });

  it("refuses what local-kms refuses, with file:line:col", () => {
    assert.deepEqual(
      refused(`Aliases:
  - TargetKeyId: ${keyId}
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ${keyId}
        BackingKeys:
          - ${aes}
          - xyz
      - Metadata:
          KeyId: ${otherKeyId}
      - Metadata:
          KeyId: 77777777-2222-3333-4444-555555555555
          Origin: EXTERNAL
        BackingKeys: [${aes}, ${aes}]
    Hmac:
      - Metadata: { KeyId: ${keyId} }
        BackingKeys: [${aes}]
  Asymmetric:
    Ecc:
      - Metadata: { KeyId: ${keyId}, KeyUsage: SIGN_VERIFY }
        PrivateKeyPem: ${block(pem("ed25519", "pkcs8"), 10)}
    Rsa:
      - Metadata: { KeyId: ${keyId} }
        PrivateKeyPem: ${block(pem("rsa", "pkcs8"), 10)}
`),
      [
        "seed.yaml:10:13: Keys.Symmetric.Aes[0].BackingKeys[1]: must be hex digits, two per byte",
        "seed.yaml:11:9: Keys.Symmetric.Aes[1].BackingKeys: at least one backing key must be given for an AES key",
        "seed.yaml:16:22: Keys.Symmetric.Aes[2].BackingKeys: an EXTERNAL key has at most one backing key",
        "seed.yaml:18:19: Keys.Symmetric.Hmac[0].Metadata.KeySpec: an HMAC key needs KeySpec, one of HMAC_224, HMAC_256, HMAC_384, HMAC_512",
        "seed.yaml:28:19: Keys.Asymmetric.Rsa[0].Metadata: is missing KeyUsage, which local-kms requires for RSA keys (SIGN_VERIFY or ENCRYPT_DECRYPT)",
        "seed.yaml:23:24: Keys.Asymmetric.Ecc[0].PrivateKeyPem: must be an EC private key on P-256, P-384, P-521 or secp256k1 (Ed25519 and SM2 keys: use Trent's seed format)",
        "seed.yaml:2:5: Aliases[0]: is missing AliasName",
      ],
    );
  });
});

describe("seeds checked against KMS's rules", () => {
  let trent: OpenedTrent;
  const apply = (yaml: string) => applySeed(trent, { yaml, name: "seed.yaml" });
  const rejected = (yaml: string) => asyncProblemsOf(() => apply(yaml));

  before(async () => {
    trent = await openTrent(withDefaults({ dataDir: ":memory:", auditFile: "none" }), {
      log: () => {},
    });
  });
  after(() => trent.close());

  it("applies CreateKey's, import's, rotation's, alias and grant rules, and writes nothing", async () => {
    assert.deepEqual(
      await rejected(`keys:
  - id: ${keyId}
    keyUsage: SIGN_VERIFY
  - id: 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
  - id: ${otherKeyId}
    keySpec: SM2
    keyUsage: SIGN_VERIFY
  - id: 33333333-2222-3333-4444-555555555555
    keySpec: HMAC_256
    keyUsage: GENERATE_VERIFY_MAC
    material: { hex: "0011" }
    rotation: { enabled: true }
  - id: 44444444-2222-3333-4444-555555555555
    keySpec: ECC_NIST_P256
    keyUsage: SIGN_VERIFY
    material:
      pem: ${block(pem("ec", "pkcs8", "secp384r1"), 8)}
  - id: 55555555-2222-3333-4444-555555555555
    origin: EXTERNAL
    material: generate
  - id: 66666666-2222-3333-4444-555555555555
    description: fine
    tags: { "aws:reserved": x }
    rotation: { periodDays: 30 }
  - id: 77777777-2222-3333-4444-555555555555
    keySpec: ECC_NIST_P256
    keyUsage: SIGN_VERIFY
    rotation: { enabled: true }
  - id: mrk-0123456789abcdef0123456789abcdef
    replicas: [{ region: us-east-1 }, { region: cn-north-1 }]
aliases:
  - { name: alias/aws/s3, target: ${keyId} }
  - { name: alias/nowhere, target: 99999999-2222-3333-4444-555555555555 }
  - { name: "alias/with:colon", target: 66666666-2222-3333-4444-555555555555 }
grants:
  - id: "not-hex"
    key: 66666666-2222-3333-4444-555555555555
    grantee: arn:aws:iam::111122223333:role/app
    operations: [Encrypt]
  - id: ${"2".repeat(64)}
    key: 66666666-2222-3333-4444-555555555555
    grantee: arn:aws:iam::111122223333:role/app
    operations: [Sign]
`),
      [
        "seed.yaml:3:15: keys[0].keyUsage: The operation failed because the KeyUsage value of the CMK is SIGN_VERIFY. To perform this operation, the KeyUsage value must be ENCRYPT_DECRYPT.",
        "seed.yaml:4:9: keys[1].id: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' is not a key id: KMS key ids are lowercase UUIDs, or mrk- and 32 lowercase hex digits for multi-Region keys",
        // Outside China SM2 is not in the KeySpec enum (AWS's recorded us-east-1 lists).
        "seed.yaml:6:14: keys[2].keySpec: Value 'SM2' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ML_DSA_87, ML_DSA_65, ECC_NIST_P256, ML_DSA_44, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]",
        "seed.yaml:11:22: keys[3].material.hex: The key material is not valid for a KMS key with KeySpec HMAC_256.",
        "seed.yaml:12:15: keys[3].rotation: automatic rotation is not possible: only symmetric encryption keys rotate (KMS answers UnsupportedOperationException)",
        "seed.yaml:17:12: keys[4].material.pem: The key material is not valid for a KMS key with KeySpec ECC_NIST_P256.",
        "seed.yaml:26:15: keys[5].material: KMS does not generate key material for a key of origin EXTERNAL: give the material, or none (the key then waits for ImportKeyMaterial)",
        "seed.yaml:29:11: keys[6].tags: Tags beginning with aws: are reserved",
        "seed.yaml:30:15: keys[6].rotation: the rotation period must be between 90 and 2560 days, got 30",
        "seed.yaml:34:15: keys[7].rotation: automatic rotation is not possible: only symmetric encryption keys rotate (KMS answers UnsupportedOperationException)",
        "seed.yaml:36:26: keys[8].replicas[0].region: The replica Region us-east-1 must differ from the Region of the primary key arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef.",
        "seed.yaml:36:49: keys[8].replicas[1].region: The replica Region cn-north-1 is not in the partition aws of the primary key arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef.",
        "seed.yaml:38:13: aliases[0].name: alias names beginning with alias/aws/ are reserved for AWS managed keys",
        "seed.yaml:39:36: aliases[1].target: no key arn:aws:kms:us-east-1:111122223333:key/99999999-2222-3333-4444-555555555555 in the seed or the store",
        "seed.yaml:40:13: aliases[2].name: alias/with:colon contains invalid characters for an alias",
        "seed.yaml:42:9: grants[0].id: Invalid grantId not-hex",
        "seed.yaml:49:17: grants[1].operations: Grant operations [Sign] are not supported for KMS key arn:aws:kms:us-east-1:111122223333:key/66666666-2222-3333-4444-555555555555 (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).",
      ],
    );
    assert.deepEqual(await trent.services.store.keys.listAll({ limit: 10 }), []);
  });

  it("refuses a seed whose good items come with one bad one, keeping the store as it was", async () => {
    const problems = await rejected(`keys:
  - id: ${keyId}
    material: { hex: "${aes}" }
aliases:
  - { name: alias/good, target: ${keyId} }
  - { name: alias/good, target: ${keyId} }
`);
    assert.deepEqual(problems, [
      "seed.yaml:6:13: aliases[1].name: alias arn:aws:kms:us-east-1:111122223333:alias/good is declared twice in the seed (first at seed.yaml:5:5)",
    ]);
    assert.equal(
      await trent.services.store.keys.get(`arn:aws:kms:us-east-1:111122223333:key/${keyId}`),
      undefined,
    );
    assert.deepEqual(
      await trent.services.store.aliases.list("111122223333", "us-east-1", { limit: 5 }),
      [],
    );
  });

  it("leaves what exists as it is, and says so", async () => {
    const seed = `keys:
  - id: ${keyId}
    material: { hex: "${aes}" }
aliases:
  - { name: alias/kept, target: ${keyId} }
grants:
  - id: ${"3".repeat(64)}
    key: ${keyId}
    grantee: arn:aws:iam::111122223333:role/app
    operations: [Decrypt]
`;
    const first = await apply(seed);
    assert.deepEqual(
      [
        first.createdKeys.length,
        first.createdAliases.length,
        first.createdGrants.length,
        first.skipped,
      ],
      [1, 1, 1, []],
    );
    const again = await apply(seed);
    assert.deepEqual([again.createdKeys, again.createdAliases, again.createdGrants], [[], [], []]);
    assert.deepEqual(again.skipped, [
      `key arn:aws:kms:us-east-1:111122223333:key/${keyId} exists: left as it is`,
      `alias arn:aws:kms:us-east-1:111122223333:alias/kept exists (target ${keyId}): left as it is`,
      `grant ${"3".repeat(64)} of arn:aws:kms:us-east-1:111122223333:key/${keyId} exists: left as it is`,
    ]);
    // Every grant the seed names gets a token minted by this Trent, created or found.
    assert.equal(again.grants.length, 1);
    assert.match(again.grants[0]!.token, /^[A-Za-z0-9_-]+$/);
  });
});

describe("seed configuration", () => {
  it("reads TRENT_SEED_FILE and KMS_SEED_PATH, whose default is local-kms's /init/seed.yaml", () => {
    const unset = configFromEnv({});
    assert.deepEqual(
      [unset.seedFile, unset.localKmsSeedFile, unset.localKmsSeedFileIsDefault],
      [undefined, "/init/seed.yaml", true],
    );
    const set = configFromEnv({
      TRENT_SEED_FILE: "/etc/trent/seed.yaml",
      KMS_SEED_PATH: "/seeds/kms.yaml",
    });
    assert.deepEqual(
      [set.seedFile, set.localKmsSeedFile, set.localKmsSeedFileIsDefault],
      ["/etc/trent/seed.yaml", "/seeds/kms.yaml", false],
    );
    // Embedders and tests start from defaultConfig: no seed unless they ask for one.
    assert.equal(withDefaults({}).localKmsSeedFile, undefined);
  });

  it("skips the default /init/seed.yaml silently when it is missing, and says so when it was named", async () => {
    const missing = "/nonexistent/init/seed.yaml";
    for (const [isDefault, expected] of [
      [true, []],
      [false, [`KMS_SEED_PATH names ${missing}, which does not exist: no local-kms seed applied`]],
    ] as const) {
      const lines: string[] = [];
      const trent = await startTrent(
        withDefaults({
          port: 0,
          dataDir: ":memory:",
          localKmsSeedFile: missing,
          localKmsSeedFileIsDefault: isDefault,
        }),
        { log: (line) => lines.push(line) },
      );
      try {
        assert.deepEqual(
          lines.filter((line) => line.includes("seed")),
          [...expected],
        );
        assert.deepEqual(await trent.services.store.keys.listAll({ limit: 5 }), []);
      } finally {
        await trent.close();
      }
    }
  });
});

describe("the example of docs/seeding.md", () => {
  it("applies as documented", async () => {
    const doc = readFileSync(new URL("../../docs/seeding.md", import.meta.url), "utf8");
    const example = /```yaml\n(# seed\.yaml\n[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, "docs/seeding.md has its example");
    const trent = await openTrent(withDefaults({ dataDir: ":memory:", auditFile: "none" }), {
      log: () => {},
    });
    try {
      const report = await applySeed(trent, { yaml: example, name: "docs/seeding.md" });
      assert.deepEqual(
        [report.createdKeys.length, report.createdAliases.length, report.createdGrants.length],
        [13, 3, 1],
      );
      assert.deepEqual(report.warnings, []);
    } finally {
      await trent.close();
    }
  });
});
