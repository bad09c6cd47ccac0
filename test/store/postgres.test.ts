/**
 * The store contract on PostgreSQL, the shared-state backend, in a private throwaway cluster;
 * then what only several nodes on one database can do: start together, and race each other's
 * read-modify-write transactions. Skipped only where no PostgreSQL server binaries exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { KeyRecord } from "../../src/domain/key.js";
import { migrationProvider } from "../../src/store/migrations.js";
import { openPostgresStore, postgresKysely } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/store.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { storeContract } from "./contract.js";

const account = "111122223333";
const region = "us-east-1";

function keyRecord(keyId: string): KeyRecord {
  return {
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    keyId,
    accountId: account,
    region,
    creationDate: new Date("2025-01-01T00:00:00Z"),
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    keyState: "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy: "{}",
    currentKeyMaterialId: undefined,
  };
}

/** Resolves once `parties` callers are waiting, so each has done its reads before any writes. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    waiting += 1;
    if (waiting === parties) release();
    return released;
  };
}

class AliasTaken extends Error {}

describe("PostgreSQL store", { skip: postgresSkipReason() }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startTestPostgres();
  });
  after(() => server?.stop());

  storeContract({
    open: async () => openPostgresStore(await server.createDatabase()),
    async database() {
      return {
        db: postgresKysely(await server.createDatabase()),
        dialect: { binary: "bytea", sortCollation: "C", concurrentWriters: true },
      };
    },
  });

  it("runs on a database whose default collation is not code-point order", async () => {
    // Otherwise the contract's ordering cases would prove nothing about collation.
    const db = postgresKysely(server.url("postgres"));
    try {
      const { rows } = await sql<{ icu: boolean }>`select 'alias/a' < 'alias/B' as icu`.execute(db);
      assert.equal(rows[0]?.icu, true);
    } finally {
      await db.destroy();
    }
  });

  describe("several nodes on one database", () => {
    let url: string;
    let nodeA: Store;
    let nodeB: Store;

    before(async () => {
      url = await server.createDatabase();
      // Both nodes start at once on an empty database: the migrations run exactly once.
      [nodeA, nodeB] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    });
    after(async () => {
      await nodeA?.close();
      await nodeB?.close();
    });

    it("migrates once when nodes start together", async () => {
      const db = postgresKysely(url);
      try {
        const { rows } = await sql<{
          name: string;
        }>`select name from trent_migrations order by name`.execute(db);
        const migrations = await migrationProvider({ binary: "bytea" }).getMigrations();
        assert.deepEqual(
          rows.map((r) => r.name),
          Object.keys(migrations).sort(),
        );
        // A third node starting later finds nothing to do.
        await (await openPostgresStore(url)).close();
      } finally {
        await db.destroy();
      }
    });

    it("sees another node's write on its next read", async () => {
      const key = keyRecord("00000000-0000-0000-0000-0000000000a1");
      await nodeA.keys.insert(key);
      assert.deepEqual(await nodeB.keys.get(key.arn), key);
      await nodeB.keys.update({ ...key, keyState: "Disabled" });
      assert.equal((await nodeA.keys.get(key.arn))?.keyState, "Disabled");
    });

    it("lets one of two nodes creating the same alias win; the other sees it taken", async () => {
      const bothChecked = barrier(2);
      const attempts = [0, 0];
      const createAlias = (store: Store, node: 0 | 1) =>
        store.transaction(async (tx) => {
          attempts[node] = (attempts[node] ?? 0) + 1;
          if (await tx.aliases.get(account, region, "alias/race")) throw new AliasTaken();
          if (attempts[node] === 1) await bothChecked();
          await tx.aliases.insert({
            accountId: account,
            region,
            aliasName: "alias/race",
            targetKeyId: `key-of-node-${node}`,
            creationDate: new Date(),
            lastUpdatedDate: new Date(),
          });
          return node;
        });
      const results = await Promise.allSettled([createAlias(nodeA, 0), createAlias(nodeB, 1)]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      // The loser ran again, found the winner's alias and answered as it would on SQLite.
      assert.ok(lost[0]?.status === "rejected" && lost[0].reason instanceof AliasTaken);
      const winner = won[0]?.status === "fulfilled" ? won[0].value : -1;
      assert.equal(attempts[winner], 1);
      assert.ok((attempts[1 - winner] ?? 0) >= 2);
      assert.equal(
        (await nodeA.aliases.get(account, region, "alias/race"))?.targetKeyId,
        `key-of-node-${winner}`,
      );
    });

    it("loses no update when two nodes change one key at once", async () => {
      const key = keyRecord("00000000-0000-0000-0000-0000000000b1");
      await nodeA.keys.insert(key);
      const bothRead = barrier(2);
      const append = (store: Store, letter: string) => {
        let first = true;
        return store.transaction(async (tx) => {
          const current = await tx.keys.get(key.arn);
          assert.ok(current);
          if (first) {
            first = false;
            await bothRead();
          }
          await tx.keys.update({ ...current, description: current.description + letter });
        });
      };
      await Promise.all([append(nodeA, "a"), append(nodeB, "b")]);
      const description = (await nodeA.keys.get(key.arn))?.description ?? "";
      assert.deepEqual([...description].sort(), ["a", "b"]);
    });

    it("reruns a duplicate insert once, then lets its error through", async () => {
      const key = keyRecord("00000000-0000-0000-0000-0000000000c1");
      await nodeA.keys.insert(key);
      let runs = 0;
      await assert.rejects(
        nodeB.transaction(async (tx) => {
          runs += 1;
          await tx.keys.insert(key);
        }),
        (error: unknown) => (error as { code?: string }).code === "23505",
      );
      assert.equal(runs, 2);
    });

    it("does not rerun a transaction that failed for any other reason", async () => {
      let runs = 0;
      const thrown = new Error("not a race");
      await assert.rejects(
        nodeB.transaction(async (tx) => {
          runs += 1;
          await tx.tags.put("arn:aws:kms:us-east-1:111122223333:key/x", [{ key: "k", value: "v" }]);
          throw thrown;
        }),
        (error) => error === thrown,
      );
      assert.equal(runs, 1);
      assert.deepEqual(await nodeA.tags.list("arn:aws:kms:us-east-1:111122223333:key/x"), []);
    });
  });

  it("names no password when the database cannot be reached", async () => {
    const closed = new URL(server.url("postgres"));
    closed.port = "1";
    closed.password = "hunter2-secret";
    await assert.rejects(openPostgresStore(closed.toString()), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.doesNotMatch(`${error.message} ${error.stack ?? ""}`, /hunter2/);
      return true;
    });
  });
});
