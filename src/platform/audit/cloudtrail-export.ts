/**
 * CloudTrail log files made from the audit files (TRENT_AUDIT_CLOUDTRAIL_DIR), for tools that
 * read what CloudTrail delivers to S3: gzip files holding `{"Records":[...]}`, one account and
 * Region per file, laid out as CloudTrail lays out a bucket:
 *
 *   AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
 *     <account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<16 hex>.json.gz
 *
 * (the time is the first record's). Each record is the audit file's line as it is, so a file
 * here and the audit trail hold the same bytes for a record.
 *
 * This is a follower of the audit files (audit-follower.ts): lines gather in memory for at most
 * `flushAfterMs` or `maxRecords`, and a batch never spans two audit files. A batch is written
 * (to a .tmp, flushed, renamed) before the progress file in the directory
 * (.trent-cloudtrail-progress.json) moves past it, so a crash loses nothing: the next start
 * reads the batch again from the audit file and writes it under the same name, which depends
 * only on where the batch starts. Delivery is therefore at least once; a record appears twice
 * only if a crash hits between a file's rename and the progress update and the batch read again
 * ends elsewhere. Tools that read CloudTrail already tolerate that (CloudTrail's own delivery
 * is at least once); eventID tells copies apart.
 *
 * One Trent node per directory: nodes sharing one would overwrite each other's progress file.
 */
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import type { LineLogger } from "../../vocabulary/ports.js";
import { sha256Hex } from "../crypto/audit-hashes.js";
import type { FollowerConsumer } from "./audit-follower.js";
import type { SegmentProgress } from "./index-rows.js";

const gzip = promisify(gzipCallback);

export const cloudTrailProgressFile = ".trent-cloudtrail-progress.json";

/** Complete segments the progress file remembers, newest last; older ones are never read again. */
const rememberedSegments = 20;

export interface CloudTrailExportOptions {
  readonly dir: string;
  readonly log: LineLogger;
  /** How long lines wait in memory before they are written; a minute unless given. */
  readonly flushAfterMs?: number;
  /** Records per batch at most; 10,000 unless given. */
  readonly maxRecords?: number;
}

interface Pending {
  readonly segmentId: string;
  readonly start: number;
  to: SegmentProgress;
  readonly lines: string[];
}

async function writeDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, bytes, { mode: 0o600 });
  const handle = await open(tmp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/** "2025-05-20T20:46:16Z" → ["2025", "05", "20", "20250520T2046Z"] */
function timeParts(eventTime: string): [string, string, string, string] {
  const date = Number.isNaN(Date.parse(eventTime)) ? new Date(0) : new Date(eventTime);
  const iso = date.toISOString();
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  return [yyyy, mm, dd, `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`];
}

export class CloudTrailExport implements FollowerConsumer {
  readonly what = "the CloudTrail export";
  private pending: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly flushAfterMs: number;
  private readonly maxRecords: number;

  private constructor(
    private readonly options: CloudTrailExportOptions,
    private readonly segments: Map<string, SegmentProgress>,
  ) {
    this.flushAfterMs = options.flushAfterMs ?? 60_000;
    this.maxRecords = options.maxRecords ?? 10_000;
  }

  static async open(options: CloudTrailExportOptions): Promise<CloudTrailExport> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const segments = new Map<string, SegmentProgress>();
    try {
      const text = await readFile(join(options.dir, cloudTrailProgressFile), "utf8");
      const saved = JSON.parse(text) as { segments?: Record<string, SegmentProgress> };
      for (const [id, progress] of Object.entries(saved.segments ?? {}))
        segments.set(id, { offset: progress.offset, complete: progress.complete });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        options.log(
          `the CloudTrail export's progress file in ${options.dir} is unreadable (${String(error)}): exporting the audit files again from their start`,
        );
    }
    return new CloudTrailExport(options, segments);
  }

  async progress(segmentId: string): Promise<SegmentProgress | undefined> {
    if (this.pending?.segmentId === segmentId) return this.pending.to;
    return this.segments.get(segmentId);
  }

  take(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    lines: readonly Buffer[],
  ): Promise<boolean> {
    return this.serially(async () => {
      if (((await this.progress(segmentId))?.offset ?? 0) !== from) return false;
      if (this.pending && this.pending.segmentId !== segmentId) await this.write();
      this.pending ??= { segmentId, start: from, to, lines: [] };
      for (const line of lines) if (line.length > 0) this.pending.lines.push(line.toString("utf8"));
      this.pending.to = to;
      if (to.complete || this.pending.lines.length >= this.maxRecords) await this.write();
      else if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.serially(() => this.write()).catch((error: unknown) =>
            this.options.log(`the CloudTrail export could not write: ${String(error)}`),
          );
        }, this.flushAfterMs);
        this.timer.unref();
      }
      return true;
    });
  }

  /** Writes what is pending. */
  flush(): Promise<void> {
    return this.serially(() => this.write());
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step);
    this.tail = run.catch(() => {});
    return run;
  }

  private async write(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    if (!batch) return;
    const groups = new Map<string, { account: string; region: string; lines: string[] }>();
    for (const line of batch.lines) {
      let account = "unknown";
      let region = "unknown";
      try {
        const record = JSON.parse(line) as { recipientAccountId?: unknown; awsRegion?: unknown };
        if (typeof record.recipientAccountId === "string") account = record.recipientAccountId;
        if (typeof record.awsRegion === "string") region = record.awsRegion;
      } catch {
        // A line cut short by a crash is no record: CloudTrail files hold whole records only.
        continue;
      }
      const key = `${account}/${region}`;
      let group = groups.get(key);
      if (!group) {
        group = { account, region, lines: [] };
        groups.set(key, group);
      }
      group.lines.push(line);
    }
    for (const group of groups.values()) await this.writeFile(batch, group);
    this.pending = undefined;
    this.segments.delete(batch.segmentId);
    this.segments.set(batch.segmentId, batch.to);
    await this.saveProgress();
  }

  private async writeFile(
    batch: Pending,
    group: { account: string; region: string; lines: string[] },
  ): Promise<void> {
    const first = JSON.parse(group.lines[0] as string) as { eventTime?: string };
    const [yyyy, mm, dd, stamp] = timeParts(first.eventTime ?? "");
    const dir = join(
      this.options.dir,
      "AWSLogs",
      group.account,
      "CloudTrail",
      group.region,
      yyyy,
      mm,
      dd,
    );
    const unique = sha256Hex(
      `${batch.segmentId}:${batch.start}:${group.account}:${group.region}`,
    ).slice(0, 16);
    const name = `${group.account}_CloudTrail_${group.region}_${stamp}_${unique}.json.gz`;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const body = `{"Records":[${group.lines.join(",")}]}`;
    await writeDurably(join(dir, name), await gzip(body));
  }

  private async saveProgress(): Promise<void> {
    const complete = [...this.segments].filter(([, progress]) => progress.complete);
    for (const [id] of complete.slice(0, Math.max(0, complete.length - rememberedSegments)))
      this.segments.delete(id);
    const text = JSON.stringify({ version: 1, segments: Object.fromEntries(this.segments) });
    await writeDurably(join(this.options.dir, cloudTrailProgressFile), text);
  }
}
