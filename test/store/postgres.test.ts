/**
 * The store contract on PostgreSQL, the shared-state backend, in a private throwaway cluster;
 * then what only several nodes on one database can do: start together, race each other's
 * inserts, wait for each other's locks (and only for locks: reads never wait), and break a
 * deadlock by running one transaction again. Skipped only where no PostgreSQL server binaries
 * exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { migrationProvider } from "../../src/platform/store/migrations.js";
import { openPostgresStore, postgresKysely } from "../../src/platform/store/postgres.js";
import type { Store } from "../../src/platform/store/store.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
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

    it("makes a node that locks a key wait for another node's lock, then see its write", async () => {
      const key = keyRecord("00000000-0000-0000-0000-0000000000b1");
      await nodeA.keys.insert(key);
      let locked: () => void = () => {};
      const aLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const append = (tx: Store, current: KeyRecord, letter: string) =>
        tx.keys.update({ ...current, description: current.description + letter });
      const first = nodeA.transaction(async (tx) => {
        const current = await tx.keys.lock(key.arn);
        assert.ok(current);
        locked();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await append(tx, current, "a");
      });
      await aLocked;
      const second = nodeB.transaction(async (tx) => {
        const current = await tx.keys.lock(key.arn);
        assert.ok(current);
        await append(tx, current, "b");
      });
      await Promise.all([first, second]);
      assert.equal((await nodeA.keys.get(key.arn))?.description, "ab");
    });

    it("lets another node read a locked key without waiting for the lock", async () => {
      const key = keyRecord("00000000-0000-0000-0000-0000000000b2");
      await nodeA.keys.insert(key);
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => {};
      const aLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = nodeA.transaction(async (tx) => {
        const current = await tx.keys.lock(key.arn);
        assert.ok(current);
        await tx.keys.update({ ...current, keyState: "Disabled" });
        locked();
        await released;
      });
      await aLocked;
      // What Encrypt does on another node: one read, which sees the last committed state.
      const read = await Promise.race([
        nodeB.keys.get(key.arn),
        new Promise((resolve) => setTimeout(() => resolve("waited"), 2000)),
      ]);
      release();
      await holder;
      assert.deepEqual(read, key);
      assert.equal((await nodeB.keys.get(key.arn))?.keyState, "Disabled");
    });

    it("reruns a transaction the database aborted to break a deadlock", async () => {
      const one = keyRecord("00000000-0000-0000-0000-0000000000d1");
      const two = keyRecord("00000000-0000-0000-0000-0000000000d2");
      await nodeA.keys.insert(one);
      await nodeA.keys.insert(two);
      const bothLockedOne = barrier(2);
      let runs = 0;
      // Each locks one key, waits until the other has locked its own, then wants the other's.
      const crossing = (store: Store, first: KeyRecord, second: KeyRecord, letter: string) => {
        let firstRun = true;
        return store.transaction(async (tx) => {
          runs += 1;
          const mine = await tx.keys.lock(first.arn);
          if (firstRun) {
            firstRun = false;
            await bothLockedOne();
          }
          const theirs = await tx.keys.lock(second.arn);
          assert.ok(mine && theirs);
          await tx.keys.update({ ...mine, description: mine.description + letter });
          await tx.keys.update({ ...theirs, description: theirs.description + letter });
        });
      };
      await Promise.all([crossing(nodeA, one, two, "a"), crossing(nodeB, two, one, "b")]);
      // PostgreSQL aborted one of them (deadlock_detected); it ran again after the other.
      assert.equal(runs, 3);
      const descriptions = [
        (await nodeA.keys.get(one.arn))?.description,
        (await nodeA.keys.get(two.arn))?.description,
      ];
      assert.ok(
        descriptions.every((d) => d === "ab") || descriptions.every((d) => d === "ba"),
        String(descriptions),
      );
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
