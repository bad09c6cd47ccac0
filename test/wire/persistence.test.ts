/**
 * Durability and key material at rest: state survives a restart on the same data directory,
 * and the database file never holds key material in plaintext.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import SQLite from "better-sqlite3";
import { RawRootKey } from "../../src/platform/crypto/root-key.js";
import { keyMaterialAad } from "../../src/platform/crypto/sealing.js";
import { startTestTrent } from "../support/trent.js";

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-persist-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const policy = JSON.stringify({
  Version: "2012-10-17",
  Id: "persisted",
  Statement: [
    {
      Sid: "Root",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

describe("persistence", () => {
  it("keeps keys, aliases, tags and policies across a restart", async () => {
    const dataDir = tempDataDir();
    const first = await startTestTrent({ dataDir });
    const kms = first.client();
    const created = await kms.send(
      new CreateKeyCommand({
        Description: "survivor",
        Tags: [{ TagKey: "team", TagValue: "blue" }],
      }),
    );
    const keyId = created.KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: "alias/survivor", TargetKeyId: keyId }));
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy }),
    );
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: "alias/survivor", Plaintext: Buffer.from("still here") }),
    );
    await first.close();

    const second = await startTestTrent({ dataDir });
    try {
      const again = second.client();
      const described = await again.send(new DescribeKeyCommand({ KeyId: "alias/survivor" }));
      assert.equal(described.KeyMetadata?.KeyId, keyId);
      assert.equal(described.KeyMetadata?.Description, "survivor");
      assert.equal(
        described.KeyMetadata?.CreationDate?.getTime(),
        created.KeyMetadata?.CreationDate?.getTime(),
      );
      const tags = await again.send(new ListResourceTagsCommand({ KeyId: keyId }));
      assert.deepEqual(tags.Tags, [{ TagKey: "team", TagValue: "blue" }]);
      const aliases = await again.send(new ListAliasesCommand({ KeyId: keyId }));
      assert.deepEqual(
        aliases.Aliases?.map((a) => a.AliasName),
        ["alias/survivor"],
      );
      const stored = await again.send(
        new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }),
      );
      assert.deepEqual(JSON.parse(stored.Policy!), JSON.parse(policy));
      const decrypted = await again.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
      );
      assert.equal(Buffer.from(decrypted.Plaintext!).toString(), "still here");
    } finally {
      await second.close();
    }
  });

  it("never writes key material or returned secrets in plaintext to the data directory", async () => {
    const dataDir = tempDataDir();
    const trent = await startTestTrent({ dataDir });
    const kms = trent.client();
    const secrets: Buffer[] = [];
    const keyIds: string[] = [];
    for (const KeySpec of ["SYMMETRIC_DEFAULT", "RSA_2048", "ECC_NIST_P256", "HMAC_256"] as const) {
      const KeyUsage =
        KeySpec === "HMAC_256"
          ? "GENERATE_VERIFY_MAC"
          : KeySpec === "ECC_NIST_P256"
            ? "SIGN_VERIFY"
            : "ENCRYPT_DECRYPT";
      const key = await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }));
      keyIds.push(key.KeyMetadata!.KeyId!);
    }
    const symmetric = keyIds[0]!;
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId: symmetric, KeyPairSpec: "ECC_NIST_P256" }),
    );
    secrets.push(Buffer.from(pair.PrivateKeyPlaintext!));
    const plaintext = Buffer.from("a secret that must not reach the disk");
    secrets.push(plaintext);
    await kms.send(new EncryptCommand({ KeyId: symmetric, Plaintext: plaintext }));
    await trent.close();

    // The private parts of every key's material, read back through the running code path, must
    // not appear in any file of the data directory: check by decrypting with the root key.
    const files = readdirSync(dataDir).map((f) => join(dataDir, f));
    const contents = Buffer.concat(
      files.filter((f) => statSync(f).isFile()).map((f) => readFileSync(f)),
    );
    for (const secret of secrets) {
      for (const form of [
        secret,
        Buffer.from(secret.toString("base64")),
        Buffer.from(secret.toString("hex")),
      ]) {
        assert.equal(
          contents.indexOf(form),
          -1,
          "a returned secret was found in the data directory",
        );
      }
    }
    // And no PEM/DER private key structures: PKCS#8 DER starts with SEQUENCE, INTEGER 0, and the
    // rsaEncryption / id-ecPublicKey algorithm identifiers.
    const rsaPkcs8 = Buffer.from("020100300d06092a864886f70d0101010500", "hex");
    const ecPkcs8 = Buffer.from("020100301306072a8648ce3d0201", "hex");
    assert.equal(contents.indexOf(rsaPkcs8), -1, "an RSA PKCS#8 structure is stored in plaintext");
    assert.equal(contents.indexOf(ecPkcs8), -1, "an EC PKCS#8 structure is stored in plaintext");
    assert.equal(contents.indexOf(Buffer.from("PRIVATE KEY")), -1);

    // Open every sealed row with the root key: the material itself must not be on disk either.
    const rootKey = new RawRootKey(
      Buffer.from(readFileSync(join(dataDir, "root.key"), "utf8").trim(), "base64"),
      "root.key",
    );
    const db = new SQLite(join(dataDir, "trent.sqlite"), { readonly: true });
    const rows = db.prepare("select key_arn, material_id, sealed from key_materials").all() as {
      key_arn: string;
      material_id: string;
      sealed: Buffer;
    }[];
    db.close();
    assert.equal(rows.length, keyIds.length);
    for (const row of rows) {
      const material = Buffer.from(
        rootKey.open(row.sealed, keyMaterialAad(row.key_arn, row.material_id)),
      );
      assert.ok(material.length >= 28);
      assert.equal(
        contents.indexOf(material),
        -1,
        `material of ${row.key_arn} is stored in plaintext`,
      );
    }
    assert.equal(statSync(join(dataDir, "root.key")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, "trent.sqlite")).mode & 0o777, 0o600);
  });
});
