/**
 * Start-up's root key proof on a real (in-memory SQLite) store: a new store registers its key,
 * a wrong key refuses with one line, a rotation in progress maps current and previous keys to
 * versions, a store from before root key versions is adopted with its old grant-token and
 * import keys, a retired key cannot come back as current, and a key still to be generated in
 * an HSM is generated only once the proof has passed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { rotateRootKey } from "../../src/domain/root-key-rotation.js";
import {
  type ConfiguredRootKeys,
  grantTokenKeyName,
  importKeyName,
  proveRootKeys,
  RootKeyProofError,
} from "../../src/domain/root-keys.js";
import { deriveGrantTokenKey } from "../../src/platform/crypto/grant-token.js";
import { deriveImportKey } from "../../src/platform/crypto/import-wrapping.js";
import { RawRootKey, type RootKey } from "../../src/platform/crypto/root-key.js";
import { keyMaterialAad, sealedSecretAad } from "../../src/platform/crypto/sealing.js";
import { openKyselyStore } from "../../src/platform/store/kysely-store.js";
import { migrationProvider } from "../../src/platform/store/migrations.js";
import type { Database } from "../../src/platform/store/schema.js";
import { openSqliteStore } from "../../src/platform/store/sqlite.js";
import type { Store } from "../../src/platform/store/store.js";

const raw = (fill: number) => new Uint8Array(32).fill(fill);
const key = (fill: number, source: string) => ({ key: new RawRootKey(raw(fill), source), source });
const arn = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000001";
const location = "/data/trent.sqlite";

let counter = 0;
const options = {
  now: () => new Date("2025-06-01T00:00:00Z"),
  randomBytes: (length: number) => new Uint8Array(length).fill(++counter),
  location,
};

async function withStore(test: (store: Store) => Promise<void>) {
  const store = await openSqliteStore(":memory:");
  try {
    await test(store);
  } finally {
    await store.close();
  }
}

function keys(current: ConfiguredRootKeys["current"], ...previous: ReturnType<typeof key>[]) {
  return { current, previous };
}

async function refusal(store: Store, configured: ConfiguredRootKeys): Promise<string> {
  try {
    await proveRootKeys(store, configured, options);
  } catch (error) {
    assert.ok(error instanceof RootKeyProofError, String(error));
    return error.message;
  }
  assert.fail("the proof passed");
}

describe("the root key proof at start-up", () => {
  it("registers the first key of a new store as version 1, with random secrets, once", () =>
    withStore(async (store) => {
      const first = await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      assert.equal(first.keyring.currentVersion, 1);
      assert.equal(
        first.summary,
        "root keys: TRENT_ROOT_KEY is version 1 (current); registered versions: 1",
      );
      assert.equal((await store.rootKeys.list()).length, 1);
      const grant = await store.sealedSecrets.get(grantTokenKeyName);
      assert.equal(grant?.rootKeyVersion, 1);
      assert.deepEqual(
        new RawRootKey(raw(1), "k").open(grant!.sealed, sealedSecretAad(grantTokenKeyName)),
        first.grantTokenKey,
      );
      // Random, not derived from the root key.
      assert.notDeepEqual(first.grantTokenKey, deriveGrantTokenKey(raw(1)));
      assert.notDeepEqual(first.grantTokenKey, first.importKey);

      const again = await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      assert.deepEqual(again.grantTokenKey, first.grantTokenKey);
      assert.deepEqual(again.importKey, first.importKey);
      assert.equal((await store.rootKeys.list()).length, 1);
    }));

  it("refuses a wrong root key in one line, and changes nothing", () =>
    withStore(async (store) => {
      await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      const before = await store.rootKeys.list();
      assert.equal(
        await refusal(store, keys(key(2, "TRENT_ROOT_KEY"))),
        `the root key (TRENT_ROOT_KEY) does not open the data in ${location}: it was sealed under root key version 1, which none of the configured root keys opens`,
      );
      assert.equal(
        await refusal(
          store,
          keys(key(2, "TRENT_ROOT_KEY"), key(3, "TRENT_ROOT_KEY_PREVIOUS entry 1")),
        ),
        `the root keys (TRENT_ROOT_KEY, TRENT_ROOT_KEY_PREVIOUS entry 1) do not open the data in ${location}: it was sealed under root key version 1, which none of the configured root keys opens`,
      );
      assert.deepEqual(await store.rootKeys.list(), before);
    }));

  it("maps a rotation's new and old keys to versions 2 and 1, keeping Trent's secrets", () =>
    withStore(async (store) => {
      const first = await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      const rotating = await proveRootKeys(
        store,
        keys(
          key(2, "TRENT_ROOT_KEY"),
          key(1, "TRENT_ROOT_KEY_PREVIOUS entry 1"),
          key(7, "TRENT_ROOT_KEY_PREVIOUS entry 2"),
        ),
        options,
      );
      assert.equal(rotating.keyring.currentVersion, 2);
      assert.deepEqual(rotating.keyring.versions, [1, 2]);
      assert.deepEqual(rotating.grantTokenKey, first.grantTokenKey);
      assert.deepEqual(rotating.importKey, first.importKey);
      assert.equal(
        rotating.summary,
        "root keys: TRENT_ROOT_KEY is version 2 (current); TRENT_ROOT_KEY_PREVIOUS entry 1 is version 1 (previous); TRENT_ROOT_KEY_PREVIOUS entry 2 (previous) opens no registered version and is not needed; registered versions: 1, 2",
      );
      // Without the old key, version 1 (still sealing Trent's secrets) is unopened.
      assert.match(
        await refusal(store, keys(key(2, "TRENT_ROOT_KEY"))),
        /sealed under root key version 1,/,
      );
    }));

  it("refuses a current key that a rotation retired", () =>
    withStore(async (store) => {
      await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      const rotating = await proveRootKeys(
        store,
        keys(key(2, "TRENT_ROOT_KEY"), key(1, "TRENT_ROOT_KEY_PREVIOUS entry 1")),
        options,
      );
      const result = await rotateRootKey(store, rotating.keyring, {
        ...options,
        progress: () => {},
      });
      assert.deepEqual(result.retired, [1]);
      assert.equal(
        await refusal(
          store,
          keys(key(1, "TRENT_ROOT_KEY"), key(2, "TRENT_ROOT_KEY_PREVIOUS entry 1")),
        ),
        "the current root key (TRENT_ROOT_KEY) is root key version 1, which was retired on 2025-06-01T00:00:00.000Z after a rotation moved everything off it: configure the newer root key as current",
      );
      assert.equal(
        await refusal(store, keys(key(1, "TRENT_ROOT_KEY"))),
        `the root key (TRENT_ROOT_KEY) does not open the data in ${location}: it was sealed under root key version 2, which none of the configured root keys opens; TRENT_ROOT_KEY is root key version 1, retired on 2025-06-01T00:00:00.000Z`,
      );
      // The new key alone now opens everything.
      const after = await proveRootKeys(store, keys(key(2, "TRENT_ROOT_KEY")), options);
      assert.deepEqual(after.grantTokenKey, rotating.grantTokenKey);
    }));

  it("generates a pending HSM key only after the proof passed", () =>
    withStore(async (store) => {
      let generated = 0;
      const pending = (fill: number) => ({
        source: "TRENT_PKCS11_KEY_LABEL 'trent-root-key' on token 't'",
        generate: (): RootKey => {
          generated += 1;
          return new RawRootKey(raw(fill), "token key");
        },
      });
      const fresh = await proveRootKeys(store, keys(pending(5)), options);
      assert.equal(generated, 1);
      assert.equal(fresh.keyring.currentVersion, 1);
      // A store that holds data, and a token without its key: refuse, generate nothing.
      assert.equal(
        await refusal(store, keys(pending(6))),
        `the root key (TRENT_PKCS11_KEY_LABEL 'trent-root-key' on token 't') does not open the data in ${location}: it was sealed under root key version 1, which none of the configured root keys opens`,
      );
      assert.equal(generated, 1);
    }));

  it("settles one registry when nodes prove at once", () =>
    withStore(async (store) => {
      const results = await Promise.all(
        [1, 2, 3].map(() => proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options)),
      );
      assert.equal((await store.rootKeys.list()).length, 1);
      for (const result of results)
        assert.deepEqual(result.grantTokenKey, results[0]?.grantTokenKey);
    }));
});

describe("a store from before root key versions", () => {
  /** A store as Trent left it before migration 0006: sealed rows, no versions, no registry. */
  async function legacyStore(sealedWith: Uint8Array): Promise<Store> {
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SQLite(":memory:") }),
    });
    const migrator = new Migrator({
      db,
      provider: migrationProvider({ binary: "blob" }),
      migrationTableName: "trent_migrations",
      migrationLockTableName: "trent_migrations_lock",
    });
    assert.equal((await migrator.migrateTo("0005_multi_region_keys")).error, undefined);
    const legacyKey = new RawRootKey(sealedWith, "legacy");
    for (const id of ["m1", "m2"]) {
      const sealed = legacyKey.seal(new Uint8Array(32).fill(0x42), keyMaterialAad(arn, id));
      await sql`insert into key_materials (key_arn, material_id, sealed, public_key, created_at) values (${arn}, ${id}, ${sealed}, ${null}, ${0})`.execute(
        db,
      );
    }
    return openKyselyStore(db, { binary: "blob" });
  }

  it("adopts the configured key that opens its rows as version 1, keeping the derived secrets", async () => {
    const store = await legacyStore(raw(1));
    try {
      const custody = await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      assert.equal(custody.keyring.currentVersion, 1);
      // Grant tokens and import tokens issued before still verify.
      assert.deepEqual(custody.grantTokenKey, deriveGrantTokenKey(raw(1)));
      assert.deepEqual(custody.importKey, deriveImportKey(raw(1)));
      assert.equal(await store.rootKeys.isReferenced(undefined), false);
      assert.equal((await store.materials.get(arn, "m1"))?.rootKeyVersion, 1);
      assert.equal((await store.sealedSecrets.get(importKeyName))?.rootKeyVersion, 1);
      // Restarted later, the stored secrets are used as they are.
      const again = await proveRootKeys(store, keys(key(1, "TRENT_ROOT_KEY")), options);
      assert.deepEqual(again.grantTokenKey, custody.grantTokenKey);
    } finally {
      await store.close();
    }
  });

  it("adopts the old key given as previous while a new one becomes version 2", async () => {
    const store = await legacyStore(raw(1));
    try {
      const custody = await proveRootKeys(
        store,
        keys(key(2, "TRENT_ROOT_KEY"), key(1, "TRENT_ROOT_KEY_PREVIOUS entry 1")),
        options,
      );
      assert.equal(custody.keyring.currentVersion, 2);
      assert.deepEqual(custody.keyring.versions, [1, 2]);
      assert.deepEqual(custody.grantTokenKey, deriveGrantTokenKey(raw(1)));
      assert.equal((await store.sealedSecrets.get(grantTokenKeyName))?.rootKeyVersion, 2);
      assert.equal((await store.materials.get(arn, "m2"))?.rootKeyVersion, 1);
    } finally {
      await store.close();
    }
  });

  it("refuses when no configured key opens its rows", async () => {
    const store = await legacyStore(raw(1));
    try {
      assert.equal(
        await refusal(store, keys(key(2, "TRENT_ROOT_KEY"))),
        `the root key (TRENT_ROOT_KEY) does not open the data in ${location}: it was sealed before root key versions were recorded, under a root key that none of the configured root keys is`,
      );
      assert.deepEqual(await store.rootKeys.list(), []);
      assert.equal(await store.rootKeys.isReferenced(undefined), true);
    } finally {
      await store.close();
    }
  });
});
