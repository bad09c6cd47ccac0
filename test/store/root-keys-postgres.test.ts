/**
 * Nodes starting together on one empty PostgreSQL database: their root key proofs race to
 * register version 1 and to store Trent's secrets; exactly one of each lands and every node
 * ends up with the same grant-token and import keys, with no error. Then nodes starting
 * together with a new current key register exactly one version 2. Skipped only where no
 * PostgreSQL server binaries exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { proveRootKeys } from "../../src/domain/root-keys.js";
import { RawRootKey } from "../../src/platform/crypto/root-key.js";
import { openPostgresStore } from "../../src/platform/store/postgres.js";
import type { Store } from "../../src/platform/store/store.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";

const options = {
  now: () => new Date(),
  randomBytes: (length: number) => crypto.getRandomValues(new Uint8Array(length)),
  location: "the test database",
};
const key = (fill: number, source: string) => ({
  key: new RawRootKey(new Uint8Array(32).fill(fill), source),
  source,
});

describe("root key proofs of nodes starting together on PostgreSQL", {
  skip: postgresSkipReason(),
}, () => {
  let server: TestPostgres;
  let stores: Store[] = [];
  before(async () => {
    server = await startTestPostgres();
    const url = await server.createDatabase();
    stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
  });
  after(async () => {
    for (const store of stores) await store.close();
    await server?.stop();
  });

  it("register one version 1 and share one set of secrets", async () => {
    const results = await Promise.all(
      stores.map((store) =>
        proveRootKeys(store, { current: key(1, "TRENT_ROOT_KEY"), previous: [] }, options),
      ),
    );
    assert.deepEqual(
      (await stores[0]!.rootKeys.list()).map((r) => r.version),
      [1],
    );
    for (const result of results) {
      assert.equal(result.keyring.currentVersion, 1);
      assert.deepEqual(result.grantTokenKey, results[0]?.grantTokenKey);
      assert.deepEqual(result.importKey, results[0]?.importKey);
    }
  });

  it("register one version 2 when they restart together with a new key", async () => {
    const results = await Promise.all(
      stores.map((store) =>
        proveRootKeys(
          store,
          {
            current: key(2, "TRENT_ROOT_KEY"),
            previous: [key(1, "TRENT_ROOT_KEY_PREVIOUS entry 1")],
          },
          options,
        ),
      ),
    );
    assert.deepEqual(
      (await stores[0]!.rootKeys.list()).map((r) => r.version),
      [1, 2],
    );
    for (const result of results) assert.equal(result.keyring.currentVersion, 2);
  });
});
