/**
 * `npm run bench -- --only=workers`: Encrypt and ECC_NIST_P256 GenerateDataKeyPair on Trent with
 * TRENT_WORKERS=1 and TRENT_WORKERS=<cores>, both running, measured in turn (three rounds, the
 * median shown), same load. For each: the
 * throughput, p50/p99, and the CPU time per request of the whole server (the primary and every
 * worker, all threads, from /proc) and of the load generator (this process).
 *
 * On a machine with few cores the load generator (autocannon, in this process) competes with
 * the workers for the same cores, so throughput may not scale with N; what must hold is that
 * the server's CPU per request stays flat: N processes cost no more per request than one. The
 * primary's share (it writes every worker's audit records, which reach it over IPC) is shown
 * apart, since that is what workers add. Both rows get the same connections, enough to keep
 * every worker busy (10 per core): a process with idle moments batches less per event-loop turn
 * (audit writes, IPC messages), which would show as CPU per request that load alone explains.
 * Each server first runs every operation for the warm-up (4 s each), then 1 s more before each
 * measured row: each worker optimizes its own code, and a server measured half-warm showed 3-4
 * times its warm CPU per request on a busy machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { processCpuSeconds } from "./cpu.js";
import { kmsHeaders, type LoadResult, runLoad } from "./load.js";
import type { ChildProcesses, ServerProcess } from "./servers.js";
import { startTrent } from "./servers.js";

export interface WorkersRow {
  readonly operation: string;
  readonly workers: number;
  readonly result: LoadResult;
  /** CPU µs per answered request: every server process, the primary alone, the load generator. */
  readonly serverUs: number | undefined;
  readonly primaryUs: number | undefined;
  readonly loadUs: number;
}

export interface WorkersRun {
  readonly cores: number;
  readonly connections: number;
  readonly seconds: number;
  readonly rows: readonly WorkersRow[];
}

interface Durations {
  readonly warmup: number;
  readonly seconds: number;
}

/** `pid` and its descendants, from /proc/<pid>/task/<tid>/children (Linux). */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    const current = tree[i]!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, "utf8");
        for (const child of children.split(" ")) if (child.trim() !== "") tree.push(Number(child));
      } catch {
        // The task ended meanwhile.
      }
    }
  }
  return tree;
}

/** CPU seconds of each process of the tree, by pid. */
function treeCpu(pids: readonly number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
}

function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let spent = 0;
  for (const [pid, seconds] of after) spent += seconds - (before.get(pid) ?? seconds);
  return spent;
}

async function kmsCall(url: string, operation: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: kmsHeaders(operation),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function measureOne(
  server: ServerProcess,
  workers: number,
  operation: string,
  body: unknown,
  connections: number,
  durations: Durations,
): Promise<WorkersRow> {
  const load = { url: server.url, operation, body: JSON.stringify(body), connections };
  await runLoad({ ...load, seconds: 1 });
  const pids = processTree(server.pid);
  const before = treeCpu(pids);
  const loadBefore = process.cpuUsage();
  const result = await runLoad({ ...load, seconds: durations.seconds });
  const loadSpent = process.cpuUsage(loadBefore);
  const after = treeCpu(pids);
  const answered = Math.max(1, result.ok);
  const primary = (after.get(server.pid) ?? 0) - (before.get(server.pid) ?? 0);
  const measured = after.size > 0;
  return {
    operation,
    workers,
    result: {
      ...result,
      serverCores: measured ? cpuSpent(before, after) / result.seconds : undefined,
    },
    serverUs: measured ? (cpuSpent(before, after) / answered) * 1e6 : undefined,
    primaryUs: measured && workers > 1 ? (primary / answered) * 1e6 : undefined,
    loadUs: (loadSpent.user + loadSpent.system) / answered,
  };
}

/** How many times each row is measured; the row shown is the run with the median CPU. */
const rounds = 3;

function medianByCpu(runs: readonly WorkersRow[]): WorkersRow {
  const sorted = [...runs].sort((a, b) => (a.serverUs ?? 0) - (b.serverUs ?? 0));
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Trent with 1 worker and with one per core, both running; the same requests against each,
 * alternating between them for `rounds` rounds, so both sides see the same background load.
 */
export async function benchWorkers(
  children: ChildProcesses,
  repoRoot: string,
  options: {
    readonly connections: number;
    readonly durations: Durations;
    readonly progress: (line: string) => void;
  },
): Promise<WorkersRun> {
  const cores = availableParallelism();
  const counts = cores > 1 ? [1, cores] : [1, 2];
  const servers: { workers: number; server: ServerProcess }[] = [];
  try {
    for (const workers of counts) {
      const server = await startTrent(
        children,
        repoRoot,
        { TRENT_WORKERS: String(workers) },
        `Trent (${workers} worker${workers === 1 ? "" : "s"})`,
      );
      servers.push({ workers, server });
      options.progress(`${server.name} (pid ${server.pid}) at ${server.url}`);
    }
    const requests = new Map<ServerProcess, (readonly [string, unknown])[]>();
    for (const { server } of servers) {
      const key = (await kmsCall(server.url, "CreateKey", {})).KeyMetadata as { KeyId: string };
      const own = [
        ["Encrypt", { KeyId: key.KeyId, Plaintext: Buffer.alloc(32, 7).toString("base64") }],
        ["GenerateDataKeyPair", { KeyId: key.KeyId, KeyPairSpec: "ECC_NIST_P256" }],
      ] as const;
      requests.set(server, [...own]);
      // Every operation works (a refusal would measure an error path) and every worker has
      // run every operation's code hot before anything is measured.
      for (const [operation, body] of own) {
        await kmsCall(server.url, operation, body);
        await runLoad({
          url: server.url,
          operation,
          body: JSON.stringify(body),
          connections: options.connections,
          seconds: options.durations.warmup,
        });
      }
    }
    const runs = new Map<string, WorkersRow[]>();
    for (let round = 0; round < rounds; round += 1)
      for (const operation of ["Encrypt", "GenerateDataKeyPair"])
        for (const { workers, server } of servers) {
          const body = requests.get(server)?.find(([name]) => name === operation)?.[1];
          const row = await measureOne(
            server,
            workers,
            operation,
            body,
            options.connections,
            options.durations,
          );
          options.progress(
            `${operation} with ${workers} worker(s), round ${round + 1}: ${row.result.throughput.toFixed(0)} req/s, server ${row.serverUs?.toFixed(0) ?? "?"} µs CPU/request (primary ${row.primaryUs?.toFixed(0) ?? "-"}), load generator ${row.loadUs.toFixed(0)} µs${row.result.failed > 0 ? `, ${row.result.failed} FAILED` : ""}`,
          );
          const key = `${operation} ${workers}`;
          runs.set(key, [...(runs.get(key) ?? []), row]);
        }
    const rows: WorkersRow[] = [];
    for (const operation of ["Encrypt", "GenerateDataKeyPair"])
      for (const workers of counts) {
        const measured = runs.get(`${operation} ${workers}`);
        if (measured) rows.push(medianByCpu(measured));
      }
    return { cores, connections: options.connections, seconds: options.durations.seconds, rows };
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}

function fixed(value: number | undefined, digits = 0): string {
  return value === undefined ? "n/a" : value.toFixed(digits);
}

/** The section of the report: one row per operation and worker count, and the ratios. */
export function renderWorkers(run: WorkersRun): string {
  const lines = [
    "## All cores: TRENT_WORKERS",
    "",
    `Trent with 1 worker and with ${run.rows.at(-1)?.workers ?? "?"} (this machine has ${run.cores} core(s)), both running, measured in turn, ${run.connections} keep-alive connections, ${run.seconds} s per run; each row is the run with the median server CPU of ${rounds}. ` +
      "Server CPU is every process of the server (primary and workers, all threads); the load generator (autocannon, in the bench process) shares the same cores.",
    "",
    "| operation | workers | req/s | p50 ms | p99 ms | server cores | server CPU µs/req | of which primary | load generator CPU µs/req | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of run.rows)
    lines.push(
      `| ${row.operation === "GenerateDataKeyPair" ? "GenerateDataKeyPair ECC_NIST_P256" : row.operation} | ${row.workers} | ${fixed(row.result.throughput)} | ${fixed(row.result.p50Ms, 2)} | ${fixed(row.result.p99Ms, 2)} | ${fixed(row.result.serverCores, 2)} | ${fixed(row.serverUs)} | ${row.primaryUs === undefined ? "-" : fixed(row.primaryUs)} | ${fixed(row.loadUs)} | ${row.result.failed} |`,
    );
  lines.push("");
  for (const operation of new Set(run.rows.map((row) => row.operation))) {
    const [one, many] = run.rows.filter((row) => row.operation === operation);
    if (!one || !many) continue;
    const cpuRatio =
      one.serverUs !== undefined && many.serverUs !== undefined
        ? (many.serverUs / one.serverUs).toFixed(2)
        : "n/a";
    lines.push(
      `- ${operation}: ${many.workers} workers ÷ 1 worker: throughput ×${(many.result.throughput / one.result.throughput).toFixed(2)}, server CPU per request ×${cpuRatio}.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
