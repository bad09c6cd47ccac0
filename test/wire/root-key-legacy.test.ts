/**
 * Upgrading a store written before root key versions: Trent adopts it at start-up (its key
 * becomes version 1), old ciphertexts and data key pairs still decrypt, and grant tokens issued
 * back then (MACed under the key Trent derived from the raw root key) still verify. The old
 * store is made by running Trent and taking its files back to the earlier schema: migration
 * 0006 undone, every sealed row without a version, no registry, no stored secrets.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
} from "@aws-sdk/client-kms";
import SQLite from "better-sqlite3";
import { deriveGrantTokenKey, mintGrantToken } from "../../src/platform/crypto/grant-token.js";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent } from "../support/trent.js";

const dir = mkdtempSync(join(tmpdir(), "trent-legacy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const rootKey = new Uint8Array(32).fill(0x3c);

/**
 * Takes a stopped Trent's SQLite file back to the schema before migration 0006 (and so before
 * every later one).
 */
function downgradeToBeforeRootKeyVersions(dataDir: string): void {
  const db = new SQLite(join(dataDir, "trent.sqlite"));
  try {
    db.exec(`
      drop index keys_by_state;
      drop index keys_by_spec;
      drop index keys_by_usage;
      drop index keys_by_origin;
      drop index tags_by_tag;
      delete from trent_migrations where name = '0007_key_search';
      drop table root_keys;
      drop table sealed_secrets;
      drop index key_materials_by_root_key_version;
      alter table key_materials drop column root_key_version;
      drop index custom_key_stores_by_proxy_uri;
      drop table console_sessions;
      delete from trent_migrations where name in ('0006_root_keys', '0008_scale_indexes', '0009_console_sessions');
    `);
  } finally {
    db.close();
  }
}

describe("a store from before root key versions", () => {
  it("is adopted at start-up, and what it issued keeps working", async () => {
    const dataDir = join(dir, "data");
    const first = await startTestTrent({ dataDir, rootKey });
    const kms = first.client();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("from before") }),
    );
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }),
    );
    const { GrantId } = await kms.send(
      new CreateGrantCommand({
        KeyId: keyId,
        GranteePrincipal: "arn:aws:iam::111122223333:role/app",
        Operations: ["Encrypt", "Decrypt"],
      }),
    );
    // The token Trent minted for this grant before its grant-token key was stored sealed.
    const oldToken = mintGrantToken(deriveGrantTokenKey(rootKey), GrantId!, new Uint8Array(16));
    // A new store has a random grant-token key, not one derived from the root key.
    await rejectsWith(
      kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x"), GrantTokens: [oldToken] }),
      ),
      "InvalidGrantTokenException",
      "Invalid grant token.",
    );
    await first.close();

    downgradeToBeforeRootKeyVersions(dataDir);

    const upgraded = await startTestTrent({ dataDir, rootKey });
    try {
      const again = upgraded.client();
      const decrypted = await again.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
      );
      assert.equal(Buffer.from(decrypted.Plaintext!).toString(), "from before");
      const privateKey = await again.send(
        new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }),
      );
      assert.deepEqual(privateKey.Plaintext, pair.PrivateKeyPlaintext);
      const withToken = await again.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("y"), GrantTokens: [oldToken] }),
      );
      assert.ok(withToken.CiphertextBlob);
      const forged = mintGrantToken(
        deriveGrantTokenKey(new Uint8Array(32).fill(1)),
        GrantId!,
        new Uint8Array(16),
      );
      await rejectsWith(
        again.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("z"), GrantTokens: [forged] }),
        ),
        "InvalidGrantTokenException",
        "Invalid grant token.",
      );

      const store = upgraded.services.store;
      assert.deepEqual(
        (await store.rootKeys.list()).map((r) => [r.version, r.retiredAt]),
        [[1, undefined]],
      );
      assert.equal(await store.rootKeys.isReferenced(undefined), false);
      assert.deepEqual(await store.rootKeys.countSealed(), [
        { version: 1, keyMaterials: 1, sealedSecrets: 3 },
      ]);
    } finally {
      await upgraded.close();
    }

    // And after the upgrade the same token keeps verifying across restarts.
    const later = await startTestTrent({ dataDir, rootKey });
    try {
      const ok = await later.client().send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: Buffer.from("w"),
          GrantTokens: [oldToken],
        }),
      );
      assert.ok(ok.CiphertextBlob);
    } finally {
      await later.close();
    }
  });
});
