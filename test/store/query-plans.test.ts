/**
 * The store's queries must stay index reads as the key count grows: a request, a sweep or a
 * page of a listing at a million keys costs what it costs at a thousand. Each case runs store
 * methods through the real store, catches the SQL they send (Kysely's log), and asks the
 * database how it would run each statement: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (FORMAT JSON)
 * on PostgreSQL. A full scan of a table (or of a whole index) fails the case, and so does a
 * sort in a listing that pages, whose pages must come in index order (keyset paging).
 *
 * The tables are nearly empty, so the plans do not depend on statistics: SQLite plans from its
 * default estimates (which assume large tables); PostgreSQL is told that a sequential scan (and,
 * for a paged listing, a sort) is too costly to choose whenever an index can do (enable_seqscan,
 * enable_sort off), so what it picks says what the indexes allow, not what a tiny table makes
 * cheapest.
 *
 * Left out on purpose: keys.count (a count of every key; `trent status` only) and
 * materials.adoptUnversioned (once, when a store from before root key versions is adopted).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { openKyselyStore, type StoreDialect } from "../../src/platform/store/kysely-store.js";
import type { Database } from "../../src/platform/store/schema.js";
import type { Store } from "../../src/platform/store/store.js";
import type { CustomKeyStoreRecord } from "../../src/vocabulary/custom-key-store-records.js";
import type { GrantRecord } from "../../src/vocabulary/grant-records.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import { storedKey } from "../support/key-records.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";

const account = "111122223333";
const region = "us-east-1";
const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const arn = `arn:aws:kms:${region}:${account}:key/${keyId}`;
const otherKeyId = "2234abcd-12ab-34cd-56ef-1234567890ab";
const otherArn = `arn:aws:kms:${region}:${account}:key/${otherKeyId}`;
const grantId = "a".repeat(64);
const principal = `arn:aws:iam::${account}:role/app`;

function keyRecord(id: string, keyArn: string): KeyRecord {
  return storedKey(id, { arn: keyArn, policy: "{}", currentKeyMaterialId: "m1" });
}

const grant: GrantRecord = {
  grantId,
  keyArn: arn,
  region,
  name: "g",
  creationDate: new Date("2025-01-01T00:00:00Z"),
  granteePrincipal: principal,
  retiringPrincipal: principal,
  issuingAccount: `arn:aws:iam::${account}:root`,
  operations: ["Encrypt"],
  constraints: undefined,
};

const customKeyStore: CustomKeyStoreRecord = {
  id: "cks-1234567890abcdef0",
  accountId: account,
  region,
  name: "store",
  type: "EXTERNAL_KEY_STORE",
  creationDate: new Date("2025-01-01T00:00:00Z"),
  connectionState: "DISCONNECTED",
  connectionErrorCode: undefined,
  xks: {
    connectivity: "PUBLIC_ENDPOINT",
    uriEndpoint: "https://xks.example.com",
    uriPath: "/kms/xks/v1",
    accessKeyId: "A".repeat(20),
    credentialMaterialId: "credential",
  },
};

/** A few rows, so that the methods that read before they write reach their writes. */
async function seed(store: Store): Promise<void> {
  const now = new Date("2025-01-01T00:00:00Z");
  await store.keys.insert(keyRecord(keyId, arn));
  await store.keys.insert(keyRecord(otherKeyId, otherArn));
  await store.materials.insert({
    keyArn: arn,
    materialId: "m1",
    sealed: new Uint8Array(60),
    publicKey: undefined,
    createdAt: now,
    rootKeyVersion: 1,
  });
  await store.aliases.insert({
    accountId: account,
    region,
    aliasName: "alias/app",
    targetKeyId: keyId,
    creationDate: now,
    lastUpdatedDate: now,
  });
  await store.grants.insert(grant);
  await store.tags.put(arn, [{ key: "team", value: "a" }]);
  await store.customKeyStores.insert(customKeyStore);
}

interface PlanCase {
  readonly name: string;
  /** The store calls whose statements must all be index reads. */
  run(store: Store): Promise<unknown>;
  /** A listing that pages: its rows must come from an index in order, never from a sort. */
  readonly paged?: boolean;
}

const now = new Date("2025-06-01T00:00:00Z");

/** Every query of the request path, the listings, the sweeps and start-up. */
const cases: readonly PlanCase[] = [
  { name: "keys.get (every request)", run: (s) => s.keys.get(arn) },
  {
    name: "keys.lock (key and its multi-Region relatives)",
    run: (s) => s.transaction((tx) => tx.keys.lock(arn)),
  },
  { name: "keys.update", run: async (s) => s.keys.update(keyRecord(keyId, arn)) },
  {
    name: "keys.list first page (ListKeys)",
    run: (s) => s.keys.list(account, region, { limit: 101 }),
    paged: true,
  },
  {
    name: "keys.list deep page (ListKeys with a marker)",
    run: (s) => s.keys.list(account, region, { limit: 101, after: keyId }),
    paged: true,
  },
  {
    name: "keys.listAll after a position (trent export)",
    run: (s) => s.keys.listAll({ limit: 100, after: arn }),
    paged: true,
  },
  { name: "keys.listRelated", run: (s) => s.keys.listRelated(account, keyId) },
  { name: "keys.listDueForDeletion (sweep)", run: (s) => s.keys.listDueForDeletion(now) },
  {
    name: "keys.delete (with its material, aliases, tags, grants)",
    run: (s) => s.transaction((tx) => tx.keys.delete(otherArn)),
  },
  { name: "materials.get (every cryptographic request)", run: (s) => s.materials.get(arn, "m1") },
  { name: "materials.listForKey", run: (s) => s.materials.listForKey(arn) },
  {
    name: "materials.listSealedUnder (root key rotation)",
    run: (s) =>
      s.materials.listSealedUnder(1, { limit: 100, after: { keyArn: arn, materialId: "m1" } }),
    paged: true,
  },
  {
    name: "rootKeys.isReferenced (start-up proof)",
    run: async (s) => {
      await s.rootKeys.isReferenced(1);
      await s.rootKeys.isReferenced(undefined);
    },
  },
  {
    name: "aliases.get (alias references)",
    run: (s) => s.aliases.get(account, region, "alias/app"),
  },
  {
    name: "aliases.lock",
    run: (s) => s.transaction((tx) => tx.aliases.lock(account, region, "alias/app")),
  },
  {
    name: "aliases.list first page (ListAliases)",
    run: (s) => s.aliases.list(account, region, { limit: 51 }),
    paged: true,
  },
  {
    name: "aliases.list deep page (ListAliases with a marker)",
    run: (s) => s.aliases.list(account, region, { limit: 51, after: "alias/app" }),
    paged: true,
  },
  {
    name: "aliases.list of one key (ListAliases KeyId, the alias quota)",
    run: (s) => s.aliases.list(account, region, { limit: 51, targetKeyId: keyId }),
  },
  { name: "tags.list", run: (s) => s.tags.list(arn) },
  {
    name: "tags.put and tags.remove",
    run: async (s) => {
      await s.tags.put(arn, [{ key: "env", value: "b" }]);
      await s.tags.remove(arn, ["env"]);
    },
  },
  { name: "grants.find (grant tokens)", run: (s) => s.grants.find(grantId) },
  { name: "grants.get", run: (s) => s.grants.get(arn, grantId) },
  {
    name: "grants.listForKey (ListGrants)",
    run: (s) => s.grants.listForKey(arn, { limit: 51, after: "000000000000000.a" }),
    paged: true,
  },
  {
    name: "grants.listForGrantees (authorization by grants)",
    run: (s) => s.grants.listForGrantees(arn, [principal, `arn:aws:iam::${account}:root`]),
  },
  {
    name: "grants.listRetirable (ListRetirableGrants)",
    run: (s) => s.grants.listRetirable(principal, region, { limit: 51, after: "0" }),
    paged: true,
  },
  { name: "grants.findByName", run: (s) => s.grants.findByName(arn, "g") },
  { name: "grants.delete", run: (s) => s.grants.delete("b".repeat(64)) },
  {
    name: "lastUsage.record and get (every cryptographic request)",
    run: async (s) => {
      await s.lastUsage.record({
        keyArn: arn,
        operation: "Encrypt",
        timestamp: now,
        eventId: "e",
        requestId: "r",
      });
      await s.lastUsage.get(arn);
    },
  },
  { name: "rotations.get", run: (s) => s.rotations.get(arn) },
  { name: "rotations.listDue (sweep)", run: (s) => s.rotations.listDue(now) },
  { name: "materialHistory.listForKey", run: (s) => s.materialHistory.listForKey(arn) },
  { name: "materialHistory.listExpired (sweep)", run: (s) => s.materialHistory.listExpired(now) },
  {
    name: "customKeyStores lookups",
    run: async (s) => {
      await s.customKeyStores.get(account, region, customKeyStore.id);
      await s.customKeyStores.findByName(account, region, "store");
      await s.customKeyStores.findByProxyUri(region, "https://xks.example.com", "/kms/xks/v1");
      await s.customKeyStores.keyArns(customKeyStore.id);
      await s.customKeyStores.getXksKey(arn);
      await s.customKeyStores.findXksKey(customKeyStore.id, "xks-key");
    },
  },
];

/** Statements that have a query plan (not begin, commit, savepoint...). */
function planned(query: CompiledQuery): boolean {
  return /^\s*(select|insert|update|delete|with)\b/i.test(query.sql);
}

interface PlanBackend {
  readonly store: Store;
  /** Statements the store sent since the last call, in order. */
  take(): CompiledQuery[];
  /** Why the statement's plan is not an index read, or undefined when it is. */
  problem(query: CompiledQuery, paged: boolean): Promise<string | undefined>;
  close(): Promise<void>;
}

async function sqliteBackend(): Promise<PlanBackend> {
  const sqlite = new SQLite(":memory:");
  let sent: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      sent.push(event.query);
    },
  });
  const store = await openKyselyStore(db, { binary: "blob" });
  return {
    store,
    take() {
      const taken = sent;
      sent = [];
      return taken;
    },
    async problem(query, paged) {
      const rows = sqlite
        .prepare(`explain query plan ${query.sql}`)
        .all(...(query.parameters as unknown[])) as { detail: string }[];
      const plan = rows.map((row) => row.detail);
      // SCAN is every row of a table or index; SEARCH is a range of an index.
      const scan = plan.find((line) => /^SCAN\b/.test(line) && !/CONSTANT ROW/.test(line));
      if (scan !== undefined) return `full scan: ${plan.join("; ")}`;
      if (paged && plan.some((line) => /TEMP B-TREE/.test(line)))
        return `sorts instead of reading an index in order: ${plan.join("; ")}`;
      return undefined;
    },
    close: () => store.close(),
  };
}

interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly "Index Name"?: string;
  readonly "Index Cond"?: string;
  readonly Plans?: readonly PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function postgresBackend(url: string): Promise<PlanBackend> {
  const dialect: StoreDialect = { binary: "bytea", sortCollation: "C", concurrentWriters: true };
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  let sent: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      sent.push(event.query);
    },
  });
  const store = await openKyselyStore(db, dialect);
  const explainer = new pg.Client({ connectionString: url });
  await explainer.connect();
  await explainer.query("set enable_seqscan = off");
  const indexes = await explainer.query<{ name: string; first: string }>(
    `select c.relname as name, a.attname as first
       from pg_index i
       join pg_class c on c.oid = i.indexrelid
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]`,
  );
  const leadingColumns = new Map(indexes.rows.map((row) => [row.name, row.first]));
  let sized = false;
  return {
    store,
    take() {
      const taken = sent;
      sent = [];
      return taken;
    },
    async problem(query, paged) {
      if (!sized) {
        // With near-empty tables every index costs about the same to PostgreSQL, and it may
        // pick one whose first column the query does not name (the console's keys_by_state for
        // the sweeps, say). So the plans are made over 5,000 more keys as a deployment has them
        // (enabled, rotating automatically some day, none due), copied from a seeded key and
        // analyzed: the planner then takes the index a million keys would need it to.
        await explainer.query(
          `insert into keys
           select (jsonb_populate_record(null::keys, to_jsonb(k) || jsonb_build_object(
                     'arn', k.arn || '-plan-' || g, 'key_id', k.key_id || '-plan-' || g,
                     'key_state', 'Enabled', 'deletion_date', null))).*
             from (select * from keys limit 1) k, generate_series(1, 5000) g`,
        );
        await explainer.query(
          `insert into key_rotations (key_arn, automatic, period_days, next_rotation_at, on_demand_rotations)
           select arn, 1, 365, 4102444800000, 0 from keys where arn like '%-plan-%'`,
        );
        await explainer.query("analyze keys, key_rotations");
        sized = true;
      }
      // A listing that pages must not sort; any other query may sort its few rows, and
      // forbidding that would push the planner onto whole-index walks in sort order.
      await explainer.query(`set enable_sort = ${paged ? "off" : "on"}`);
      // EXPLAIN of a locking read or a write only plans it: nothing runs.
      const { rows } = await explainer.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        `explain (format json) ${query.sql}`,
        query.parameters as unknown[],
      );
      const top = rows[0]?.["QUERY PLAN"][0]?.Plan;
      if (top === undefined) return "no plan";
      const nodes = nodesOf(top);
      const describe = () =>
        nodes
          .map((n) => `${n["Node Type"]} ${n["Index Name"] ?? n["Relation Name"] ?? ""}`.trim())
          .join(" > ");
      if (nodes.some((n) => n["Node Type"] === "Seq Scan")) return `full scan: ${describe()}`;
      // An index read is a range only when its condition names the index's first column;
      // otherwise it walks the whole index (PostgreSQL accepts conditions on later columns).
      const unbounded = nodes.find((n) => {
        if (!/Index (Only )?Scan$/.test(n["Node Type"])) return false;
        const first = leadingColumns.get(n["Index Name"] ?? "");
        const condition = n["Index Cond"] ?? "";
        return first === undefined || !new RegExp(`\\b${first}\\b`).test(condition);
      });
      if (unbounded !== undefined) return `whole-index scan: ${describe()}`;
      if (paged && nodes.some((n) => /Sort$/.test(n["Node Type"])))
        return `sorts instead of reading an index in order: ${describe()}`;
      return undefined;
    },
    async close() {
      await explainer.end();
      await store.close();
    },
  };
}

function planCases(open: () => Promise<PlanBackend>): void {
  let backend: PlanBackend;
  before(async () => {
    backend = await open();
    await seed(backend.store);
    backend.take();
  });
  after(() => backend.close());

  for (const planCase of cases)
    it(planCase.name, async () => {
      await planCase.run(backend.store);
      const statements = backend.take().filter(planned);
      assert.ok(statements.length > 0, "the store sent no statement to plan");
      for (const statement of statements) {
        const problem = await backend.problem(statement, planCase.paged === true);
        assert.equal(problem, undefined, `${statement.sql}\n→ ${problem}`);
      }
    });
}

describe("query plans on SQLite use indexes", () => {
  planCases(sqliteBackend);
});

describe("query plans on PostgreSQL use indexes", { skip: postgresSkipReason() }, () => {
  planCases(async () => {
    const postgres: TestPostgres = await startTestPostgres();
    try {
      const backend = await postgresBackend(await postgres.createDatabase());
      return {
        ...backend,
        async close() {
          await backend.close();
          await postgres.stop();
        },
      };
    } catch (error) {
      await postgres.stop();
      throw error;
    }
  });
});
