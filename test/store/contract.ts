/**
 * The store contract: what every Store backend must do, as seen through the Store interface.
 * sqlite.test.ts and postgres.test.ts run these same cases; each case gets a new, empty
 * database opened through the backend's real opening path.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Kysely, Migrator, sql } from "kysely";
import { openKyselyStore, type StoreDialect } from "../../src/platform/store/kysely-store.js";
import { migrationProvider } from "../../src/platform/store/migrations.js";
import type { Database } from "../../src/platform/store/schema.js";
import type {
  KeyUse,
  RootKeyRecord,
  SealedSecretRecord,
  Store,
} from "../../src/platform/store/store.js";
import type { CustomKeyStoreRecord } from "../../src/vocabulary/custom-key-store-records.js";
import { type GrantRecord, grantListKey } from "../../src/vocabulary/grant-records.js";
import type {
  AliasRecord,
  KeyMaterialRecord,
  KeyRecord,
} from "../../src/vocabulary/key-records.js";
import type { KeyMaterialEntry, RotationSettings } from "../../src/vocabulary/rotation-records.js";

export interface StoreBackend {
  /** Opens a store over a new, empty database the way Trent opens this backend. */
  open(): Promise<Store>;
  /** A Kysely handle on a new, empty database, with the dialect Trent migrates it with. */
  database(): Promise<{ db: Kysely<Database>; dialect: StoreDialect }>;
}

const account = "111122223333";
const otherAccount = "444455556666";
const region = "us-east-1";

function arnOf(keyId: string, accountId = account, keyRegion = region): string {
  return `arn:aws:kms:${keyRegion}:${accountId}:key/${keyId}`;
}

function keyRecord(keyId: string, changes: Partial<KeyRecord> = {}): KeyRecord {
  const accountId = changes.accountId ?? account;
  const keyRegion = changes.region ?? region;
  return {
    arn: arnOf(keyId, accountId, keyRegion),
    keyId,
    accountId,
    region: keyRegion,
    creationDate: new Date("2025-01-01T00:00:00.123Z"),
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
    policy: '{"Version":"2012-10-17","Statement":[]}',
    currentKeyMaterialId: undefined,
    ...changes,
  };
}

/** A key with every optional field set, and values that stress the column types. */
function fullKeyRecord(keyId: string): KeyRecord {
  return keyRecord(keyId, {
    description: "ünïcødé 🔑 'quoted' \"double\" \\ back\nslash",
    keyUsage: "SIGN_VERIFY",
    keySpec: "ECC_NIST_P256",
    origin: "EXTERNAL",
    keyState: "PendingDeletion",
    // The largest date KMS could ever report (9999-12-31) needs more than 32 bits of ms.
    deletionDate: new Date("9999-12-31T23:59:59.999Z"),
    pendingDeletionWindowInDays: 30,
    multiRegion: true,
    multiRegionKeyType: "PRIMARY",
    customKeyStoreId: "cks-1234567890abcdef0",
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "x".repeat(5000) }] }),
    currentKeyMaterialId: "a".repeat(64),
  });
}

function material(keyArn: string, materialId: string, changes: Partial<KeyMaterialRecord> = {}) {
  const sealed = new Uint8Array(256);
  for (let i = 0; i < sealed.length; i += 1) sealed[i] = 255 - i;
  const record: KeyMaterialRecord = {
    keyArn,
    materialId,
    sealed,
    publicKey: undefined,
    createdAt: new Date("2025-01-01T00:00:00Z"),
    rootKeyVersion: 1,
    ...changes,
  };
  return record;
}

function alias(aliasName: string, targetKeyId: string, changes: Partial<AliasRecord> = {}) {
  const record: AliasRecord = {
    accountId: account,
    region,
    aliasName,
    targetKeyId,
    creationDate: new Date("2025-02-01T00:00:00Z"),
    lastUpdatedDate: new Date("2025-02-01T00:00:00Z"),
    ...changes,
  };
  return record;
}

function grant(grantId: string, keyArn: string, changes: Partial<GrantRecord> = {}) {
  const record: GrantRecord = {
    grantId,
    keyArn,
    region,
    name: undefined,
    creationDate: new Date("2025-03-01T00:00:00Z"),
    granteePrincipal: `arn:aws:iam::${account}:role/grantee`,
    retiringPrincipal: undefined,
    issuingAccount: `arn:aws:iam::${account}:root`,
    operations: ["Encrypt", "Decrypt"],
    constraints: undefined,
    ...changes,
  };
  return record;
}

function rotation(keyArn: string, changes: Partial<RotationSettings> = {}): RotationSettings {
  return {
    keyArn,
    automatic: true,
    periodInDays: 365,
    nextRotationDate: new Date("2026-01-01T00:00:00Z"),
    onDemandRotations: 0,
    ...changes,
  };
}

function historyEntry(
  keyArn: string,
  materialId: string,
  changes: Partial<KeyMaterialEntry> = {},
): KeyMaterialEntry {
  return {
    keyArn,
    materialId,
    position: 1,
    rotationDate: undefined,
    rotationType: undefined,
    pendingRotation: false,
    imported: undefined,
    ...changes,
  };
}

function grantId(n: number): string {
  return n.toString(16).padStart(64, "0");
}

function keyUse(keyArn: string, timestamp: string, operation: KeyUse["operation"], id: string) {
  return {
    keyArn,
    operation,
    timestamp: new Date(timestamp),
    eventId: `e-${id}`,
    requestId: `r-${id}`,
  };
}

/** Code-point order, the order both backends must list in. */
function codePointOrder(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

class Rollback extends Error {}

function customKeyStore(id: string, name: string): CustomKeyStoreRecord {
  return {
    id,
    accountId: account,
    region,
    name,
    type: "EXTERNAL_KEY_STORE",
    creationDate: new Date("2025-01-01T00:00:00Z"),
    connectionState: "DISCONNECTED",
    connectionErrorCode: undefined,
    xks: {
      connectivity: "PUBLIC_ENDPOINT",
      uriEndpoint: "https://xks.example.com",
      uriPath: `/${id}/kms/xks/v1`,
      accessKeyId: "AKIAXKSPROXYEXAMPLE1",
      credentialMaterialId: `credential-${id}`,
    },
  };
}

/**
 * Lets other work run (other transactions' statements) for long enough that, without a lock,
 * the other transactions would read before this one writes: longer than opening a connection.
 */
const pause = () => new Promise((resolve) => setTimeout(resolve, 25));

/**
 * Runs `runs` transactions at once, each locking with `lock`, reading a counter, pausing so the
 * others get their chance to interleave, and writing the counter plus one. Returns the values
 * each run read: with the lock they run one after the other, so every value is read once.
 */
async function concurrentIncrements(
  store: Store,
  runs: number,
  lock: (tx: Store) => Promise<unknown>,
  read: (tx: Store) => Promise<number>,
  write: (tx: Store, value: number) => Promise<void>,
): Promise<number[]> {
  return Promise.all(
    Array.from({ length: runs }, () =>
      store.transaction(async (tx) => {
        await lock(tx);
        const value = await read(tx);
        await pause();
        await write(tx, value + 1);
        return value;
      }),
    ),
  );
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A well-spread, repeatable 8-hex-digit prefix for the nth made-up identifier. */
function spread(n: number): string {
  return (Math.imul(n + 1, 2654435761) >>> 0).toString(16).padStart(8, "0");
}

/** A keyset-paged listing as the paging walk below drives it, by sort key. */
interface ChangingListing {
  /** Sort keys of the records created before the walk. */
  readonly initial: readonly string[];
  /** A sort key no record has had, for the nth record created during the walk. */
  fresh(n: number): string;
  page(after: string | undefined, limit: number): Promise<string[]>;
  create(sortKey: string): Promise<void>;
  remove(sortKey: string): Promise<void>;
}

/**
 * Pages through a listing to its end, creating and deleting records between pages as other
 * clients would: each time, two new records (wherever their keys sort, ahead of the position
 * or behind it), one deletion just ahead (in what would be the next page) and one behind.
 * Returns what the pages held and what keyset paging promises they hold: every record present
 * when the walk passes its place, once, in order; nothing deleted before the walk reached it;
 * nothing created behind the walk.
 */
async function walkWhileChanging(
  listing: ChangingListing,
  limit: number,
): Promise<{ seen: string[]; expected: string[]; pages: number }> {
  for (const sortKey of listing.initial) await listing.create(sortKey);
  const present = new Set(listing.initial);
  const missed = new Set<string>();
  const created: string[] = [];
  const seen: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await listing.page(after, limit);
    pages += 1;
    seen.push(...page);
    if (page.length < limit) break;
    const position = page.at(-1)!;
    after = position;
    for (const sortKey of [listing.fresh(created.length), listing.fresh(created.length + 1)]) {
      await listing.create(sortKey);
      created.push(sortKey);
      present.add(sortKey);
      if (sortKey <= position) missed.add(sortKey);
    }
    const sorted = codePointOrder([...present]);
    const ahead = sorted.filter((sortKey) => sortKey > position);
    const behind = sorted.filter((sortKey) => sortKey <= position);
    for (const doomed of [ahead[2], behind[behind.length >> 1]]) {
      if (doomed === undefined) continue;
      await listing.remove(doomed);
      present.delete(doomed);
      if (doomed > position) missed.add(doomed);
    }
  }
  const expected = codePointOrder(
    [...listing.initial, ...created].filter((sortKey) => !missed.has(sortKey)),
  );
  return { seen, expected, pages };
}

export function storeContract(backend: StoreBackend): void {
  async function withStore(test: (store: Store) => Promise<void>): Promise<void> {
    const store = await backend.open();
    try {
      await test(store);
    } finally {
      await store.close();
    }
  }

  describe("keys", () => {
    it("returns undefined for an unknown key, and every field as inserted", () =>
      withStore(async (store) => {
        assert.equal(await store.keys.get(arnOf("missing")), undefined);
        const plain = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        const full = fullKeyRecord("mrk-1234abcd12ab34cd56ef1234567890ab");
        await store.keys.insert(plain);
        await store.keys.insert(full);
        assert.deepEqual(await store.keys.get(plain.arn), plain);
        assert.deepEqual(await store.keys.get(full.arn), full);
      }));

    it("refuses a second key with the same ARN", () =>
      withStore(async (store) => {
        const key = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        await store.keys.insert(key);
        await assert.rejects(store.keys.insert({ ...key, description: "other" }));
        assert.deepEqual(await store.keys.get(key.arn), key);
      }));

    it("updates every mutable field, and only the key named", () =>
      withStore(async (store) => {
        const key = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        const other = keyRecord("2234abcd-12ab-34cd-56ef-1234567890ab");
        await store.keys.insert(key);
        await store.keys.insert(other);
        const changed: KeyRecord = {
          ...fullKeyRecord(key.keyId),
          creationDate: key.creationDate,
        };
        await store.keys.update(changed);
        assert.deepEqual(await store.keys.get(key.arn), changed);
        await store.keys.update({ ...changed, deletionDate: undefined, multiRegion: false });
        assert.deepEqual(await store.keys.get(key.arn), {
          ...changed,
          deletionDate: undefined,
          multiRegion: false,
        });
        assert.deepEqual(await store.keys.get(other.arn), other);
      }));

    it("does not create a key by updating one that does not exist", () =>
      withStore(async (store) => {
        const key = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        await store.keys.update(key);
        assert.equal(await store.keys.get(key.arn), undefined);
      }));

    it("lists one account and Region in key id order, page by page", () =>
      withStore(async (store) => {
        const ids = [
          "mrk-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
          "0b1c2d3e-0000-0000-0000-000000000001",
          "f0000000-0000-0000-0000-000000000000",
          "a0000000-0000-0000-0000-000000000000",
          "a000000-00000-0000-0000-000000000000",
          "10000000-0000-0000-0000-000000000000",
        ];
        for (const id of ids) await store.keys.insert(keyRecord(id));
        await store.keys.insert(
          keyRecord("00000000-0000-0000-0000-00000000000a", { accountId: otherAccount }),
        );
        await store.keys.insert(
          keyRecord("00000000-0000-0000-0000-00000000000b", { region: "eu-west-1" }),
        );

        const expected = codePointOrder(ids);
        const all = await store.keys.list(account, region, { limit: 100 });
        assert.deepEqual(
          all.map((k) => k.keyId),
          expected,
        );
        assert.deepEqual(all[0], keyRecord(expected[0]!));

        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.keys.list(account, region, { limit: 4, after });
          seen.push(...page.map((k) => k.keyId));
          if (page.length < 4) break;
          after = page.at(-1)!.keyId;
        }
        assert.deepEqual(seen, expected);
        assert.deepEqual(
          (await store.keys.list(account, region, { limit: 2, after: expected[1] })).map(
            (k) => k.keyId,
          ),
          expected.slice(2, 4),
        );
        assert.deepEqual(
          await store.keys.list(account, region, { limit: 5, after: expected.at(-1) }),
          [],
        );
        assert.deepEqual(await store.keys.list("999999999999", region, { limit: 5 }), []);

        // Every account and Region, page by page, each key once (trent export).
        const everywhere: string[] = [];
        let afterArn: string | undefined;
        for (;;) {
          const page = await store.keys.listAll({ limit: 3, after: afterArn });
          everywhere.push(...page.map((k) => k.arn));
          if (page.length < 3) break;
          afterArn = page.at(-1)!.arn;
        }
        assert.equal(new Set(everywhere).size, everywhere.length);
        assert.deepEqual(
          [...everywhere].sort(),
          [
            ...ids.map((id) => keyRecord(id).arn),
            keyRecord("00000000-0000-0000-0000-00000000000a", { accountId: otherAccount }).arn,
            keyRecord("00000000-0000-0000-0000-00000000000b", { region: "eu-west-1" }).arn,
          ].sort(),
        );
      }));

    it("searches one account and Region by state, spec, usage, origin, alias and tag, page by page", () =>
      withStore(async (store) => {
        const id = (n: number) => `${String(n).padStart(8, "0")}-0000-0000-0000-000000000000`;
        const keys = upTo(12).map((n) =>
          keyRecord(id(n), {
            keyState: n % 3 === 0 ? "Disabled" : "Enabled",
            keySpec: n % 2 === 0 ? "SYMMETRIC_DEFAULT" : "ECC_NIST_P256",
            keyUsage: n % 2 === 0 ? "ENCRYPT_DECRYPT" : "SIGN_VERIFY",
            origin: n === 5 ? "EXTERNAL" : "AWS_KMS",
          }),
        );
        for (const key of keys) await store.keys.insert(key);
        // Same key id elsewhere: never listed.
        await store.keys.insert(keyRecord(id(0), { accountId: otherAccount }));
        await store.keys.insert(keyRecord(id(1), { region: "eu-west-1" }));
        const alias = (name: string, keyId: string): AliasRecord => ({
          accountId: account,
          region,
          aliasName: name,
          targetKeyId: keyId,
          creationDate: new Date("2025-01-01T00:00:00Z"),
          lastUpdatedDate: new Date("2025-01-01T00:00:00Z"),
        });
        await store.aliases.insert(alias("alias/Orders-main", id(4)));
        await store.aliases.insert(alias("alias/orders_100%", id(7)));
        await store.aliases.insert(alias("alias/billing", id(9)));
        await store.aliases.insert({ ...alias("alias/orders-eu", id(1)), region: "eu-west-1" });
        await store.tags.put(keys[2]!.arn, [{ key: "team", value: "payments" }]);
        await store.tags.put(keys[3]!.arn, [{ key: "team", value: "search" }]);
        await store.tags.put(keys[8]!.arn, [{ key: "team", value: "payments" }]);

        const ids = async (search: Parameters<Store["keys"]["search"]>[2], limit = 100) =>
          (await store.keys.search(account, region, search, { limit })).map((k) => k.keyId);
        assert.deepEqual(
          await ids({}),
          keys.map((k) => k.keyId),
        );
        assert.deepEqual(await ids({ keyState: "Disabled" }), [id(0), id(3), id(6), id(9)]);
        assert.deepEqual(await ids({ keyState: "Disabled", keySpec: "ECC_NIST_P256" }), [
          id(3),
          id(9),
        ]);
        assert.deepEqual(await ids({ keyUsage: "SIGN_VERIFY", origin: "EXTERNAL" }), [id(5)]);
        // Alias text matches anywhere in the name, ASCII case ignored, % and _ literally.
        assert.deepEqual(await ids({ aliasContains: "ORDERS" }), [id(4), id(7)]);
        assert.deepEqual(await ids({ aliasContains: "_100%" }), [id(7)]);
        assert.deepEqual(await ids({ aliasContains: "s_1" }), [id(7)]);
        assert.deepEqual(await ids({ aliasContains: "s-1" }), []);
        assert.deepEqual(await ids({ tagKey: "team" }), [id(2), id(3), id(8)]);
        assert.deepEqual(await ids({ tagKey: "team", tagValue: "payments" }), [id(2), id(8)]);
        assert.deepEqual(
          await ids({ tagKey: "team", tagValue: "payments", keyState: "Disabled" }),
          [],
        );
        assert.deepEqual(await ids({ tagKey: "owner" }), []);

        // Keyset pages: each resumes strictly after the last key id of the one before.
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.keys.search(
            account,
            region,
            { keyState: "Enabled" },
            {
              limit: 3,
              after,
            },
          );
          seen.push(...page.map((k) => k.keyId));
          if (page.length < 3) break;
          after = page.at(-1)!.keyId;
        }
        assert.deepEqual(
          seen,
          keys.filter((k) => k.keyState === "Enabled").map((k) => k.keyId),
        );

        // The aliases of a page's keys, in one query.
        assert.deepEqual(
          (await store.aliases.listForKeys(account, region, [id(4), id(7), id(1)])).map(
            (a) => a.aliasName,
          ),
          ["alias/Orders-main", "alias/orders_100%"],
        );
        assert.deepEqual(await store.aliases.listForKeys(account, region, []), []);
      }));

    it("pages completely, without overlap, at any depth while keys come and go", () =>
      withStore(async (store) => {
        const keyIdOf = (n: number) => `${spread(n)}-0000-4000-8000-${String(n).padStart(12, "0")}`;
        const { seen, expected, pages } = await walkWhileChanging(
          {
            initial: upTo(240).map(keyIdOf),
            fresh: (n) => keyIdOf(1000 + n),
            page: async (after, limit) =>
              (await store.keys.list(account, region, { limit, after })).map((k) => k.keyId),
            create: (id) => store.keys.insert(keyRecord(id)),
            remove: (id) => store.transaction((tx) => tx.keys.delete(arnOf(id))),
          },
          7,
        );
        assert.ok(pages > 30, `only ${pages} pages`);
        assert.deepEqual(seen, expected);
        // A page far into the listing starts right after its position, whatever came before.
        const deep = expected[200]!;
        const page = await store.keys.list(account, region, { limit: 3, after: deep });
        const now = codePointOrder(
          (await store.keys.list(account, region, { limit: 1000 })).map((k) => k.keyId),
        );
        assert.deepEqual(
          page.map((k) => k.keyId),
          now.filter((id) => id > deep).slice(0, 3),
        );
      }));

    it("keeps console sessions by id hash, moves last use forward only, and deletes expired ones", () =>
      withStore(async (store) => {
        const session = (idHash: string, createdAt: number, lastSeenAt: number) => ({
          idHash,
          csrfToken: `csrf-${idHash.slice(0, 8)}`,
          caller: JSON.stringify({ principalArn: `arn:aws:iam::${account}:root` }),
          createdAt,
          lastSeenAt,
        });
        await store.consoleSessions.insert(session("a".repeat(64), 1_000, 1_000));
        await store.consoleSessions.insert(session("b".repeat(64), 1_000, 5_000));
        await store.consoleSessions.insert(session("c".repeat(64), 9_000, 9_000));
        assert.deepEqual(
          await store.consoleSessions.get("a".repeat(64)),
          session("a".repeat(64), 1_000, 1_000),
        );
        assert.equal(await store.consoleSessions.get("d".repeat(64)), undefined);
        await store.consoleSessions.touch("a".repeat(64), 7_000);
        await store.consoleSessions.touch("a".repeat(64), 6_000);
        assert.equal((await store.consoleSessions.get("a".repeat(64)))?.lastSeenAt, 7_000);
        // Idle since before 6,000 (b) or signed in before 1,000 (none); then signed in before
        // 2,000 (a, whatever its last use).
        await store.consoleSessions.deleteExpired(6_000, 1_000);
        assert.equal(await store.consoleSessions.get("b".repeat(64)), undefined);
        assert.ok(await store.consoleSessions.get("a".repeat(64)));
        await store.consoleSessions.deleteExpired(0, 2_000);
        assert.equal(await store.consoleSessions.get("a".repeat(64)), undefined);
        assert.ok(await store.consoleSessions.get("c".repeat(64)));
        // A test-suite reset keeps sessions; signing out is the user's.
        await store.reset();
        assert.ok(await store.consoleSessions.get("c".repeat(64)));
        await store.consoleSessions.delete("c".repeat(64));
        assert.equal(await store.consoleSessions.get("c".repeat(64)), undefined);
      }));

    it("counts the keys of every account and Region", () =>
      withStore(async (store) => {
        assert.equal(await store.keys.count(), 0);
        await store.keys.insert(keyRecord("00000000-0000-0000-0000-000000000001"));
        await store.keys.insert(
          keyRecord("00000000-0000-0000-0000-000000000002", { accountId: otherAccount }),
        );
        await store.keys.insert(
          keyRecord("00000000-0000-0000-0000-000000000003", { region: "eu-west-1" }),
        );
        assert.equal(await store.keys.count(), 3);
        await store.keys.delete(arnOf("00000000-0000-0000-0000-000000000001"));
        assert.equal(await store.keys.count(), 2);
      }));

    it("lists keys pending deletion whose date is at or before now", () =>
      withStore(async (store) => {
        const now = new Date("2025-06-01T12:00:00.000Z");
        const pending = (id: string, date: Date) =>
          keyRecord(id, {
            keyState: "PendingDeletion",
            deletionDate: date,
            pendingDeletionWindowInDays: 7,
          });
        const past = pending(
          "00000000-0000-0000-0000-000000000001",
          new Date(now.getTime() - 86_400_000),
        );
        const exactly = pending("00000000-0000-0000-0000-000000000002", now);
        const future = pending("00000000-0000-0000-0000-000000000003", new Date(now.getTime() + 1));
        const otherAccountPast = keyRecord("00000000-0000-0000-0000-000000000004", {
          accountId: otherAccount,
          keyState: "PendingDeletion",
          deletionDate: past.deletionDate,
        });
        // Only PendingDeletion counts: a date left on a key in another state is not due.
        const enabledWithDate = keyRecord("00000000-0000-0000-0000-000000000005", {
          deletionDate: past.deletionDate,
        });
        for (const k of [past, exactly, future, otherAccountPast, enabledWithDate])
          await store.keys.insert(k);
        const due = await store.keys.listDueForDeletion(now);
        assert.deepEqual(
          due.map((k) => k.arn).sort(),
          [past.arn, exactly.arn, otherAccountPast.arn].sort(),
        );
        assert.deepEqual(
          due.find((k) => k.arn === past.arn),
          past,
        );
      }));

    it("deletes a key with its material, aliases, tags, grants and last use, and nothing else", () =>
      withStore(async (store) => {
        const doomed = keyRecord("00000000-0000-0000-0000-000000000001");
        const kept = keyRecord("00000000-0000-0000-0000-000000000002");
        // The same key id in another account: its alias must survive.
        const twin = keyRecord(doomed.keyId, { accountId: otherAccount });
        for (const k of [doomed, kept, twin]) {
          await store.keys.insert(k);
          await store.materials.insert(material(k.arn, "m1"));
          await store.tags.put(k.arn, [{ key: "team", value: "a" }]);
          await store.lastUsage.record(keyUse(k.arn, "2025-04-01T00:00:00Z", "Encrypt", k.keyId));
        }
        await store.aliases.insert(alias("alias/doomed-1", doomed.keyId));
        await store.aliases.insert(alias("alias/doomed-2", doomed.keyId));
        await store.aliases.insert(alias("alias/kept", kept.keyId));
        await store.aliases.insert(alias("alias/twin", twin.keyId, { accountId: otherAccount }));
        await store.grants.insert(grant(grantId(1), doomed.arn));
        await store.grants.insert(grant(grantId(2), kept.arn));
        for (const k of [doomed, kept]) {
          await store.rotations.put(rotation(k.arn));
          await store.materialHistory.put(historyEntry(k.arn, "m1"));
        }

        await store.keys.delete(doomed.arn);

        assert.equal(await store.keys.get(doomed.arn), undefined);
        assert.equal(await store.materials.get(doomed.arn, "m1"), undefined);
        assert.deepEqual(await store.materials.listForKey(doomed.arn), []);
        assert.deepEqual(await store.tags.list(doomed.arn), []);
        assert.equal(await store.lastUsage.get(doomed.arn), undefined);
        assert.equal(await store.aliases.get(account, region, "alias/doomed-1"), undefined);
        assert.equal(await store.aliases.get(account, region, "alias/doomed-2"), undefined);
        assert.equal(await store.grants.find(grantId(1)), undefined);
        assert.equal(await store.rotations.get(doomed.arn), undefined);
        assert.deepEqual(await store.materialHistory.listForKey(doomed.arn), []);
        assert.deepEqual(await store.rotations.get(kept.arn), rotation(kept.arn));
        assert.deepEqual(await store.materialHistory.listForKey(kept.arn), [
          historyEntry(kept.arn, "m1"),
        ]);

        for (const k of [kept, twin]) {
          assert.deepEqual(await store.keys.get(k.arn), k);
          assert.ok(await store.materials.get(k.arn, "m1"));
          assert.deepEqual(await store.tags.list(k.arn), [{ key: "team", value: "a" }]);
          assert.ok(await store.lastUsage.get(k.arn));
        }
        assert.ok(await store.aliases.get(account, region, "alias/kept"));
        assert.ok(await store.aliases.get(otherAccount, region, "alias/twin"));
        assert.ok(await store.grants.find(grantId(2)));

        // Deleting what is gone is not an error.
        await store.keys.delete(doomed.arn);
      }));
  });

  describe("key material", () => {
    it("returns the sealed bytes and public key exactly, as Uint8Array", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        const publicKey = new Uint8Array([0x30, 0x00, 0x59, 0x00, 0x00, 0xff]);
        const symmetric = material(key.arn, "m1");
        const asymmetric = material(key.arn, "m2", {
          publicKey,
          sealed: new Uint8Array(0),
          createdAt: new Date("2025-01-02T00:00:00Z"),
        });
        await store.materials.insert(symmetric);
        await store.materials.insert(asymmetric);
        const got = await store.materials.get(key.arn, "m1");
        assert.deepEqual(got, symmetric);
        assert.equal(Object.getPrototypeOf(got?.sealed), Uint8Array.prototype);
        assert.deepEqual(await store.materials.get(key.arn, "m2"), asymmetric);
        assert.equal(await store.materials.get(key.arn, "m3"), undefined);
        assert.equal(await store.materials.get(arnOf("other"), "m1"), undefined);
      }));

    it("lists a key's material oldest first, and refuses a duplicate material id", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        const other = keyRecord("00000000-0000-0000-0000-000000000002");
        const newest = material(key.arn, "a-newest", {
          createdAt: new Date("2025-03-01T00:00:00Z"),
        });
        const oldest = material(key.arn, "z-oldest", {
          createdAt: new Date("2025-01-01T00:00:00Z"),
        });
        const middle = material(key.arn, "m-middle", {
          createdAt: new Date("2025-02-01T00:00:00Z"),
        });
        for (const m of [newest, oldest, middle]) await store.materials.insert(m);
        await store.materials.insert(material(other.arn, "x"));
        assert.deepEqual(await store.materials.listForKey(key.arn), [oldest, middle, newest]);
        await assert.rejects(store.materials.insert(material(key.arn, "m-middle")));
        // The same material id under another key is another record.
        await store.materials.insert(material(other.arn, "m-middle"));
      }));

    it("deletes one material of one key", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const other = arnOf("00000000-0000-0000-0000-000000000002");
        await store.materials.insert(material(key, "m1"));
        await store.materials.insert(material(key, "m2"));
        await store.materials.insert(material(other, "m1"));
        await store.materials.delete(key, "m1");
        await store.materials.delete(key, "missing");
        assert.equal(await store.materials.get(key, "m1"), undefined);
        assert.deepEqual(await store.materials.get(key, "m2"), material(key, "m2"));
        assert.deepEqual(await store.materials.get(other, "m1"), material(other, "m1"));
      }));
  });

  describe("key rotation settings", () => {
    it("inserts and replaces a key's settings", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        assert.equal(await store.rotations.get(key), undefined);
        const on = rotation(key, { periodInDays: 90, onDemandRotations: 3 });
        await store.rotations.put(on);
        assert.deepEqual(await store.rotations.get(key), on);
        const off = rotation(key, {
          automatic: false,
          nextRotationDate: undefined,
          onDemandRotations: 25,
        });
        await store.rotations.put(off);
        assert.deepEqual(await store.rotations.get(key), off);
        assert.equal(await store.rotations.get(arnOf("other")), undefined);
      }));

    it("lists automatic rotations of Enabled keys due at or before now, soonest first", () =>
      withStore(async (store) => {
        const now = new Date("2026-01-01T00:00:00.000Z");
        const at = (ms: number) => new Date(now.getTime() + ms);
        const keys = {
          late: keyRecord("00000000-0000-0000-0000-000000000001"),
          exactly: keyRecord("00000000-0000-0000-0000-000000000002"),
          future: keyRecord("00000000-0000-0000-0000-000000000003"),
          manual: keyRecord("00000000-0000-0000-0000-000000000004"),
          disabled: keyRecord("00000000-0000-0000-0000-000000000005", { keyState: "Disabled" }),
          deleting: keyRecord("00000000-0000-0000-0000-000000000007", {
            keyState: "PendingDeletion",
          }),
          earliest: keyRecord("00000000-0000-0000-0000-000000000006"),
        };
        for (const k of Object.values(keys)) await store.keys.insert(k);
        await store.rotations.put(rotation(keys.late.arn, { nextRotationDate: at(-1000) }));
        await store.rotations.put(rotation(keys.exactly.arn, { nextRotationDate: now }));
        await store.rotations.put(rotation(keys.future.arn, { nextRotationDate: at(1) }));
        await store.rotations.put(
          rotation(keys.manual.arn, { automatic: false, nextRotationDate: at(-5000) }),
        );
        await store.rotations.put(rotation(keys.disabled.arn, { nextRotationDate: at(-5000) }));
        await store.rotations.put(rotation(keys.deleting.arn, { nextRotationDate: at(-5000) }));
        await store.rotations.put(rotation(keys.earliest.arn, { nextRotationDate: at(-9000) }));
        // Settings of a key that no longer exists are never due.
        await store.rotations.put(rotation(arnOf("gone"), { nextRotationDate: at(-9999) }));

        const due = await store.rotations.listDue(now);
        assert.deepEqual(
          due.map((r) => r.keyArn),
          [keys.earliest.arn, keys.late.arn, keys.exactly.arn],
        );
        assert.deepEqual(due[0], rotation(keys.earliest.arn, { nextRotationDate: at(-9000) }));
      }));
  });

  describe("key material history", () => {
    it("lists a key's entries by position, replacing an entry put again", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const other = arnOf("00000000-0000-0000-0000-000000000002");
        const rotated = historyEntry(key, "m-rotated", {
          position: 2,
          rotationDate: new Date("2025-06-01T00:00:00.5Z"),
          rotationType: "ON_DEMAND",
        });
        const imported = historyEntry(key, "m-imported", {
          position: 1,
          imported: {
            importState: "IMPORTED",
            expirationModel: "KEY_MATERIAL_EXPIRES",
            // Past 2038: the column holds more than 32 bits of milliseconds.
            validTo: new Date("9999-12-31T23:59:59.999Z"),
            description: "ünïcødé: material/1 - v.2",
          },
        });
        const pending = historyEntry(key, "m-pending", {
          position: 3,
          pendingRotation: true,
          imported: {
            importState: "IMPORTED",
            expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            validTo: undefined,
            description: undefined,
          },
        });
        for (const e of [rotated, pending, imported]) await store.materialHistory.put(e);
        await store.materialHistory.put(historyEntry(other, "m-imported"));
        assert.deepEqual(await store.materialHistory.listForKey(key), [imported, rotated, pending]);

        const deleted: KeyMaterialEntry = {
          ...imported,
          imported: { ...imported.imported!, importState: "PENDING_IMPORT" },
        };
        await store.materialHistory.put(deleted);
        assert.deepEqual(await store.materialHistory.listForKey(key), [deleted, rotated, pending]);

        await store.materialHistory.delete(key, "m-rotated");
        await store.materialHistory.delete(key, "missing");
        assert.deepEqual(await store.materialHistory.listForKey(key), [deleted, pending]);
        assert.deepEqual(await store.materialHistory.listForKey(other), [
          historyEntry(other, "m-imported"),
        ]);
      }));

    it("lists imported material that expires at or before now, soonest first", () =>
      withStore(async (store) => {
        const now = new Date("2026-01-01T00:00:00.000Z");
        const at = (ms: number) => new Date(now.getTime() + ms);
        const expiring = (
          keyArn: string,
          validTo: Date,
          importState: "IMPORTED" | "PENDING_IMPORT" = "IMPORTED",
        ) =>
          historyEntry(keyArn, "m", {
            imported: {
              importState,
              expirationModel: "KEY_MATERIAL_EXPIRES",
              validTo,
              description: undefined,
            },
          });
        const late = expiring(arnOf("k1"), at(-1000));
        const exactly = expiring(arnOf("k2"), now);
        const earliest = expiring(arnOf("k3"), at(-5000));
        for (const e of [
          late,
          exactly,
          earliest,
          expiring(arnOf("k4"), at(1)),
          // Already deleted: nothing left to expire.
          expiring(arnOf("k5"), at(-9000), "PENDING_IMPORT"),
          historyEntry(arnOf("k6"), "m", {
            imported: {
              importState: "IMPORTED",
              expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
              validTo: undefined,
              description: undefined,
            },
          }),
          historyEntry(arnOf("k7"), "m"),
        ])
          await store.materialHistory.put(e);
        assert.deepEqual(await store.materialHistory.listExpired(now), [earliest, late, exactly]);
      }));
  });

  describe("aliases", () => {
    it("inserts, gets, retargets and deletes an alias", () =>
      withStore(async (store) => {
        const record = alias("alias/app", "00000000-0000-0000-0000-000000000001");
        assert.equal(await store.aliases.get(account, region, "alias/app"), undefined);
        await store.aliases.insert(record);
        assert.deepEqual(await store.aliases.get(account, region, "alias/app"), record);
        assert.equal(await store.aliases.get(otherAccount, region, "alias/app"), undefined);
        assert.equal(await store.aliases.get(account, "eu-west-1", "alias/app"), undefined);
        assert.equal(await store.aliases.get(account, region, "alias/APP"), undefined);

        const retargeted = {
          ...record,
          targetKeyId: "00000000-0000-0000-0000-000000000002",
          lastUpdatedDate: new Date("2025-05-01T00:00:00.001Z"),
          // update() changes only the target and the update date.
          creationDate: new Date("2030-01-01T00:00:00Z"),
        };
        await store.aliases.update(retargeted);
        assert.deepEqual(await store.aliases.get(account, region, "alias/app"), {
          ...retargeted,
          creationDate: record.creationDate,
        });

        await store.aliases.delete(account, region, "alias/app");
        assert.equal(await store.aliases.get(account, region, "alias/app"), undefined);
        await store.aliases.delete(account, region, "alias/app");
      }));

    it("refuses a second alias with the same name in one account and Region", () =>
      withStore(async (store) => {
        await store.aliases.insert(alias("alias/app", "k1"));
        await assert.rejects(store.aliases.insert(alias("alias/app", "k2")));
        await store.aliases.insert(alias("alias/app", "k2", { accountId: otherAccount }));
        await store.aliases.insert(alias("alias/app", "k3", { region: "eu-west-1" }));
        assert.equal((await store.aliases.get(account, region, "alias/app"))?.targetKeyId, "k1");
      }));

    it("lists by name in code-point order, page by page, optionally for one key", () =>
      withStore(async (store) => {
        const names = [
          "alias/beta",
          "alias/Zeta",
          "alias/alpha",
          "alias/_under",
          "alias/aws/ebs",
          "alias/Alpha-2",
          "alias/alpha-1",
          "alias/a",
          "alias/B",
        ];
        for (const [i, name] of names.entries())
          await store.aliases.insert(alias(name, i % 2 === 0 ? "even" : "odd"));
        await store.aliases.insert(alias("alias/elsewhere", "even", { accountId: otherAccount }));
        await store.aliases.insert(alias("alias/elsewhere", "even", { region: "eu-west-1" }));

        const expected = codePointOrder(names);
        const all = await store.aliases.list(account, region, { limit: 100 });
        assert.deepEqual(
          all.map((a) => a.aliasName),
          expected,
        );
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.aliases.list(account, region, { limit: 2, after });
          seen.push(...page.map((a) => a.aliasName));
          if (page.length < 2) break;
          after = page.at(-1)!.aliasName;
        }
        assert.deepEqual(seen, expected);

        const even = names.filter((_, i) => i % 2 === 0);
        assert.deepEqual(
          (await store.aliases.list(account, region, { limit: 100, targetKeyId: "even" })).map(
            (a) => a.aliasName,
          ),
          codePointOrder(even),
        );
        const evenSorted = codePointOrder(even);
        assert.deepEqual(
          (
            await store.aliases.list(account, region, {
              limit: 2,
              targetKeyId: "even",
              after: evenSorted[0],
            })
          ).map((a) => a.aliasName),
          evenSorted.slice(1, 3),
        );
      }));
    it("pages completely, without overlap, at any depth while aliases come and go", () =>
      withStore(async (store) => {
        // Mixed case and punctuation, so code-point order is what is being paged.
        const nameOf = (n: number) =>
          `alias/${n % 3 === 0 ? "App" : n % 3 === 1 ? "app" : "_app"}-${spread(n)}`;
        const { seen, expected, pages } = await walkWhileChanging(
          {
            initial: upTo(240).map(nameOf),
            fresh: (n) => nameOf(1000 + n),
            page: async (after, limit) =>
              (await store.aliases.list(account, region, { limit, after })).map((a) => a.aliasName),
            create: (name) => store.aliases.insert(alias(name, "k1")),
            remove: (name) => store.aliases.delete(account, region, name),
          },
          7,
        );
        assert.ok(pages > 30, `only ${pages} pages`);
        assert.deepEqual(seen, expected);
      }));
  });

  describe("tags", () => {
    it("lists tags in the order they were first added, replacing values in place", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const other = arnOf("00000000-0000-0000-0000-000000000002");
        assert.deepEqual(await store.tags.list(key), []);
        await store.tags.put(key, [
          { key: "zeta", value: "1" },
          { key: "Alpha", value: "2" },
          { key: "mid", value: "" },
        ]);
        await store.tags.put(other, [{ key: "zeta", value: "other" }]);
        await store.tags.put(key, [
          { key: "alpha", value: "3" },
          { key: "zeta", value: "replaced" },
        ]);
        assert.deepEqual(await store.tags.list(key), [
          { key: "zeta", value: "replaced" },
          { key: "Alpha", value: "2" },
          { key: "mid", value: "" },
          { key: "alpha", value: "3" },
        ]);
        assert.deepEqual(await store.tags.list(other), [{ key: "zeta", value: "other" }]);
      }));

    it("removes the named tags; a removed tag added again goes last", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const other = arnOf("00000000-0000-0000-0000-000000000002");
        await store.tags.put(key, [
          { key: "a", value: "1" },
          { key: "b", value: "2" },
          { key: "c", value: "3" },
        ]);
        await store.tags.put(other, [{ key: "a", value: "other" }]);
        await store.tags.remove(key, ["a", "missing"]);
        await store.tags.remove(key, []);
        assert.deepEqual(await store.tags.list(key), [
          { key: "b", value: "2" },
          { key: "c", value: "3" },
        ]);
        await store.tags.put(key, [{ key: "a", value: "again" }]);
        assert.deepEqual(await store.tags.list(key), [
          { key: "b", value: "2" },
          { key: "c", value: "3" },
          { key: "a", value: "again" },
        ]);
        assert.deepEqual(await store.tags.list(other), [{ key: "a", value: "other" }]);
        await store.tags.remove(key, ["a", "b", "c"]);
        assert.deepEqual(await store.tags.list(key), []);
      }));
  });

  describe("grants", () => {
    it("returns every field as inserted, by key and grant id or by grant id alone", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const minimal = grant(grantId(1), key);
        const full = grant(grantId(2), key, {
          name: "nightly-batch ünïcødé",
          retiringPrincipal: `arn:aws:iam::${account}:role/retirer`,
          operations: ["GenerateDataKey", "RetireGrant", "DescribeKey"],
          constraints: {
            encryptionContextEquals: { Department: "IT", ünï: "cødé" },
            encryptionContextSubset: { Purpose: "Test" },
          },
        });
        await store.grants.insert(minimal);
        await store.grants.insert(full);
        assert.deepEqual(await store.grants.get(key, grantId(1)), minimal);
        assert.deepEqual(await store.grants.get(key, grantId(2)), full);
        assert.deepEqual(await store.grants.find(grantId(2)), full);
        assert.equal(await store.grants.get(arnOf("other"), grantId(1)), undefined);
        assert.equal(await store.grants.find(grantId(3)), undefined);
        await assert.rejects(store.grants.insert(grant(grantId(1), arnOf("other"))));
      }));

    it("lists a key's grants oldest first, by page, grant id or grantee", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const other = arnOf("00000000-0000-0000-0000-000000000002");
        const alice = `arn:aws:iam::${account}:user/alice`;
        const bob = `arn:aws:iam::${account}:user/bob`;
        const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
        // Created out of id order; two at the same instant are ordered by grant id.
        const grants = [
          grant(grantId(5), key, { creationDate: at(1), granteePrincipal: alice }),
          grant(grantId(3), key, { creationDate: at(2), granteePrincipal: bob }),
          grant(grantId(9), key, { creationDate: at(3), granteePrincipal: alice }),
          grant(grantId(7), key, { creationDate: at(3), granteePrincipal: bob }),
          grant(grantId(1), key, { creationDate: at(4), granteePrincipal: alice }),
        ];
        for (const g of [...grants].reverse()) await store.grants.insert(g);
        await store.grants.insert(grant(grantId(2), other, { granteePrincipal: alice }));
        const ids = (list: readonly GrantRecord[]) => list.map((g) => g.grantId);
        const expected = [grantId(5), grantId(3), grantId(7), grantId(9), grantId(1)];

        assert.deepEqual(ids(await store.grants.listForKey(key, { limit: 100 })), expected);
        const first = await store.grants.listForKey(key, { limit: 2 });
        assert.deepEqual(ids(first), expected.slice(0, 2));
        const resumeAfter = `${String(first[1]!.creationDate.getTime()).padStart(15, "0")}.${first[1]!.grantId}`;
        assert.deepEqual(
          ids(await store.grants.listForKey(key, { limit: 2, after: resumeAfter })),
          expected.slice(2, 4),
        );
        assert.deepEqual(
          ids(await store.grants.listForKey(key, { limit: 100, grantId: grantId(9) })),
          [grantId(9)],
        );
        assert.deepEqual(
          ids(await store.grants.listForKey(key, { limit: 100, grantId: grantId(2) })),
          [],
        );
        assert.deepEqual(
          ids(await store.grants.listForKey(key, { limit: 100, granteePrincipal: bob })),
          [grantId(3), grantId(7)],
        );
        assert.deepEqual(ids(await store.grants.listForGrantees(key, [alice, "nobody"])), [
          grantId(5),
          grantId(9),
          grantId(1),
        ]);
        assert.deepEqual(await store.grants.listForGrantees(key, []), []);
      }));

    it("pages a key's grants completely, without overlap, while grants come and go", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const at = new Date("2025-03-01T00:00:00Z");
        // Grants made at one instant sort by grant id, which is what varies here.
        const listKeyOf = (n: number) => grantListKey({ creationDate: at, grantId: grantIdOf(n) });
        const grantIdOf = (n: number) => `${spread(n)}${grantId(n).slice(8)}`;
        const idOf = (listKey: string) => listKey.slice(listKey.indexOf(".") + 1);
        const { seen, expected, pages } = await walkWhileChanging(
          {
            initial: upTo(120).map(listKeyOf),
            fresh: (n) => listKeyOf(1000 + n),
            page: async (after, limit) =>
              (await store.grants.listForKey(key, { limit, after })).map(grantListKey),
            create: (listKey) =>
              store.grants.insert(grant(idOf(listKey), key, { creationDate: at })),
            remove: async (listKey) => {
              await store.grants.delete(idOf(listKey));
            },
          },
          5,
        );
        assert.ok(pages > 20, `only ${pages} pages`);
        assert.deepEqual(seen, expected);
      }));

    it("lists retirable grants of one principal in one Region, finds grants by name, deletes", () =>
      withStore(async (store) => {
        const key = arnOf("00000000-0000-0000-0000-000000000001");
        const euKey = arnOf("00000000-0000-0000-0000-000000000002", account, "eu-west-1");
        const retirer = `arn:aws:iam::${account}:role/retirer`;
        const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
        await store.grants.insert(
          grant(grantId(1), key, { retiringPrincipal: retirer, creationDate: at(2), name: "n" }),
        );
        await store.grants.insert(
          grant(grantId(2), key, { retiringPrincipal: retirer, creationDate: at(1), name: "n" }),
        );
        await store.grants.insert(grant(grantId(3), key, { creationDate: at(3), name: "other" }));
        await store.grants.insert(
          grant(grantId(4), euKey, {
            retiringPrincipal: retirer,
            region: "eu-west-1",
            creationDate: at(0),
          }),
        );
        const ids = (list: readonly GrantRecord[]) => list.map((g) => g.grantId);

        assert.deepEqual(ids(await store.grants.listRetirable(retirer, region, { limit: 10 })), [
          grantId(2),
          grantId(1),
        ]);
        const first = await store.grants.listRetirable(retirer, region, { limit: 1 });
        const after = `${String(first[0]!.creationDate.getTime()).padStart(15, "0")}.${first[0]!.grantId}`;
        assert.deepEqual(
          ids(await store.grants.listRetirable(retirer, region, { limit: 1, after })),
          [grantId(1)],
        );
        assert.deepEqual(
          ids(await store.grants.listRetirable(retirer, "eu-west-1", { limit: 10 })),
          [grantId(4)],
        );
        assert.deepEqual(ids(await store.grants.findByName(key, "n")), [grantId(2), grantId(1)]);
        assert.deepEqual(await store.grants.findByName(euKey, "n"), []);

        assert.equal(await store.grants.delete(grantId(2)), true);
        assert.equal(await store.grants.delete(grantId(2)), false);
        assert.equal(await store.grants.delete(grantId(99)), false);
        assert.equal(await store.grants.find(grantId(2)), undefined);
        assert.deepEqual(ids(await store.grants.findByName(key, "n")), [grantId(1)]);
      }));
  });

  describe("key last usage", () => {
    it("has nothing for a key never used, then keeps the latest use", () =>
      withStore(async (store) => {
        const key = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        await store.keys.insert(key);
        assert.equal(await store.lastUsage.get(key.arn), undefined);

        await store.lastUsage.record(keyUse(key.arn, "2025-02-01T00:00:00Z", "Encrypt", "1"));
        await store.lastUsage.record(keyUse(key.arn, "2025-03-01T00:00:00Z", "Decrypt", "2"));
        // A slower request that started earlier finishes last: it must not win.
        await store.lastUsage.record(keyUse(key.arn, "2025-02-15T00:00:00Z", "Encrypt", "3"));
        assert.deepEqual(await store.lastUsage.get(key.arn), {
          trackingStartDate: undefined,
          lastUse: {
            operation: "Decrypt",
            timestamp: new Date("2025-03-01T00:00:00Z"),
            eventId: "e-2",
            requestId: "r-2",
          },
        });
      }));

    it("starts tracking keys that existed before migration 0002 at the migration", async () => {
      const { db, dialect } = await backend.database();
      let store: Store | undefined;
      try {
        const migrator = new Migrator({
          db,
          provider: migrationProvider(dialect),
          migrationTableName: "trent_migrations",
          migrationLockTableName: "trent_migrations_lock",
        });
        const { error } = await migrator.migrateTo("0001_initial");
        assert.equal(error, undefined);
        const old = keyRecord("1234abcd-12ab-34cd-56ef-1234567890ab");
        await db
          .insertInto("keys")
          .values({
            arn: old.arn,
            key_id: old.keyId,
            account_id: old.accountId,
            region: old.region,
            created_at: old.creationDate.getTime(),
            description: "",
            key_usage: old.keyUsage,
            key_spec: old.keySpec,
            origin: old.origin,
            key_manager: old.keyManager,
            key_state: old.keyState,
            deletion_date: null,
            pending_window_days: null,
            multi_region: 0,
            multi_region_key_type: null,
            custom_key_store_id: null,
            policy: "{}",
            current_material_id: null,
          })
          .execute();

        const before = Date.now();
        store = await openKyselyStore(db, dialect);
        const usage = await store.lastUsage.get(old.arn);
        assert.ok(usage?.trackingStartDate);
        assert.ok(usage.trackingStartDate.getTime() >= before);
        assert.equal(usage.lastUse, undefined);

        // A later use keeps the date tracking began.
        await store.lastUsage.record(keyUse(old.arn, "2030-01-01T00:00:00Z", "Encrypt", "1"));
        const used = await store.lastUsage.get(old.arn);
        assert.equal(used?.trackingStartDate?.getTime(), usage.trackingStartDate.getTime());
        assert.equal(used?.lastUse?.operation, "Encrypt");
        assert.deepEqual(await store.keys.get(old.arn), { ...old, policy: "{}" });
      } finally {
        await (store ? store.close() : db.destroy());
      }
    });
  });

  describe("root key registry and sealed secrets", () => {
    const check = (n: number) => new Uint8Array(45).fill(n);
    const rootKey = (version: number, changes: Partial<RootKeyRecord> = {}): RootKeyRecord => ({
      version,
      checkValue: check(version),
      createdAt: new Date("2025-04-01T00:00:00.001Z"),
      retiredAt: undefined,
      ...changes,
    });
    const secret = (name: string, version: number, fill: number): SealedSecretRecord => ({
      name,
      sealed: new Uint8Array(61).fill(fill),
      rootKeyVersion: version,
      createdAt: new Date("2025-04-02T00:00:00Z"),
    });

    it("registers each version once, lists them oldest first, and retires one", () =>
      withStore(async (store) => {
        assert.deepEqual(await store.rootKeys.list(), []);
        assert.equal(await store.rootKeys.register(rootKey(2)), true);
        assert.equal(await store.rootKeys.register(rootKey(1)), true);
        // Another node's registration of the same version loses quietly and changes nothing.
        assert.equal(await store.rootKeys.register(rootKey(1, { checkValue: check(9) })), false);
        assert.deepEqual(await store.rootKeys.list(), [rootKey(1), rootKey(2)]);
        const retiredAt = new Date("2025-05-01T00:00:00Z");
        await store.rootKeys.retire(1, retiredAt);
        await store.rootKeys.retire(1, new Date("2025-06-01T00:00:00Z"));
        assert.deepEqual(await store.rootKeys.list(), [rootKey(1, { retiredAt }), rootKey(2)]);
      }));

    it("tells which versions still seal rows, and counts rows per version", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await store.materials.insert(material(key.arn, "m1", { rootKeyVersion: 1 }));
        await store.materials.insert(material(key.arn, "m2", { rootKeyVersion: 2 }));
        await store.materials.insert(material(key.arn, "m3", { rootKeyVersion: 2 }));
        await store.materials.insert(material(key.arn, "m4", { rootKeyVersion: undefined }));
        await store.sealedSecrets.insert(secret("s", 3, 1));
        assert.equal(await store.rootKeys.isReferenced(1), true);
        assert.equal(await store.rootKeys.isReferenced(2), true);
        assert.equal(await store.rootKeys.isReferenced(3), true);
        assert.equal(await store.rootKeys.isReferenced(4), false);
        assert.equal(await store.rootKeys.isReferenced(undefined), true);
        assert.deepEqual(await store.rootKeys.countSealed(), [
          { version: undefined, keyMaterials: 1, sealedSecrets: 0 },
          { version: 1, keyMaterials: 1, sealedSecrets: 0 },
          { version: 2, keyMaterials: 2, sealedSecrets: 0 },
          { version: 3, keyMaterials: 0, sealedSecrets: 1 },
        ]);
        assert.equal(await store.materials.adoptUnversioned(1), 1);
        assert.equal(await store.rootKeys.isReferenced(undefined), false);
        assert.equal((await store.materials.get(key.arn, "m4"))?.rootKeyVersion, 1);
        assert.equal(await store.materials.adoptUnversioned(1), 0);
      }));

    it("lists the materials of one version in key order, page by page", () =>
      withStore(async (store) => {
        const a = arnOf("00000000-0000-0000-0000-00000000000a");
        const b = arnOf("00000000-0000-0000-0000-00000000000b");
        for (const [arn, id, version] of [
          [b, "m1", 1],
          [a, "m2", 1],
          [a, "m1", 1],
          [a, "m3", 2],
          [b, "m0", undefined],
        ] as const)
          await store.materials.insert(material(arn, id, { rootKeyVersion: version }));
        const ids = (records: KeyMaterialRecord[]) =>
          records.map((r) => `${r.keyArn.slice(-1)}/${r.materialId}`);
        const first = await store.materials.listSealedUnder(1, { limit: 2 });
        assert.deepEqual(ids(first), ["a/m1", "a/m2"]);
        const last = first.at(-1)!;
        const second = await store.materials.listSealedUnder(1, {
          limit: 2,
          after: { keyArn: last.keyArn, materialId: last.materialId },
        });
        assert.deepEqual(ids(second), ["b/m1"]);
        assert.deepEqual(second[0], material(b, "m1", { rootKeyVersion: 1 }));
        assert.deepEqual(ids(await store.materials.listSealedUnder(undefined, { limit: 9 })), [
          "b/m0",
        ]);
        assert.deepEqual(ids(await store.materials.listSealedUnder(3, { limit: 9 })), []);
      }));

    it("re-seals a material only while it is exactly as read", () =>
      withStore(async (store) => {
        const arn = arnOf("00000000-0000-0000-0000-000000000001");
        const old = material(arn, "m1", { rootKeyVersion: 1 });
        await store.materials.insert(old);
        const resealed = new Uint8Array(70).fill(7);
        assert.equal(await store.materials.reseal(old, resealed, 2), true);
        assert.deepEqual(await store.materials.get(arn, "m1"), {
          ...old,
          sealed: resealed,
          rootKeyVersion: 2,
        });
        // The same stale read again, or one with other bytes, changes nothing.
        assert.equal(await store.materials.reseal(old, new Uint8Array(70).fill(8), 3), false);
        const stale = { ...old, rootKeyVersion: 2, sealed: new Uint8Array(70).fill(6) };
        assert.equal(await store.materials.reseal(stale, new Uint8Array(70).fill(8), 3), false);
        assert.equal(
          await store.materials.reseal(material(arn, "gone"), new Uint8Array(1), 3),
          false,
        );
        assert.deepEqual((await store.materials.get(arn, "m1"))?.sealed, resealed);
        const legacy = material(arn, "m2", { rootKeyVersion: undefined });
        await store.materials.insert(legacy);
        assert.equal(await store.materials.reseal(legacy, resealed, 2), true);
        assert.equal((await store.materials.get(arn, "m2"))?.rootKeyVersion, 2);
      }));

    it("stores each sealed secret once, lists them by version, re-seals with compare-and-set", () =>
      withStore(async (store) => {
        assert.equal(await store.sealedSecrets.get("grant-token-key"), undefined);
        assert.equal(await store.sealedSecrets.insert(secret("grant-token-key", 1, 1)), true);
        assert.equal(await store.sealedSecrets.insert(secret("grant-token-key", 1, 2)), false);
        assert.equal(await store.sealedSecrets.insert(secret("import-key", 1, 3)), true);
        assert.deepEqual(
          await store.sealedSecrets.get("grant-token-key"),
          secret("grant-token-key", 1, 1),
        );
        assert.deepEqual(await store.sealedSecrets.listSealedUnder(1), [
          secret("grant-token-key", 1, 1),
          secret("import-key", 1, 3),
        ]);
        const resealed = new Uint8Array(61).fill(4);
        assert.equal(
          await store.sealedSecrets.reseal(secret("import-key", 1, 3), resealed, 2),
          true,
        );
        assert.equal(
          await store.sealedSecrets.reseal(secret("import-key", 1, 3), resealed, 3),
          false,
        );
        assert.deepEqual(await store.sealedSecrets.listSealedUnder(2), [
          { ...secret("import-key", 2, 3), sealed: resealed },
        ]);
      }));

    it("gives key material from before migration 0006 no root key version", async () => {
      const { db, dialect } = await backend.database();
      let store: Store | undefined;
      try {
        const migrator = new Migrator({
          db,
          provider: migrationProvider(dialect),
          migrationTableName: "trent_migrations",
          migrationLockTableName: "trent_migrations_lock",
        });
        assert.equal((await migrator.migrateTo("0005_multi_region_keys")).error, undefined);
        const arn = arnOf("00000000-0000-0000-0000-000000000001");
        const old = material(arn, "m1", { rootKeyVersion: undefined });
        await sql`insert into key_materials (key_arn, material_id, sealed, public_key, created_at) values (${arn}, ${"m1"}, ${old.sealed}, ${null}, ${old.createdAt.getTime()})`.execute(
          db,
        );
        store = await openKyselyStore(db, dialect);
        assert.deepEqual(await store.materials.get(arn, "m1"), old);
        assert.deepEqual(await store.rootKeys.list(), []);
        assert.equal(await store.rootKeys.isReferenced(undefined), true);
      } finally {
        await (store ? store.close() : db.destroy());
      }
    });
  });

  describe("transactions", () => {
    it("commits every write and returns the work's value", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        const result = await store.transaction(async (tx) => {
          await tx.keys.insert(key);
          await tx.aliases.insert(alias("alias/k", key.keyId));
          // Reads inside the transaction see its own writes.
          assert.deepEqual(await tx.keys.get(key.arn), key);
          return "done";
        });
        assert.equal(result, "done");
        assert.deepEqual(await store.keys.get(key.arn), key);
        assert.ok(await store.aliases.get(account, region, "alias/k"));
      }));

    it("rolls every write back when the work throws, and rethrows the same error", () =>
      withStore(async (store) => {
        const existing = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(existing);
        await store.materials.insert(material(existing.arn, "m1"));
        await store.aliases.insert(alias("alias/existing", existing.keyId));
        await store.tags.put(existing.arn, [{ key: "t", value: "v" }]);
        await store.grants.insert(grant(grantId(1), existing.arn));
        await store.lastUsage.record(keyUse(existing.arn, "2025-01-01T00:00:00Z", "Encrypt", "1"));

        const fresh = keyRecord("00000000-0000-0000-0000-000000000002");
        const thrown = new Rollback("stop");
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.keys.insert(fresh);
            await tx.materials.insert(material(fresh.arn, "m1"));
            await tx.keys.update({ ...existing, keyState: "Disabled", description: "changed" });
            await tx.aliases.insert(alias("alias/fresh", fresh.keyId));
            await tx.aliases.update({ ...alias("alias/existing", fresh.keyId) });
            await tx.tags.put(existing.arn, [
              { key: "t", value: "changed" },
              { key: "new", value: "x" },
            ]);
            await tx.grants.insert(grant(grantId(2), existing.arn));
            await tx.grants.delete(grantId(1));
            await tx.materials.delete(existing.arn, "m1");
            await tx.rotations.put(rotation(existing.arn));
            await tx.materialHistory.put(historyEntry(fresh.arn, "m1"));
            await tx.lastUsage.record(keyUse(existing.arn, "2026-01-01T00:00:00Z", "Decrypt", "2"));
            // A nested transaction joins this one and rolls back with it.
            await tx.transaction(async (inner) => {
              await inner.tags.put(fresh.arn, [{ key: "inner", value: "y" }]);
            });
            throw thrown;
          }),
          (error) => error === thrown,
        );

        assert.equal(await store.keys.get(fresh.arn), undefined);
        assert.equal(await store.materials.get(fresh.arn, "m1"), undefined);
        assert.deepEqual(await store.keys.get(existing.arn), existing);
        assert.equal(await store.aliases.get(account, region, "alias/fresh"), undefined);
        assert.equal(
          (await store.aliases.get(account, region, "alias/existing"))?.targetKeyId,
          existing.keyId,
        );
        assert.deepEqual(await store.tags.list(existing.arn), [{ key: "t", value: "v" }]);
        assert.deepEqual(await store.tags.list(fresh.arn), []);
        assert.ok(await store.grants.find(grantId(1)));
        assert.equal(await store.grants.find(grantId(2)), undefined);
        assert.deepEqual(
          await store.materials.get(existing.arn, "m1"),
          material(existing.arn, "m1"),
        );
        assert.equal(await store.rotations.get(existing.arn), undefined);
        assert.deepEqual(await store.materialHistory.listForKey(fresh.arn), []);
        assert.equal((await store.lastUsage.get(existing.arn))?.lastUse?.operation, "Encrypt");
      }));

    it("rolls back a key deletion that fails part way", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await store.materials.insert(material(key.arn, "m1"));
        await store.aliases.insert(alias("alias/k", key.keyId));
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.keys.delete(key.arn);
            assert.equal(await tx.keys.get(key.arn), undefined);
            throw new Rollback("after delete");
          }),
          Rollback,
        );
        assert.deepEqual(await store.keys.get(key.arn), key);
        assert.ok(await store.materials.get(key.arn, "m1"));
        assert.ok(await store.aliases.get(account, region, "alias/k"));
      }));

    it("keeps working after a rolled-back transaction and a failed statement", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await assert.rejects(store.transaction(async (tx) => tx.keys.insert(key)));
        await assert.rejects(store.keys.insert(key));
        await store.transaction(async (tx) => tx.keys.update({ ...key, description: "after" }));
        assert.equal((await store.keys.get(key.arn))?.description, "after");
      }));
  });

  describe("locks", () => {
    it("return what they lock as it now stands, and undefined for what does not exist", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await store.aliases.insert(alias("alias/k", key.keyId));
        await store.customKeyStores.insert(customKeyStore("cks-1", "one"));
        await store.keys.update({ ...key, description: "changed" });
        await store.transaction(async (tx) => {
          assert.deepEqual(await tx.keys.lock(key.arn), { ...key, description: "changed" });
          assert.equal(
            await tx.keys.lock(arnOf("00000000-0000-0000-0000-000000000009")),
            undefined,
          );
          assert.deepEqual(
            await tx.aliases.lock(account, region, "alias/k"),
            alias("alias/k", key.keyId),
          );
          assert.equal(await tx.aliases.lock(account, region, "alias/none"), undefined);
          assert.equal(await tx.aliases.lock(otherAccount, region, "alias/k"), undefined);
          assert.deepEqual(
            await tx.customKeyStores.lock(account, region, "cks-1"),
            customKeyStore("cks-1", "one"),
          );
          assert.equal(await tx.customKeyStores.lock(account, "eu-west-1", "cks-1"), undefined);
          await tx.customKeyStores.lockNames(region);
        });
      }));

    it("refuse to lock outside a transaction, where nothing would hold the lock", () =>
      withStore(async (store) => {
        const outside = /outside a transaction/;
        await assert.rejects(
          store.keys.lock(arnOf("00000000-0000-0000-0000-000000000001")),
          outside,
        );
        await assert.rejects(store.aliases.lock(account, region, "alias/k"), outside);
        await assert.rejects(store.customKeyStores.lock(account, region, "cks-1"), outside);
        await assert.rejects(store.customKeyStores.lockNames(region), outside);
      }));

    it("run transactions that lock one key one after the other", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await store.rotations.put(rotation(key.arn, { onDemandRotations: 0 }));
        const seen = await concurrentIncrements(
          store,
          8,
          (tx) => tx.keys.lock(key.arn),
          async (tx) => (await tx.rotations.get(key.arn))?.onDemandRotations ?? -1,
          async (tx, value) => {
            const settings = await tx.rotations.get(key.arn);
            if (settings) await tx.rotations.put({ ...settings, onDemandRotations: value });
          },
        );
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          upTo(8),
        );
        assert.equal((await store.rotations.get(key.arn))?.onDemandRotations, 8);
      }));

    it("lock a multi-Region key together with its related keys in other Regions", () =>
      withStore(async (store) => {
        const keyId = "mrk-1234abcd12ab34cd56ef1234567890ab";
        const primary = keyRecord(keyId, { multiRegion: true, multiRegionKeyType: "PRIMARY" });
        const replica = keyRecord(keyId, {
          region: "eu-west-1",
          multiRegion: true,
          multiRegionKeyType: "REPLICA",
        });
        await store.keys.insert(primary);
        await store.keys.insert(replica);
        // Half the runs lock the primary, half the replica; all write the replica.
        let run = 0;
        const seen = await concurrentIncrements(
          store,
          8,
          (tx) => tx.keys.lock((run++ % 2 === 0 ? primary : replica).arn),
          async (tx) => Number((await tx.keys.get(replica.arn))?.description || "0"),
          async (tx, value) => {
            const current = await tx.keys.get(replica.arn);
            if (current) await tx.keys.update({ ...current, description: String(value) });
          },
        );
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          upTo(8),
        );
        assert.equal((await store.keys.get(replica.arn))?.description, "8");
      }));

    it("run transactions that lock one alias one after the other", () =>
      withStore(async (store) => {
        await store.aliases.insert(alias("alias/counter", "0"));
        const seen = await concurrentIncrements(
          store,
          8,
          (tx) => tx.aliases.lock(account, region, "alias/counter"),
          async (tx) =>
            Number((await tx.aliases.get(account, region, "alias/counter"))?.targetKeyId),
          (tx, value) => tx.aliases.update(alias("alias/counter", String(value))),
        );
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          upTo(8),
        );
      }));

    it("run transactions that lock one custom key store one after the other", () =>
      withStore(async (store) => {
        await store.customKeyStores.insert(customKeyStore("cks-1", "0"));
        const seen = await concurrentIncrements(
          store,
          8,
          (tx) => tx.customKeyStores.lock(account, region, "cks-1"),
          async (tx) => Number((await tx.customKeyStores.get(account, region, "cks-1"))?.name),
          (tx, value) => tx.customKeyStores.update(customKeyStore("cks-1", String(value))),
        );
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          upTo(8),
        );
      }));

    it("let exactly one of several transactions that check a name is free insert it", () =>
      withStore(async (store) => {
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            store.transaction(async (tx) => {
              await tx.customKeyStores.lockNames(region);
              if (await tx.customKeyStores.findByName(account, region, "shared")) return "taken";
              await pause();
              await tx.customKeyStores.insert(customKeyStore(`cks-${i}`, "shared"));
              return "inserted";
            }),
          ),
        );
        assert.deepEqual([...outcomes].sort(), [
          "inserted",
          "taken",
          "taken",
          "taken",
          "taken",
          "taken",
        ]);
        assert.equal((await store.customKeyStores.list(account, region, { limit: 10 })).length, 1);
      }));
  });

  describe("reset", () => {
    it("wipes every KMS record but the root key registry, and the store stays usable", () =>
      withStore(async (store) => {
        const key = keyRecord("00000000-0000-0000-0000-000000000001");
        await store.keys.insert(key);
        await store.materials.insert(material(key.arn, "m1"));
        await store.aliases.insert(alias("alias/k", key.keyId));
        await store.tags.put(key.arn, [{ key: "t", value: "v" }]);
        await store.grants.insert(grant(grantId(1), key.arn));
        await store.lastUsage.record(keyUse(key.arn, "2025-01-01T00:00:00Z", "Encrypt", "1"));
        await store.rotations.put(rotation(key.arn));
        await store.materialHistory.put(historyEntry(key.arn, "m1"));
        const rootKey = {
          version: 1,
          checkValue: new Uint8Array(45).fill(1),
          createdAt: new Date("2025-04-01T00:00:00Z"),
          retiredAt: undefined,
        };
        await store.rootKeys.register(rootKey);
        const secret = {
          name: "grant-token-key",
          sealed: new Uint8Array(61).fill(2),
          rootKeyVersion: 1,
          createdAt: new Date("2025-04-01T00:00:00Z"),
        };
        await store.sealedSecrets.insert(secret);

        await store.reset();

        // Root key custody is not KMS state: the keys that seal the store stay as they were.
        assert.deepEqual(await store.rootKeys.list(), [rootKey]);
        assert.deepEqual(await store.sealedSecrets.get(secret.name), secret);

        assert.equal(await store.keys.get(key.arn), undefined);
        assert.deepEqual(await store.keys.list(account, region, { limit: 10 }), []);
        assert.deepEqual(await store.materials.listForKey(key.arn), []);
        assert.deepEqual(await store.aliases.list(account, region, { limit: 10 }), []);
        assert.deepEqual(await store.tags.list(key.arn), []);
        assert.equal(await store.grants.find(grantId(1)), undefined);
        assert.equal(await store.lastUsage.get(key.arn), undefined);
        assert.equal(await store.rotations.get(key.arn), undefined);
        assert.deepEqual(await store.materialHistory.listForKey(key.arn), []);

        await store.keys.insert(key);
        assert.deepEqual(await store.keys.get(key.arn), key);
      }));
  });
}
