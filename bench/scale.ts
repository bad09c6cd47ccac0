/**
 * The scale section (`--only=scale`): does Trent cost the same per request with a million keys
 * as with a thousand? Two Trents (the compiled server, default configuration, each on its own
 * SQLite file with its own TRENT_ROOT_KEY) are prepared: each starts once on an empty data
 * directory, creates one key through CreateKey, stops, and its file is filled with copies of
 * that key (scale-seed.ts) up to 1,000 and 1,000,000 keys, each with one alias. Then, side by
 * side, each row loads one Trent and then the other (interleaved, so drift in the machine
 * affects both alike):
 *   - DescribeKey, Encrypt and GenerateDataKeyPair (ECC_NIST_P256), each connection cycling
 *     through 1,000 keys spread over the whole key space (at a million keys those are 1,000
 *     places in the indexes, not one hot row);
 *   - ListKeys and ListAliases: the first page, and the page that starts at 90% of the listing
 *     (key 900,000 of a million), reached with the marker of the page before it.
 * Start-up time is the time from spawning `node dist/src/main.js` to its "Trent listening"
 * line (median of three starts on the seeded file); the database size is the SQLite file with
 * its WAL after seeding.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeMarker } from "../src/domain/paging.js";
import { sqliteFileName } from "../src/platform/store/sqlite.js";
import { processCpuSeconds } from "./cpu.js";
import { kmsHeaders, type LoadResult, runLoad } from "./load.js";
import { type SeededKeys, seedKeys } from "./scale-seed.js";
import { measureStore, type StoreRow } from "./scale-store.js";
import { type ChildProcesses, type ServerProcess, startTrent } from "./servers.js";

/** Latency and CPU per request at the large size may exceed the small size's by this much. */
export const scaleTolerance = 0.1;

export interface ScaleSize {
  readonly keys: number;
  readonly seedSeconds: number;
  /** Median of the start-ups, spawn to "Trent listening". */
  readonly startupMs: number;
  readonly startupsMs: readonly number[];
  /** The SQLite file with its WAL and shared-memory files, after seeding. */
  readonly databaseBytes: number;
}

export interface ScaleRow {
  readonly name: string;
  /** One result per size, in the order of ScaleRun.sizes. */
  readonly results: readonly [LoadResult, LoadResult];
}

export interface ScaleRun {
  readonly sizes: readonly [ScaleSize, ScaleSize];
  readonly rows: readonly ScaleRow[];
  /** The store's queries alone, in this process (scale-store.ts). */
  readonly store: readonly StoreRow[];
  readonly connections: number;
  /** Measured runs per size and row, their order alternating. */
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

interface Prepared {
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly seeded: SeededKeys;
}

function progress(message: string): void {
  process.stderr.write(`bench: scale: ${message}\n`);
}

async function call(url: string, operation: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: kmsHeaders(operation),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function databaseBytes(dataDir: string): number {
  let total = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      total += statSync(join(dataDir, `${sqliteFileName}${suffix}`)).size;
    } catch {
      // No WAL or shared-memory file: nothing to add.
    }
  }
  return total;
}

/** A data directory whose SQLite file holds `keys` keys, made as the file header says. */
async function prepare(
  children: ChildProcesses,
  repoRoot: string,
  keys: number,
): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), "trent-bench-scale-"));
  try {
    const rootKey = randomBytes(32);
    const env = { TRENT_DATA_DIR: dataDir, TRENT_ROOT_KEY: rootKey.toString("base64") };
    const first = await startTrent(children, repoRoot, env, `Trent (${keys} keys, first start)`);
    let templateKeyId: string;
    try {
      const created = await call(first.url, "CreateKey", {});
      templateKeyId = String((created.KeyMetadata as { KeyId: string }).KeyId);
    } finally {
      await first.stop();
    }
    const file = join(dataDir, sqliteFileName);
    const seeded = seedKeys(file, templateKeyId, keys, rootKey, sampleKeys);
    progress(`${keys} keys and aliases seeded in ${seeded.seconds.toFixed(1)} s`);
    return { dataDir, env, seeded };
  } catch (error) {
    // Not yet handed to the caller, which cleans up what it was handed.
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Three starts on the seeded file; the last one keeps running for the load. */
async function startMeasured(
  children: ChildProcesses,
  repoRoot: string,
  prepared: Prepared,
): Promise<{ server: ServerProcess; startupsMs: number[] }> {
  const keys = prepared.seeded.keyIds.length;
  const startupsMs: number[] = [];
  for (let run = 1; ; run++) {
    const started = performance.now();
    const server = await startTrent(children, repoRoot, prepared.env, `Trent (${keys} keys)`);
    startupsMs.push(performance.now() - started);
    if (run === 3) return { server, startupsMs };
    await server.stop();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Until the server uses (almost) no CPU: the audit index worker catching up, say. */
async function waitForIdle(pid: number, maxSeconds = 15): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const before = processCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = processCpuSeconds(pid);
    if (before === undefined || after === undefined || (after - before) / 0.25 < 0.05) return;
  }
}

interface RowRequest {
  readonly name: string;
  readonly operation: string;
  /** The request bodies per size, cycled through by every connection. */
  bodies(seeded: SeededKeys): string[];
  /** Checks one answer per size before loading. */
  check?(seeded: SeededKeys, answer: Record<string, unknown>): void;
}

/** Where the deep pages start: this share of the way through the listing. */
const depth = 0.9;

function deepIndex(seeded: SeededKeys): number {
  return Math.floor(seeded.keyIds.length * depth);
}

const plaintext = Buffer.alloc(32, 7).toString("base64");
const sampleKeys = 1000;

const rowRequests: readonly RowRequest[] = [
  {
    name: "DescribeKey",
    operation: "DescribeKey",
    bodies: (seeded) => seeded.sampleKeyIds.map((KeyId) => JSON.stringify({ KeyId })),
  },
  {
    name: "Encrypt (32 bytes)",
    operation: "Encrypt",
    bodies: (seeded) =>
      seeded.sampleKeyIds.map((KeyId) => JSON.stringify({ KeyId, Plaintext: plaintext })),
  },
  {
    name: "GenerateDataKeyPair ECC_NIST_P256",
    operation: "GenerateDataKeyPair",
    bodies: (seeded) =>
      seeded.sampleKeyIds.map((KeyId) => JSON.stringify({ KeyId, KeyPairSpec: "ECC_NIST_P256" })),
  },
  {
    name: "ListKeys, first page (Limit 100)",
    operation: "ListKeys",
    bodies: () => [JSON.stringify({ Limit: 100 })],
    check(seeded, answer) {
      const first = (answer.Keys as { KeyId: string }[])[0]?.KeyId;
      if (first !== seeded.keyIds[0]) throw new Error(`ListKeys began at ${first}`);
    },
  },
  {
    name: `ListKeys, page at ${depth * 100}% (Limit 100)`,
    operation: "ListKeys",
    bodies: (seeded) => [
      JSON.stringify({
        Limit: 100,
        Marker: encodeMarker("keys", seeded.keyIds[deepIndex(seeded) - 1] ?? ""),
      }),
    ],
    check(seeded, answer) {
      const first = (answer.Keys as { KeyId: string }[])[0]?.KeyId;
      if (first !== seeded.keyIds[deepIndex(seeded)])
        throw new Error(`the deep ListKeys page began at ${first}`);
    },
  },
  {
    name: "ListAliases, first page (Limit 50)",
    operation: "ListAliases",
    bodies: () => [JSON.stringify({ Limit: 50 })],
  },
  {
    name: `ListAliases, page at ${depth * 100}% (Limit 50)`,
    operation: "ListAliases",
    bodies: (seeded) => [
      JSON.stringify({
        Limit: 50,
        Marker: encodeMarker("aliases", seeded.aliasNames[deepIndex(seeded) - 1] ?? ""),
      }),
    ],
    check(seeded, answer) {
      const first = (answer.Aliases as { AliasName: string }[])[0]?.AliasName;
      if (first !== seeded.aliasNames[deepIndex(seeded)])
        throw new Error(`the deep ListAliases page began at ${first}`);
    },
  },
];

export async function benchScale(
  children: ChildProcesses,
  repoRoot: string,
  options: { readonly quick: boolean },
): Promise<ScaleRun> {
  const counts = options.quick ? ([1000, 20_000] as const) : ([1000, 1_000_000] as const);
  const durations = options.quick ? { warmup: 0.5, seconds: 1 } : { warmup: 0.5, seconds: 2 };
  const rounds = options.quick ? 1 : 3;
  const connections = 10;
  const prepared: Prepared[] = [];
  const servers: ServerProcess[] = [];
  try {
    for (const keys of counts) prepared.push(await prepare(children, repoRoot, keys));
    // Before anything else writes to the files (the store timings record key uses).
    const bytes = prepared.map((item) => databaseBytes(item.dataDir));
    progress("timing the store's queries in this process");
    const store = await measureStore(prepared, rounds);
    for (const row of store)
      progress(
        `${row.name}: ${row.microseconds.map((us) => us.toFixed(1)).join(" µs, ")} µs per call`,
      );
    const sizes: ScaleSize[] = [];
    for (const [i, keys] of counts.entries()) {
      const item = prepared[i] as Prepared;
      const { server, startupsMs } = await startMeasured(children, repoRoot, item);
      servers.push(server);
      sizes.push({
        keys,
        seedSeconds: item.seeded.seconds,
        startupMs: median(startupsMs),
        startupsMs,
        databaseBytes: bytes[i] ?? Number.NaN,
      });
      progress(
        `${keys} keys: start-up ${startupsMs.map((t) => t.toFixed(0)).join(", ")} ms; ` +
          `database ${((bytes[i] ?? Number.NaN) / 1e6).toFixed(1)} MB`,
      );
    }
    const rows: ScaleRow[] = [];
    for (const request of rowRequests) {
      const loads = servers.map((server, i) => {
        const seeded = (prepared[i] as Prepared).seeded;
        const bodies = request.bodies(seeded);
        return {
          seeded,
          bodies,
          load: {
            url: server.url,
            operation: request.operation,
            body: bodies[0] ?? "{}",
            bodies,
            connections,
            serverPid: server.pid,
          },
        };
      });
      for (const [i, { seeded, bodies }] of loads.entries()) {
        const server = servers[i] as ServerProcess;
        request.check?.(
          seeded,
          await call(server.url, request.operation, JSON.parse(bodies[0] ?? "{}")),
        );
      }
      const perSize: LoadResult[][] = loads.map(() => []);
      // Rounds in alternating order (small, large; large, small; ...), so that a machine
      // growing busier or quieter during the row weighs on both sizes alike.
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const { load } = loads[i] as (typeof loads)[number];
          await waitForIdle(load.serverPid);
          await runLoad({ ...load, seconds: durations.warmup });
          (perSize[i] as LoadResult[]).push(await runLoad({ ...load, seconds: durations.seconds }));
        }
      }
      const results = perSize.map(combine) as [LoadResult, LoadResult];
      for (const [i, result] of results.entries())
        progress(
          `${request.name} at ${counts[i]} keys: ${result.throughput.toFixed(0)} req/s, ` +
            `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
            (result.failed > 0 ? `, ${result.failed} FAILED` : ""),
        );
      rows.push({ name: request.name, results });
    }
    return {
      sizes: sizes as [ScaleSize, ScaleSize],
      rows,
      store,
      connections,
      rounds,
      warmupSeconds: durations.warmup,
      seconds: durations.seconds,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    for (const item of prepared) rmSync(item.dataDir, { recursive: true, force: true });
  }
}

/** Rounds of one size as one result: answers and CPU summed, the median round's latencies. */
function combine(results: readonly LoadResult[]): LoadResult {
  const first = results[0];
  if (first === undefined) throw new Error("no rounds");
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const ok = results.reduce((sum, r) => sum + r.ok, 0);
  const coreSeconds = results.reduce(
    (sum: number | undefined, r) =>
      sum === undefined || r.serverCores === undefined
        ? undefined
        : sum + r.serverCores * r.seconds,
    0,
  );
  return {
    operation: first.operation,
    connections: first.connections,
    ok,
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    seconds,
    throughput: ok / seconds,
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    serverCores: coreSeconds === undefined ? undefined : coreSeconds / seconds,
  };
}

function cpuPerRequestUs(result: LoadResult): number | undefined {
  return result.serverCores === undefined || result.ok === 0
    ? undefined
    : ((result.serverCores * result.seconds) / result.ok) * 1e6;
}

function ratio(large: number | undefined, small: number | undefined): number | undefined {
  return large === undefined || small === undefined || small === 0 ? undefined : large / small;
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
}

function within(value: number | undefined): string {
  if (value === undefined) return "n/a";
  return value <= 1 + scaleTolerance ? "yes" : "**no**";
}

function count(keys: number): string {
  return keys.toLocaleString("en-US");
}

export function renderScale(run: ScaleRun): string {
  const [small, large] = run.sizes;
  const a = count(small.keys);
  const b = count(large.keys);
  const lines = [
    `## Scale: ${a} keys against ${b} keys`,
    "",
    `Two Trents side by side, each on its own SQLite file seeded with ${a} and ${b} keys (one ` +
      "alias each) through the store's tables (bench/scale-seed.ts); each row loads one and " +
      `then the other, ${run.rounds} round(s) in alternating order, ${run.connections} ` +
      `connections, ${run.warmupSeconds} s warm-up then ${run.seconds} s measured per round ` +
      "(p50 and p99: the median round's; CPU per request: all rounds'). DescribeKey, " +
      `Encrypt and GenerateDataKeyPair cycle through ` +
      `${sampleKeys} keys spread over the whole key space. Target: ${b} keys within ` +
      `${scaleTolerance * 100}% of ${a} in p50 latency and CPU per request.`,
    "",
    `| request | p50 ms (${a}) | p50 ms (${b}) | p99 ms (${a}) | p99 ms (${b}) | CPU µs/req (${a}) | CPU µs/req (${b}) | **p50 ratio** | **CPU ratio** | within ${scaleTolerance * 100}% |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const row of run.rows) {
    const [s, l] = row.results;
    const p50 = ratio(l.p50Ms, s.p50Ms);
    const cpu = ratio(cpuPerRequestUs(l), cpuPerRequestUs(s));
    const failed = s.failed + l.failed > 0 ? ` (${s.failed + l.failed} failed)` : "";
    lines.push(
      `| ${row.name}${failed} | ${fixed(s.p50Ms, 2)} | ${fixed(l.p50Ms, 2)} | ` +
        `${fixed(s.p99Ms, 2)} | ${fixed(l.p99Ms, 2)} | ${fixed(cpuPerRequestUs(s), 0)} | ` +
        `${fixed(cpuPerRequestUs(l), 0)} | **${fixed(p50, 2)}** | **${fixed(cpu, 2)}** | ` +
        `${within(p50 === undefined || cpu === undefined ? undefined : Math.max(p50, cpu))} |`,
    );
  }
  lines.push(
    "",
    "The store's queries alone, in the bench process against the same two files (Trent's " +
      `Store over SQLite, warm; CPU µs per call, median of ${run.rounds} alternating rounds):`,
    "",
    `| query | ${a} keys | ${b} keys | **ratio** | within ${scaleTolerance * 100}% |`,
    "|---|---:|---:|---:|---|",
  );
  for (const row of run.store) {
    const [s, l] = row.microseconds;
    const r = ratio(l, s);
    lines.push(
      `| ${row.name} | ${fixed(s, 1)} | ${fixed(l, 1)} | **${fixed(r, 2)}** | ${within(r)} |`,
    );
  }
  lines.push(
    "",
    `| | ${a} keys | ${b} keys |`,
    "|---|---:|---:|",
    `| start-up, spawn to listening (median of 3) | ${small.startupMs.toFixed(0)} ms | ${large.startupMs.toFixed(0)} ms |`,
    `| start-ups | ${small.startupsMs.map((t) => t.toFixed(0)).join(", ")} ms | ${large.startupsMs.map((t) => t.toFixed(0)).join(", ")} ms |`,
    `| database file (SQLite + WAL) | ${(small.databaseBytes / 1e6).toFixed(1)} MB | ${(large.databaseBytes / 1e6).toFixed(1)} MB |`,
    `| per key | ${fixed(small.databaseBytes / small.keys, 0)} B | ${fixed(large.databaseBytes / large.keys, 0)} B |`,
    `| seeding (bench only) | ${small.seedSeconds.toFixed(1)} s | ${large.seedSeconds.toFixed(1)} s |`,
    "",
  );
  return lines.join("\n");
}
