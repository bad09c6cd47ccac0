/**
 * The audit file: records appended as JSON lines to the live file (audit.jsonl by default),
 * which is rotated by size and by time. The durability rule of sinks.ts holds across
 * rotations: a group's write returns only once its bytes are in a file that keeps them.
 *
 * Rotation happens between two groups' writes, never during one, so a group lands whole in one
 * file: before the write that would take the file past `maxBytes` (a single group larger than
 * that still goes in whole), or before the first write of a new hour or day (UTC), and also on
 * a timer at that boundary so an idle trail is rotated too. Rotating is a rename of the live
 * file to its rotated name (audit-files.ts) and the creation of a new live file; with fsync,
 * the data is flushed before the rename and the directory after it. The rename is atomic: a
 * `kill -9` at any moment leaves every written record either in the live file or in the
 * rotated one. What follows (digest, compression, retention) is the archive's work
 * (audit-archive.ts), told through `onRotated`; the followers (index, CloudTrail files) are told
 * about every write through `onWritten`. It is an AuditSink (sinks.ts), by shape.
 *
 * The file is created owner-only (0600), like the database, because request parameters such
 * as encryption context can be sensitive to the owner.
 */
// The module object, not a named import: tests count and fail its writeSync calls.
import fs from "node:fs";
import { access, chmod, type FileHandle, mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { AuditRotation } from "../../vocabulary/config.js";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { AuditFiles, stampOf, syncDirectory } from "./audit-files.js";
import type { AuditRecord } from "./cloudtrail-record.js";
import { type AuditWriteObserver, FailureReport, GroupedLines } from "./grouped-lines.js";

export interface RotationPolicy {
  /** Rotate before the file would grow past this; 0: no size limit. */
  readonly maxBytes: number;
  readonly every: AuditRotation;
}

export interface FileSinkOptions {
  /** fdatasync each group before its records count as written (TRENT_AUDIT_FSYNC). */
  readonly fsync: boolean;
  /** No rotation unless given. */
  readonly rotation?: RotationPolicy;
  readonly now?: () => Date;
  /** After each group's write, so followers can read what is new. */
  readonly onWritten?: () => void;
  /** After each rotation, with the rotated file's path. */
  readonly onRotated?: (path: string) => void;
}

const periodMs: Readonly<Record<AuditRotation, number>> = {
  hourly: 60 * 60 * 1000,
  daily: 24 * 60 * 60 * 1000,
  none: Number.POSITIVE_INFINITY,
};

/** Which hour or day (UTC) a moment falls in, as a number; one period for "none". */
function periodOf(every: AuditRotation, time: Date): number {
  return every === "none" ? 0 : Math.floor(time.getTime() / periodMs[every]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What an existing live file holds: its size, whether its last line is complete, and when
 * its first record was written (the period it belongs to), or undefined when it is empty.
 */
async function inspect(
  file: FileHandle,
): Promise<{ size: number; torn: boolean; startedAt: Date | undefined }> {
  const { size, mtime } = await file.stat();
  if (size === 0) return { size, torn: false, startedAt: undefined };
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  const head = Buffer.alloc(Math.min(size, 64 << 10));
  await file.read(head, 0, head.length, 0);
  let startedAt: Date = mtime;
  const end = head.indexOf(0x0a);
  try {
    const first = JSON.parse(head.subarray(0, end < 0 ? head.length : end).toString("utf8")) as {
      eventTime?: unknown;
    };
    const time = typeof first.eventTime === "string" ? new Date(first.eventTime) : undefined;
    if (time && !Number.isNaN(time.getTime())) startedAt = time;
  } catch {
    // A first line cut short: the file's modification time stands in.
  }
  return { size, torn: last[0] !== 0x0a, startedAt };
}

export class JsonLinesFileSink {
  private readonly groups: GroupedLines;
  private readonly failures: FailureReport;
  private readonly files: AuditFiles;
  private readonly rotation: RotationPolicy;
  private readonly now: () => Date;
  private closed = false;
  /** A failed write left part of a line in the file: the next group starts on a new line. */
  private torn: boolean;
  private size: number;
  /** The period of the live file's first record; undefined while it is empty. */
  private period: number | undefined;
  /** The last step (a write or a rotation) on the file; the next one runs after it. */
  private tail: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private rotationFailing = false;

  private constructor(
    private file: FileHandle,
    path: string,
    private readonly log: Logger,
    private readonly options: FileSinkOptions,
    found: { size: number; torn: boolean; startedAt: Date | undefined },
    observer: AuditWriteObserver | undefined,
  ) {
    this.groups = new GroupedLines(
      (chunk, lines) => this.exclusive(() => this.append(chunk, lines)),
      observer && ((records, ms, ok) => observer.written("file", records, ms, ok)),
    );
    this.failures = new FailureReport(`audit file ${path}`, log);
    this.files = new AuditFiles(path);
    this.rotation = options.rotation ?? { maxBytes: 0, every: "none" };
    this.now = options.now ?? (() => new Date());
    this.size = found.size;
    this.torn = found.torn;
    this.period =
      found.startedAt === undefined ? undefined : periodOf(this.rotation.every, found.startedAt);
    this.scheduleTimer();
  }

  /** Opens (creating if needed) the file for appending, owner-only. */
  static async open(
    path: string,
    log: LogTarget,
    options: FileSinkOptions = { fsync: false },
    observer?: AuditWriteObserver,
  ): Promise<JsonLinesFileSink> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(path, "a+", 0o600);
    // The mode given to open only applies when the file is created.
    await chmod(path, 0o600);
    return new JsonLinesFileSink(file, path, toLogger(log), options, await inspect(file), observer);
  }

  /** The live file's path. */
  get path(): string {
    return this.files.live;
  }

  write(record: AuditRecord): Promise<void> {
    return this.writeLine(`${JSON.stringify(record)}\n`);
  }

  writeLine(text: string): Promise<void> {
    if (this.closed) {
      this.log.error("an audit record arrived after the audit file was closed");
      return Promise.resolve();
    }
    return this.groups.add(text);
  }

  pending(): number {
    return this.groups.pending();
  }

  /** Runs `step` after every step queued before it; never rejects (false when it threw). */
  private exclusive<T>(step: () => Promise<T>): Promise<T | false> {
    const run = this.tail.then(step).catch((error: unknown): false => {
      this.log.error(`audit file ${this.files.live}: ${String(error)}`, { err: error });
      return false;
    });
    this.tail = run.then(() => {});
    return run;
  }

  /** Appends one group; resolves to false when its records did not reach the file. */
  private async append(chunk: string, lines: number): Promise<boolean> {
    const bytes = Buffer.from(this.torn ? `\n${chunk}` : chunk, "utf8");
    await this.rotateIfDue(bytes.length);
    let offset = 0;
    let ok = false;
    try {
      // A regular file takes the whole buffer in one call unless the disk fills up midway.
      // Without fsync the write is synchronous: appending a group to the page cache takes a
      // few microseconds, while the asynchronous write's promise and thread-pool round trip
      // cost the event loop about a tenth of an Encrypt (bench/README.md). It is still one
      // write per group, and it has returned before any answer of the group leaves.
      while (offset < bytes.length) {
        offset += this.options.fsync
          ? (await this.file.write(bytes, offset, bytes.length - offset, null)).bytesWritten
          : fs.writeSync(this.file.fd, bytes, offset, bytes.length - offset, null);
      }
      this.torn = false;
      if (this.options.fsync) await this.file.datasync();
      this.failures.succeeded();
      ok = true;
    } catch (error) {
      if (offset > 0 && offset < bytes.length) this.torn = true;
      this.failures.failed(lines, error);
    }
    this.size += offset;
    if (offset > 0) this.period ??= periodOf(this.rotation.every, this.now());
    this.options.onWritten?.();
    return ok;
  }

  private async rotateIfDue(incoming: number): Promise<void> {
    if (this.size === 0) return;
    const now = this.now();
    const { maxBytes, every } = this.rotation;
    const bySize = maxBytes > 0 && this.size + incoming > maxBytes;
    const byTime = this.period !== undefined && periodOf(every, now) !== this.period;
    if (!bySize && !byTime) return;
    try {
      await this.rotate(now);
      if (this.rotationFailing) this.log.warn(`audit file ${this.files.live} rotates again`);
      this.rotationFailing = false;
    } catch (error) {
      // Records keep going to the live file, which only grows past its limit.
      if (!this.rotationFailing)
        this.log.error(
          `could not rotate audit file ${this.files.live}: ${String(error)}; records are still written to it`,
        );
      this.rotationFailing = true;
    }
  }

  /**
   * The rotated name: the rotation time, or a millisecond past the newest rotated file when
   * the clock stepped back (names must sort in the order of the trail: the digest chain and
   * the followers go by it), and a millisecond later again while the name is taken.
   */
  private async freeStamp(now: Date): Promise<string> {
    const newest = (await this.files.list()).at(-1)?.rotatedAt.getTime() ?? 0;
    let time = Math.max(now.getTime(), newest + 1);
    for (;;) {
      const stamp = stampOf(new Date(time));
      const taken = await Promise.all(
        (["plain", "gz", "digest"] as const).map((kind) => exists(this.files.path(stamp, kind))),
      );
      if (!taken.includes(true)) return stamp;
      time += 1;
    }
  }

  private async rotate(now: Date): Promise<void> {
    const stamp = await this.freeStamp(now);
    const rotated = this.files.path(stamp, "plain");
    // With fsync the records were flushed group by group; the rename must not outrun them.
    if (this.options.fsync) await this.file.datasync();
    await rename(this.files.live, rotated);
    let next: FileHandle;
    try {
      next = await open(this.files.live, "a+", 0o600);
      await chmod(this.files.live, 0o600);
    } catch (error) {
      // Without a new live file, the old one must keep its name and its records.
      await rename(rotated, this.files.live);
      throw error;
    }
    if (this.options.fsync) await syncDirectory(this.files.dir);
    const old = this.file;
    this.file = next;
    this.size = 0;
    this.torn = false;
    this.period = undefined;
    await old.close();
    this.options.onRotated?.(rotated);
  }

  /** Rotates at the next hour or day boundary even when no record arrives. */
  private scheduleTimer(): void {
    const every = this.rotation.every;
    if (every === "none" || this.closed) return;
    const ms = periodMs[every];
    const wait = ms - (this.now().getTime() % ms) + 5;
    this.timer = setTimeout(() => {
      void this.exclusive(() => this.rotateIfDue(0));
      this.scheduleTimer();
    }, wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.groups.drain();
    await this.tail;
    this.failures.closing();
    await this.file.close();
  }
}
