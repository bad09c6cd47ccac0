/** The benchmark's markdown report: one table per question, then the targets, met or not. */
import type { DataKeyPairSpec } from "../src/vocabulary/types.generated.js";
import type { IndexCost } from "./audit-index-cost.js";
import type { LoadResult } from "./load.js";
import type { RawLimit } from "./raw-limit.js";

export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly openssl: string;
  readonly cpu: string;
  readonly cores: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly moto: string | undefined;
  readonly settings: string;
}

export interface SpecRow {
  readonly spec: DataKeyPairSpec;
  readonly server: LoadResult;
  readonly raw: RawLimit;
}

export interface MixedRun {
  readonly alone: LoadResult;
  readonly beside: LoadResult;
  readonly rsa: LoadResult;
}

export interface PeerRow {
  readonly operation: string;
  readonly trent: LoadResult;
  readonly moto: LoadResult;
}

/** One operation on four Trents that differ only in their audit trail. */
export interface AuditRow {
  readonly operation: string;
  /** TRENT_AUDIT_FILE=none. */
  readonly off: LoadResult;
  /** The audit file alone (TRENT_AUDIT_INDEX=none): each answer waits for its record's write. */
  readonly file: LoadResult;
  /** The default: the audit file, and the SQLite index following it from a worker thread. */
  readonly indexed: LoadResult;
  /** TRENT_AUDIT_FSYNC=true (index too): each group also fdatasync'ed before its answers. */
  readonly fsync: LoadResult;
}

export interface AuditRun {
  readonly rows: readonly AuditRow[];
  /** The file system of the temporary data directories, where fsync goes (stat -f). */
  readonly filesystem: string | undefined;
  /** Median 1 KiB append + fdatasync there, measured right after the rows. */
  readonly flushMs: number;
  /** The index's own CPU cost per record, measured in the bench process. */
  readonly indexCost: readonly IndexCost[];
}

export interface Report {
  readonly info: RunInfo;
  readonly specs: readonly SpecRow[];
  /** The ECC_NIST_P256 load against a bare node:http server (see http-floor-server.ts). */
  readonly httpFloor: LoadResult | undefined;
  readonly mixed: MixedRun | undefined;
  readonly peers: readonly PeerRow[];
  /** The HTTP floor with an Encrypt-sized answer, measured right after the peer rows. */
  readonly peerFloor: LoadResult | undefined;
  readonly audit: AuditRun | undefined;
}

/**
 * Issue 11's targets: the symmetric operations within 4× the HTTP floor's CPU per request and
 * 25× moto's throughput; ECC_NIST_P256 and Ed25519 pairs at half the one-event-loop ceiling.
 */
export const targets = {
  symmetricCpuOverFloor: 4,
  trentOverMoto: 25,
  pairsShareOfCeiling: 0.5,
} as const;

/** The specs whose pairs are cheap enough that the request path decides their rate. */
const ceilingSpecs = ["ECC_NIST_P256", "ECC_NIST_EDWARDS25519"] as const;

/** 1 / (1/floor + 1/raw): HTTP work then raw work, serially, on one event loop. */
function ceilingOf(floor: LoadResult, row: SpecRow): number {
  return 1 / (1 / floor.throughput + 1 / row.raw.pairsPerSecond);
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

function cores(value: number | undefined): string {
  return value === undefined ? "n/a" : value.toFixed(2);
}

function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

function failures(result: LoadResult): string {
  return result.failed === 0 ? "" : ` (${result.failed} failed)`;
}

function load(values: readonly number[]): string {
  return values.map((v) => v.toFixed(2)).join(" / ");
}

/** CPU microseconds per request (or pair): cores used ÷ rate. */
function cpuMicroseconds(coresUsed: number | undefined, perSecond: number): number | undefined {
  return coresUsed === undefined ? undefined : (coresUsed / perSecond) * 1e6;
}

/**
 * What the HTTP floor implies for ECC_NIST_P256: a server on one event loop does the HTTP work
 * and then the raw work per request, serially, so it tops out at 1 / (1/floor + 1/raw); the
 * same bound in CPU time per request holds even when other processes take cycles.
 */
function floorParagraph(floor: LoadResult, p256: SpecRow, others: readonly SpecRow[]): string[] {
  const raw = p256.raw.pairsPerSecond;
  const ceiling = 1 / (1 / floor.throughput + 1 / raw);
  const lines = [
    "HTTP floor (the ECC_NIST_P256 load against a bare node:http server sending a canned answer " +
      `of the same size, measured right after that row): ${rate(floor.throughput)} req/s` +
      `${failures(floor)}, p50 ${ms(floor.p50Ms)} ms, p99 ${ms(floor.p99Ms)} ms, ` +
      `${cores(floor.serverCores)} cores. A server doing that HTTP work and then the raw ` +
      `ECC_NIST_P256 work on one event loop tops out at ${rate(ceiling)} req/s = ` +
      `${percent(ceiling / raw)} of the raw limit; Trent reaches ` +
      `${percent(p256.server.throughput / ceiling)} of that ceiling.`,
  ];
  const floorCpu = cpuMicroseconds(floor.serverCores, floor.throughput);
  const rawCpu = cpuMicroseconds(p256.raw.cores, raw);
  for (const row of others)
    lines.push(
      "",
      `${row.spec} against the same floor: the ceiling is ${rate(ceilingOf(floor, row))} req/s; ` +
        `Trent reaches ${percent(row.server.throughput / ceilingOf(floor, row))} of it.`,
    );
  const trentCpu = cpuMicroseconds(p256.server.serverCores, p256.server.throughput);
  if (floorCpu !== undefined && rawCpu !== undefined && trentCpu !== undefined)
    lines.push(
      "",
      `In CPU time: the floor spends ${floorCpu.toFixed(0)} µs per request, the raw work ` +
        `${rawCpu.toFixed(0)} µs per pair, Trent ${trentCpu.toFixed(0)} µs per request; the ` +
        `ceiling per core is ${percent(rawCpu / (floorCpu + rawCpu))} of the raw limit.`,
    );
  return lines;
}

export function renderReport(report: Report): string {
  const { info } = report;
  const lines: string[] = [];
  lines.push("# Trent benchmark results", "");
  lines.push(
    `${info.date} · commit ${info.commit} · node ${info.node} · OpenSSL ${info.openssl} · ` +
      `${info.cores} × ${info.cpu}` +
      (info.moto === undefined ? "" : ` · moto ${info.moto}`),
    "",
    `Load average (1/5/15 min) before: ${load(info.loadBefore)}; after: ${load(info.loadAfter)}.`,
    "",
    info.settings,
    "",
  );

  if (report.specs.length > 0) {
    lines.push("## GenerateDataKeyPair: Trent over HTTP against the raw limit", "");
    lines.push(
      "| KeyPairSpec | Trent req/s | answers | p50 ms | p99 ms | conn. | Trent CPU cores | raw limit pairs/s | raw threads | raw CPU cores | **Trent ÷ raw** | same, per CPU-second |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
  }
  for (const row of report.specs) {
    const s = row.server;
    const { raw } = row;
    const trentCpu = cpuMicroseconds(s.serverCores, s.throughput);
    const rawCpu = cpuMicroseconds(raw.cores, raw.pairsPerSecond);
    const perCpu =
      trentCpu === undefined || rawCpu === undefined ? "n/a" : percent(rawCpu / trentCpu);
    lines.push(
      `| ${row.spec} | ${rate(s.throughput)}${failures(s)} | ${s.ok} | ${ms(s.p50Ms)} | ` +
        `${ms(s.p99Ms)} | ${s.connections} | ${cores(s.serverCores)} | ` +
        `${rate(raw.pairsPerSecond)} | ${raw.threads} | ${cores(raw.cores)} | ` +
        `**${percent(s.throughput / raw.pairsPerSecond)}** | ${perCpu} |`,
    );
  }
  if (report.specs.length > 0) lines.push("");
  const p256Row = report.specs.find((row) => row.spec === "ECC_NIST_P256");
  const otherCeilingRows = report.specs.filter(
    (row) => row.spec !== "ECC_NIST_P256" && (ceilingSpecs as readonly string[]).includes(row.spec),
  );
  if (report.httpFloor && p256Row)
    lines.push(...floorParagraph(report.httpFloor, p256Row, otherCeilingRows), "");

  if (report.mixed) {
    const { alone, beside, rsa } = report.mixed;
    lines.push("## ECC_NIST_P256 latency with RSA_4096 requests beside it", "");
    lines.push(
      "| run | P256 req/s | P256 p50 ms | P256 p99 ms | RSA_4096 req/s | RSA_4096 p99 ms |",
      "|---|---:|---:|---:|---:|---:|",
      `| P256 alone (${alone.connections} conn.) | ${rate(alone.throughput)}${failures(alone)} | ` +
        `${ms(alone.p50Ms)} | ${ms(alone.p99Ms)} | | |`,
      `| P256 (${beside.connections} conn.) + RSA_4096 (${rsa.connections} conn.) | ` +
        `${rate(beside.throughput)}${failures(beside)} | ${ms(beside.p50Ms)} | ${ms(beside.p99Ms)} | ` +
        `${rate(rsa.throughput)}${failures(rsa)} | ${ms(rsa.p99Ms)} |`,
      "",
      `P256 p99 beside RSA_4096 ÷ alone: ${(beside.p99Ms / alone.p99Ms).toFixed(2)}×.`,
      "",
    );
  }

  if (report.peers.length > 0) {
    const floor = report.peerFloor;
    const floorCpu = floor && cpuMicroseconds(floor.serverCores, floor.throughput);
    lines.push("## Symmetric operations: Trent against moto, same load", "");
    lines.push(
      "| operation | Trent req/s | p50 ms | p99 ms | Trent CPU | Trent CPU µs/req | **× floor** | moto req/s | p50 ms | p99 ms | moto CPU | **Trent ÷ moto** |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const row of report.peers) {
      const { trent, moto } = row;
      const trentCpu = cpuMicroseconds(trent.serverCores, trent.throughput);
      const overFloor =
        trentCpu === undefined || floorCpu === undefined
          ? "n/a"
          : `${(trentCpu / floorCpu).toFixed(1)}×`;
      lines.push(
        `| ${row.operation} | ${rate(trent.throughput)}${failures(trent)} | ${ms(trent.p50Ms)} | ` +
          `${ms(trent.p99Ms)} | ${cores(trent.serverCores)} | ${trentCpu?.toFixed(0) ?? "n/a"} | ` +
          `**${overFloor}** | ${rate(moto.throughput)}${failures(moto)} | ` +
          `${ms(moto.p50Ms)} | ${ms(moto.p99Ms)} | ${cores(moto.serverCores)} | ` +
          `**${(trent.throughput / moto.throughput).toFixed(1)}×** |`,
      );
    }
    if (floor)
      lines.push(
        "",
        "HTTP floor for these rows (the Encrypt load against the bare node:http server, with a " +
          `canned answer of the size of Trent's Encrypt answer, right after them): ` +
          `${rate(floor.throughput)} req/s${failures(floor)}, p50 ${ms(floor.p50Ms)} ms, ` +
          `${cores(floor.serverCores)} cores, ${floorCpu?.toFixed(0) ?? "n/a"} µs CPU per request.`,
      );
    lines.push("");
  }

  if (report.audit) lines.push(...auditSection(report.audit));

  const ceilingRows = report.specs.filter((row) =>
    (ceilingSpecs as readonly string[]).includes(row.spec),
  );
  const pairFloor = report.httpFloor;
  if (!(pairFloor && ceilingRows.length > 0) && report.peers.length === 0) return lines.join("\n");
  lines.push("## Targets", "");
  const verdict = (met: boolean) => (met ? "met" : "missed");
  if (pairFloor)
    for (const row of ceilingRows) {
      const share = row.server.throughput / ceilingOf(pairFloor, row);
      lines.push(
        `- ${row.spec} Trent ÷ one-event-loop ceiling 1/(1/floor + 1/raw) ≥ ` +
          `${percent(targets.pairsShareOfCeiling)}: ${verdict(share >= targets.pairsShareOfCeiling)} ` +
          `(${percent(share)}: ${rate(row.server.throughput)} of ${rate(ceilingOf(pairFloor, row))} req/s).`,
      );
    }
  const floorCpu =
    report.peerFloor && cpuMicroseconds(report.peerFloor.serverCores, report.peerFloor.throughput);
  for (const row of report.peers) {
    const trentCpu = cpuMicroseconds(row.trent.serverCores, row.trent.throughput);
    if (trentCpu !== undefined && floorCpu !== undefined) {
      const times = trentCpu / floorCpu;
      lines.push(
        `- ${row.operation} CPU per request ≤ ${targets.symmetricCpuOverFloor}× the HTTP floor's: ` +
          `${verdict(times <= targets.symmetricCpuOverFloor)} (${times.toFixed(1)}×: ` +
          `${trentCpu.toFixed(0)} µs against ${floorCpu.toFixed(0)} µs).`,
      );
    }
    const ratio = row.trent.throughput / row.moto.throughput;
    lines.push(
      `- ${row.operation} Trent ÷ moto ≥ ${targets.trentOverMoto}×: ` +
        `${verdict(ratio >= targets.trentOverMoto)} (${ratio.toFixed(1)}×).`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

function auditSection(audit: AuditRun): string[] {
  const cells = (r: LoadResult) =>
    `${rate(r.throughput)}${failures(r)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)}`;
  const lines = [
    "## The audit trail: answers that wait for their record, with and without index and fsync",
    "",
    "Four Trents side by side, differing only in `TRENT_AUDIT_FILE=none`, the audit file alone " +
      "(`TRENT_AUDIT_INDEX=none`; no answer before its record's write returned), the default " +
      "(the audit file, and the SQLite index that a worker thread fills from it), and " +
      "`TRENT_AUDIT_FSYNC=true` with the index (each group of records fdatasync'ed first); data " +
      `directories on ${audit.filesystem ?? "an unknown file system"}, where one 1 KiB append + ` +
      `fdatasync takes ${ms(audit.flushMs)} ms (median, measured right after the rows). With ` +
      "fsync, answers wait for one such flush per group, so its cost follows the disk and " +
      "whatever else writes to it.",
    "",
    "| operation | no audit req/s | p50 ms | p99 ms | file req/s | p50 ms | p99 ms | file + index req/s | p50 ms | p99 ms | + fsync req/s | p50 ms | p99 ms | **file ÷ none** | **indexed ÷ none** | **fsync ÷ indexed** |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of audit.rows)
    lines.push(
      `| ${row.operation} | ${cells(row.off)} | ${cells(row.file)} | ${cells(row.indexed)} | ` +
        `${cells(row.fsync)} | **${percent(row.file.throughput / row.off.throughput)}** | ` +
        `**${percent(row.indexed.throughput / row.off.throughput)}** | ` +
        `**${percent(row.fsync.throughput / row.indexed.throughput)}** |`,
    );
  lines.push(
    "",
    "Cost per request of the audit write in CPU time (Trent's process, all threads, the index " +
      "worker's included), over the run without an audit file:",
    "",
    "| operation | no audit µs/req | audit file µs/req | **+ file** | file + index µs/req | **+ file + index** | of which the index |",
    "|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const row of audit.rows) {
    const off = cpuMicroseconds(row.off.serverCores, row.off.throughput);
    const file = cpuMicroseconds(row.file.serverCores, row.file.throughput);
    const indexed = cpuMicroseconds(row.indexed.serverCores, row.indexed.throughput);
    const us = (value: number | undefined) => (value === undefined ? "n/a" : value.toFixed(1));
    const plus = (value: number | undefined, base: number | undefined) =>
      value === undefined || base === undefined ? "n/a" : `${(value - base).toFixed(1)} µs`;
    lines.push(
      `| ${row.operation} | ${us(off)} | ${us(file)} | **${plus(file, off)}** | ${us(indexed)} | ` +
        `**${plus(indexed, off)}** | ${plus(indexed, file)} |`,
    );
  }
  if (audit.indexCost.length > 0) {
    lines.push(
      "",
      "The index alone, apart from HTTP and the noise of four servers: the records the " +
        "audit-file-only Trent wrote, indexed again into a fresh SQLite index by the code the " +
        "audit worker runs (parse, insert, one transaction per batch), CPU time of that thread " +
        "per record; in batches of one follower pass at the indexed Trent's rate (50 ms of " +
        "records), and in the 16 MiB batches of a catch-up:",
      "",
      "| operation | records | bytes/record | batch | **µs/record** | catching up µs/record |",
      "|---|---:|---:|---:|---:|---:|",
    );
    for (const cost of audit.indexCost)
      lines.push(
        `| ${cost.operation} | ${cost.records} | ${cost.bytesPerRecord} | ${cost.liveBatch} | ` +
          `**${cost.liveUs.toFixed(1)}** | ${cost.catchUpUs.toFixed(1)} |`,
      );
  }
  lines.push("");
  return lines;
}
