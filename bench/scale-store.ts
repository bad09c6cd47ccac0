/**
 * The store's share of the scale section, measured without HTTP: the queries whose cost could
 * grow with the number of keys (the key and key material lookups of every request, the alias
 * lookup, the last-use write of every cryptographic request, and the ListKeys and ListAliases
 * pages) run in this process against the two seeded SQLite files through Trent's own Store,
 * a few thousand times each, in rounds alternating between the files. CPU time per call
 * (this process, which does nothing else meanwhile) is much less disturbed by other work on
 * the machine than latency over HTTP, so this is where a difference between 1,000 and
 * 1,000,000 keys would show first.
 */
import { openSqliteStore } from "../src/platform/store/sqlite.js";
import type { Store } from "../src/platform/store/store.js";
import { keyArn } from "../src/vocabulary/arns.js";
import type { SeededKeys } from "./scale-seed.js";

export interface StoreRow {
  readonly name: string;
  /** CPU µs per call, one per size (median of the rounds). */
  readonly microseconds: readonly [number, number];
}

interface Target {
  readonly store: Store;
  readonly seeded: SeededKeys;
  readonly accountId: string;
  readonly region: string;
  readonly arns: readonly string[];
  readonly materialIds: readonly string[];
}

interface StoreQuery {
  readonly name: string;
  /** How many calls make one round. */
  readonly calls: number;
  run(target: Target, call: number): Promise<unknown>;
}

const depth = 0.9;

function deep<T>(items: readonly T[]): T {
  return items[Math.floor(items.length * depth) - 1] as T;
}

const queries: readonly StoreQuery[] = [
  {
    name: "keys.get (every request)",
    calls: 5000,
    run: (t, n) => t.store.keys.get(t.arns[n % t.arns.length] as string),
  },
  {
    name: "materials.get (Encrypt, GenerateDataKeyPair)",
    calls: 5000,
    run: (t, n) =>
      t.store.materials.get(
        t.arns[n % t.arns.length] as string,
        t.materialIds[n % t.arns.length] as string,
      ),
  },
  {
    name: "aliases.get (a request naming an alias)",
    calls: 5000,
    run: (t, n) =>
      t.store.aliases.get(
        t.accountId,
        t.region,
        t.seeded.aliasNames[(n * 997) % t.seeded.aliasNames.length] as string,
      ),
  },
  {
    name: "lastUsage.record (every cryptographic request)",
    calls: 2000,
    run: (t, n) =>
      t.store.lastUsage.record({
        keyArn: t.arns[n % t.arns.length] as string,
        operation: "Encrypt",
        timestamp: new Date(),
        eventId: `event-${n}`,
        requestId: `request-${n}`,
      }),
  },
  {
    name: "keys.list, first page of 100",
    calls: 300,
    run: (t) => t.store.keys.list(t.accountId, t.region, { limit: 101 }),
  },
  {
    name: `keys.list, page of 100 at ${depth * 100}%`,
    calls: 300,
    run: (t) =>
      t.store.keys.list(t.accountId, t.region, { limit: 101, after: deep(t.seeded.keyIds) }),
  },
  {
    name: "aliases.list, first page of 50",
    calls: 500,
    run: (t) => t.store.aliases.list(t.accountId, t.region, { limit: 51 }),
  },
  {
    name: `aliases.list, page of 50 at ${depth * 100}%`,
    calls: 500,
    run: (t) =>
      t.store.aliases.list(t.accountId, t.region, { limit: 51, after: deep(t.seeded.aliasNames) }),
  },
];

/** CPU microseconds per call of one round. */
async function round(query: StoreQuery, target: Target): Promise<number> {
  // Calls first, so the round measures compiled code, kept statements and cached pages.
  for (let n = 0; n < Math.min(query.calls, 500); n++) await query.run(target, n);
  const before = process.cpuUsage();
  for (let n = 0; n < query.calls; n++) await query.run(target, n);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / query.calls;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Opens each seeded data directory's store and times the queries, alternating sizes. */
export async function measureStore(
  sizes: readonly { readonly dataDir: string; readonly seeded: SeededKeys }[],
  rounds: number,
): Promise<StoreRow[]> {
  const targets: Target[] = [];
  try {
    for (const { dataDir, seeded } of sizes) {
      const store = await openSqliteStore(dataDir);
      const { accountId, region } = seeded;
      const arns = seeded.sampleKeyIds.map((id) => keyArn(region, accountId, id));
      const keys = await Promise.all(arns.map((arn) => store.keys.get(arn)));
      targets.push({
        store,
        seeded,
        accountId,
        region,
        arns,
        materialIds: keys.map((key) => key?.currentKeyMaterialId ?? ""),
      });
    }
    const rows: StoreRow[] = [];
    for (const query of queries) {
      const perSize: number[][] = targets.map(() => []);
      for (let r = 0; r < rounds; r++)
        for (const i of r % 2 === 0 ? [0, 1] : [1, 0])
          perSize[i]?.push(await round(query, targets[i] as Target));
      rows.push({
        name: query.name,
        microseconds: [median(perSize[0] ?? []), median(perSize[1] ?? [])],
      });
    }
    return rows;
  } finally {
    for (const target of targets) await target.store.close();
  }
}
