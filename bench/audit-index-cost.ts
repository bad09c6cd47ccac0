/**
 * What the audit index costs per record, apart from HTTP and everything else a server does:
 * the records an audit-file-only Trent wrote during the bench are indexed again, per
 * operation, into a fresh SQLite index through the same code the audit worker runs
 * (IndexConsumer over SqliteAuditIndexWriter), and the CPU time of this thread is divided by
 * the records. Twice: in batches the size of one follower pass under load (the records of
 * 50 ms), and in the 16 MiB batches of a catch-up.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IndexConsumer } from "../src/platform/audit/index-consumer.js";
import { SqliteAuditIndexWriter } from "../src/platform/audit/sqlite-audit-index.js";

export interface IndexCost {
  readonly operation: string;
  readonly records: number;
  readonly bytesPerRecord: number;
  /** CPU µs per record in batches of `liveBatch` records. */
  readonly liveUs: number;
  readonly liveBatch: number;
  /** CPU µs per record in 16 MiB batches. */
  readonly catchUpUs: number;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function index(lines: readonly Buffer[], batchRecords: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "trent-bench-index-"));
  const writer = new SqliteAuditIndexWriter(join(dir, "audit-index.sqlite"));
  const consumer = new IndexConsumer(writer, () => {});
  try {
    let offset = 0;
    const started = cpuMicros();
    for (let i = 0; i < lines.length; i += batchRecords) {
      const batch = lines.slice(i, i + batchRecords);
      const to = offset + batch.reduce((sum, line) => sum + line.length + 1, 0);
      await consumer.take("bench", offset, { offset: to, complete: false }, batch);
      offset = to;
    }
    return (cpuMicros() - started) / lines.length;
  } finally {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The index's cost per record of each operation in `auditFile`, `perSecond` records a second. */
export async function measureIndexCost(
  auditFile: string,
  operations: readonly string[],
  perSecond: Readonly<Record<string, number>>,
): Promise<IndexCost[]> {
  const all = readFileSync(auditFile)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
  const costs: IndexCost[] = [];
  for (const operation of operations) {
    const lines = all
      .filter((line) => line.includes(`"eventName":"${operation}"`))
      .slice(0, 20_000)
      .map((line) => Buffer.from(line));
    if (lines.length === 0) continue;
    const bytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
    const liveBatch = Math.max(1, Math.round((perSecond[operation] ?? 1000) * 0.05));
    costs.push({
      operation,
      records: lines.length,
      bytesPerRecord: Math.round(bytes / lines.length),
      liveUs: await index(lines, liveBatch),
      liveBatch,
      catchUpUs: await index(lines, Math.max(1, Math.floor((16 << 20) / (bytes / lines.length)))),
    });
  }
  return costs;
}
