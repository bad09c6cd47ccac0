/**
 * Where audit records go: a JSON-lines file (the default, audit.jsonl in the data directory),
 * standard output, both, or nowhere; and the promise that lets an answer wait for its record.
 *
 * `write` resolves once the record's bytes were handed to the operating system: the write
 * system call on the file returned (with TRENT_AUDIT_FSYNC=true, fdatasync too), or the
 * stream's write callback ran. The pipeline sends no answer before that, so a `kill -9` can
 * lose no record of an answered request; only power loss can, unless fsync is on. Records are
 * grouped per event-loop turn: everything written during one turn goes out in one write, one
 * write is in flight at a time, and what arrives meanwhile forms the next group. Under load
 * that is one system call for many requests; an idle request waits one turn and one write.
 *
 * A failed write never fails the request (nor does `write` ever reject). That is a decision,
 * also for EIO or ENOSPC on the audit file: the answer reports a change that has already
 * committed, and refusing it would make the client retry a write that happened (a second
 * CreateKey) while the record stays missing either way. Refusing every later request instead
 * would turn a full log disk into a KMS outage for all applications. So Trent keeps serving,
 * logs the first failure of a streak and, once writes succeed again, how many records were
 * lost; every group is tried afresh, so a passing ENOSPC heals without a restart. Operators
 * who must never serve unaudited alert on that log line.
 *
 * The file is created owner-only (0600), like the database, because request parameters such
 * as encryption context can be sensitive to the owner.
 */
import { chmod, type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import type { TrentConfig } from "../../vocabulary/config.js";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import type { AuditRecord } from "./cloudtrail-record.js";

export interface AuditSink {
  /**
   * Queues one record; resolves once it was handed to the operating system (see above).
   * Never rejects: a failure is logged for the operator.
   */
  write(record: AuditRecord): Promise<void>;
  /** Records accepted and not yet handed to the operating system (for metrics). */
  pending?(): number;
  /** Writes everything queued, then releases the sink. */
  close(): Promise<void>;
}

/**
 * What metrics see of the audit sinks: each group write as it ends, with the sink it went to,
 * the records it held, how long it took and whether it reached the operating system.
 */
export interface AuditWriteObserver {
  written(sink: "file" | "stdout", records: number, durationMs: number, ok: boolean): void;
}

/** Called by GroupedLines after each group write. */
export type GroupWritten = (records: number, durationMs: number, ok: boolean) => void;

export const auditFileName = "audit.jsonl";

/** The audit file config asks for, or undefined for none. */
export function auditFilePath(
  config: Pick<TrentConfig, "auditFile" | "dataDir">,
): string | undefined {
  if (config.auditFile === "none") return undefined;
  if (config.auditFile !== undefined) return config.auditFile;
  return config.dataDir === ":memory:" ? undefined : join(config.dataDir, auditFileName);
}

function line(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Writes one group's text; must not reject; resolves to false when the write failed. */
export type ChunkWriter = (chunk: string, lines: number) => Promise<unknown>;

interface Group {
  readonly written: Promise<void>;
  readonly resolve: () => void;
}

function newGroup(): Group {
  let resolve!: () => void;
  const written = new Promise<void>((r) => {
    resolve = r;
  });
  return { written, resolve };
}

/**
 * Lines grouped per event-loop turn and written by one `ChunkWriter` call per group, one call
 * at a time. Every line of a group shares the group's promise, so a busy turn costs one
 * promise and one system call, not one per record.
 */
export class GroupedLines {
  private lines: string[] = [];
  /** The group being filled; its write has not started. */
  private next: Group | undefined;
  /** The group whose write is in flight. */
  private writing: Group | undefined;
  private flushScheduled = false;
  /** Lines of the group in flight. */
  private writingLines = 0;

  constructor(
    private readonly writeChunk: ChunkWriter,
    private readonly onWritten?: GroupWritten,
  ) {}

  /** Lines added and not yet written: the group being filled and the one in flight. */
  pending(): number {
    return this.lines.length + this.writingLines;
  }

  add(text: string): Promise<void> {
    this.lines.push(text);
    this.next ??= newGroup();
    this.schedule();
    return this.next.written;
  }

  /** Resolves once every line added so far was written. */
  async drain(): Promise<void> {
    // The group being filled is written after the one in flight, so it is the one to await.
    for (let group = this.next ?? this.writing; group; group = this.next ?? this.writing)
      await group.written;
  }

  private schedule(): void {
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    // setImmediate runs after the poll phase, so every record queued in this turn joins.
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const group = this.next;
    if (!group) return;
    const chunk = this.lines.join("");
    const count = this.lines.length;
    this.lines = [];
    this.next = undefined;
    this.writing = group;
    this.writingLines = count;
    const started = performance.now();
    const finished = (ok: boolean) => {
      this.writing = undefined;
      this.writingLines = 0;
      this.onWritten?.(count, performance.now() - started, ok);
      group.resolve();
      if (this.next) this.schedule();
    };
    // A writer that rejects anyway must not stall every later answer.
    this.writeChunk(chunk, count).then(
      (result) => finished(result !== false),
      () => finished(false),
    );
  };
}

/** Logs the first failure of a streak and, when writes succeed again, what the streak cost. */
class FailureReport {
  private lost = 0;

  constructor(
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  failed(lines: number, error: unknown): void {
    if (this.lost === 0)
      this.log.error(
        `could not write audit records to ${this.what}: ${String(error)}; requests are still ` +
          "answered, and their records are lost until writing succeeds again",
      );
    this.lost += lines;
  }

  succeeded(): void {
    if (this.lost === 0) return;
    this.log.warn(`audit records are written to ${this.what} again; ${this.lost} were lost`);
    this.lost = 0;
  }

  closing(): void {
    if (this.lost > 0) this.log.error(`${this.lost} audit records were lost writing ${this.what}`);
  }
}

export interface FileSinkOptions {
  /** fdatasync each group before its records count as written (TRENT_AUDIT_FSYNC). */
  readonly fsync: boolean;
}

export class JsonLinesFileSink implements AuditSink {
  private readonly groups: GroupedLines;
  private readonly failures: FailureReport;
  private closed = false;
  /** A failed write left part of a line in the file: the next group starts on a new line. */
  private torn = false;

  private constructor(
    private readonly file: FileHandle,
    path: string,
    private readonly log: Logger,
    private readonly fsync: boolean,
    observer: AuditWriteObserver | undefined,
  ) {
    this.groups = new GroupedLines(
      (chunk, lines) => this.append(chunk, lines),
      observer && ((records, ms, ok) => observer.written("file", records, ms, ok)),
    );
    this.failures = new FailureReport(`audit file ${path}`, log);
  }

  /** Opens (creating if needed) the file for appending, owner-only. */
  static async open(
    path: string,
    log: LogTarget,
    options: FileSinkOptions = { fsync: false },
    observer?: AuditWriteObserver,
  ): Promise<JsonLinesFileSink> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(path, "a", 0o600);
    // The mode given to open only applies when the file is created.
    await chmod(path, 0o600);
    return new JsonLinesFileSink(file, path, toLogger(log), options.fsync, observer);
  }

  write(record: AuditRecord): Promise<void> {
    return this.writeLine(line(record));
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

  private async append(chunk: string, lines: number): Promise<boolean> {
    const bytes = Buffer.from(this.torn ? `\n${chunk}` : chunk, "utf8");
    let offset = 0;
    try {
      // A regular file takes the whole buffer in one call unless the disk fills up midway.
      while (offset < bytes.length) {
        const { bytesWritten } = await this.file.write(bytes, offset, bytes.length - offset, null);
        offset += bytesWritten;
      }
      this.torn = false;
      if (this.fsync) await this.file.datasync();
      this.failures.succeeded();
      return true;
    } catch (error) {
      if (offset > 0 && offset < bytes.length) this.torn = true;
      this.failures.failed(lines, error);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.groups.drain();
    this.failures.closing();
    await this.file.close();
  }
}

/** Writes each record as a line to a stream such as process.stdout; does not close it. */
export class StreamSink implements AuditSink {
  private readonly groups: GroupedLines;
  // An unhandled 'error' (EPIPE once the reader is gone) would end the process; the write
  // callback reports the failure.
  private readonly ignoreError = () => {};

  constructor(
    private readonly stream: Writable,
    log: LogTarget,
    observer?: AuditWriteObserver,
  ) {
    const failures = new FailureReport("standard output", toLogger(log));
    stream.on("error", this.ignoreError);
    this.groups = new GroupedLines(
      (chunk, lines) =>
        new Promise((resolve) => {
          stream.write(chunk, (error) => {
            if (error) failures.failed(lines, error);
            else failures.succeeded();
            resolve(!error);
          });
        }),
      observer && ((records, ms, ok) => observer.written("stdout", records, ms, ok)),
    );
  }

  pending(): number {
    return this.groups.pending();
  }

  write(record: AuditRecord): Promise<void> {
    return this.writeLine(line(record));
  }

  writeLine(text: string): Promise<void> {
    return this.groups.add(text);
  }

  async close(): Promise<void> {
    await this.groups.drain();
    this.stream.off("error", this.ignoreError);
  }
}

type LineSink = JsonLinesFileSink | StreamSink;

class FanOutSink implements AuditSink {
  constructor(private readonly sinks: readonly LineSink[]) {}

  async write(record: AuditRecord): Promise<void> {
    const text = line(record);
    await Promise.all(this.sinks.map((sink) => sink.writeLine(text)));
  }

  pending(): number {
    return Math.max(...this.sinks.map((sink) => sink.pending()));
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.close()));
  }
}

const written = Promise.resolve();

/** For TRENT_AUDIT_FILE=none (or :memory:) without standard output: records go nowhere. */
const noSink: AuditSink = {
  write: () => written,
  pending: () => 0,
  close: async () => {},
};

/** The sinks config asks for: the audit file and/or standard output, possibly none. */
export async function openAuditSink(
  config: Pick<TrentConfig, "auditFile" | "auditStdout" | "auditFsync" | "dataDir">,
  log: LogTarget,
  stdout: Writable = process.stdout,
  observer?: AuditWriteObserver,
): Promise<AuditSink> {
  const sinks: LineSink[] = [];
  const path = auditFilePath(config);
  if (path !== undefined)
    sinks.push(await JsonLinesFileSink.open(path, log, { fsync: config.auditFsync }, observer));
  if (config.auditStdout) sinks.push(new StreamSink(stdout, log, observer));
  const [only] = sinks;
  if (sinks.length === 1 && only) return only;
  return sinks.length === 0 ? noSink : new FanOutSink(sinks);
}
