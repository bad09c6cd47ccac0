/**
 * The scale check on PostgreSQL, by hand (not part of `npm run bench`): `npx tsx
 * bench/scale-postgres.ts` starts a throwaway cluster (test/support/postgres.ts), fills one
 * database with 1,000 keys and one with 1,000,000 (each with a key material row and an alias)
 * in SQL, runs ANALYZE, times the store's hot queries through Trent's Store (wall time per
 * call, 1,000 keys spread over the key space), and prints EXPLAIN ANALYZE of the deep ListKeys
 * and ListAliases pages and of the deletion sweep at a million keys. The rows are shaped like
 * Trent's (same columns, a 250-byte policy) but their material is not sealed: nothing here
 * opens it. Takes a few minutes; prints JSON.
 */
import pg from "pg";
import { openPostgresStore } from "../src/platform/store/postgres.js";
import { startTestPostgres } from "../test/support/postgres.js";

const postgres = await startTestPostgres();
try {
  const results: Record<string, unknown> = {};
  for (const n of [1000, 1_000_000]) {
    const url = await postgres.createDatabase();
    const store = await openPostgresStore(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const t0 = performance.now();
    await client.query(`insert into keys (arn, key_id, account_id, region, created_at, description, key_usage, key_spec, origin, key_manager, key_state, deletion_date, pending_window_days, multi_region, multi_region_key_type, custom_key_store_id, policy, current_material_id)
      select 'arn:aws:kms:us-east-1:111122223333:key/' || id, id, '111122223333', 'us-east-1', 1735689600000, '', 'ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT', 'AWS_KMS', 'CUSTOMER', 'Enabled', null, null, 0, null, null, repeat('p', 250), md5(id)
      from (select md5(g::text)::uuid::text as id from generate_series(1, ${n}) g) s`);
    await client.query(
      `insert into key_materials (key_arn, material_id, sealed, public_key, created_at, root_key_version) select arn, current_material_id, decode(repeat('00', 60), 'hex'), null, 0, 1 from keys`,
    );
    await client.query(
      `insert into aliases (account_id, region, alias_name, target_key_id, created_at, updated_at) select account_id, region, 'alias/scale-' || lpad(row_number() over (order by key_id)::text, 8, '0'), key_id, 0, 0 from keys`,
    );
    await client.query("analyze");
    const seedMs = performance.now() - t0;
    const ids = (
      await client.query('select key_id from keys order by key_id collate "C"')
    ).rows.map((r) => r.key_id as string);
    const deepKey = ids[Math.floor(n * 0.9) - 1]!;
    const deepAlias = `alias/scale-${String(Math.floor(n * 0.9)).padStart(8, "0")}`;
    const sample = Array.from({ length: 1000 }, (_, i) => ids[Math.floor((i * (n - 1)) / 999)]!);
    const plan = async (sql: string, params: unknown[]) =>
      (await client.query(`explain (analyze, format text) ${sql}`, params)).rows
        .map((r) => r["QUERY PLAN"])
        .join("\n");
    const time = async (label: string, calls: number, f: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 200; i++) await f(i);
      const s = performance.now();
      for (let i = 0; i < calls; i++) await f(i);
      return [label, `${(((performance.now() - s) * 1000) / calls).toFixed(0)} µs`];
    };
    const arnOf = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;
    const times = [
      await time("keys.get", 2000, (i) => store.keys.get(arnOf(sample[i % 1000]!))),
      await time("materials.get", 2000, (i) => store.materials.get(arnOf(sample[i % 1000]!), "x")),
      await time("keys.list first", 300, () =>
        store.keys.list("111122223333", "us-east-1", { limit: 101 }),
      ),
      await time("keys.list 90%", 300, () =>
        store.keys.list("111122223333", "us-east-1", { limit: 101, after: deepKey }),
      ),
      await time("aliases.list first", 300, () =>
        store.aliases.list("111122223333", "us-east-1", { limit: 51 }),
      ),
      await time("aliases.list 90%", 300, () =>
        store.aliases.list("111122223333", "us-east-1", { limit: 51, after: deepAlias }),
      ),
      await time("listDueForDeletion", 300, () => store.keys.listDueForDeletion(new Date())),
    ];
    const size = (await client.query("select pg_database_size(current_database()) as b")).rows[0].b;
    results[n] = {
      seedMs: seedMs.toFixed(0),
      size,
      times,
      deepKeysPlan:
        n > 1000
          ? await plan(
              `select * from keys where account_id = $1 and region = $2 and key_id > $3 order by key_id limit 101`,
              ["111122223333", "us-east-1", deepKey],
            )
          : undefined,
      deepAliasPlan:
        n > 1000
          ? await plan(
              `select * from aliases where account_id = $1 and region = $2 and alias_name > $3 order by alias_name limit 51`,
              ["111122223333", "us-east-1", deepAlias],
            )
          : undefined,
      duePlan:
        n > 1000
          ? await plan(`select * from keys where key_state = $1 and deletion_date <= $2`, [
              "PendingDeletion",
              Date.now(),
            ])
          : undefined,
    };
    await client.end();
    await store.close();
  }
  console.log(JSON.stringify(results, null, 1));
} finally {
  await postgres.stop();
}
