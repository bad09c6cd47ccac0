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
 *
 * The file itself, with its rotation, is audit-file.ts; grouping is grouped-lines.ts.
 */
import { join } from "node:path";
import type { Writable } from "node:stream";
import type { TrentConfig } from "../../vocabulary/config.js";
import { type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { type FileSinkOptions, JsonLinesFileSink } from "./audit-file.js";
import type { AuditRecord } from "./cloudtrail-record.js";
import { type AuditWriteObserver, FailureReport, GroupedLines } from "./grouped-lines.js";

export type { AuditWriteObserver } from "./grouped-lines.js";

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
 * A sink that also takes records already serialized, one JSON line each: what the primary of
 * several worker processes writes their records with (forwarding-sink.ts), byte for byte.
 */
export interface LineAuditSink extends AuditSink {
  /** `text` is one record's line, newline included; resolves as `write` does. */
  writeLine(text: string): Promise<void>;
}

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

class FanOutSink implements LineAuditSink {
  constructor(private readonly sinks: readonly LineSink[]) {}

  write(record: AuditRecord): Promise<void> {
    return this.writeLine(line(record));
  }

  async writeLine(text: string): Promise<void> {
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
export const noSink: LineAuditSink = {
  write: () => written,
  writeLine: () => written,
  pending: () => 0,
  close: async () => {},
};

/**
 * The sinks config asks for: the audit file and/or standard output, possibly none. `file`
 * adds the file's rotation and its listeners (audit-outputs.ts).
 */
export async function openAuditSink(
  config: Pick<TrentConfig, "auditFile" | "auditStdout" | "auditFsync" | "dataDir">,
  log: LogTarget,
  stdout: Writable = process.stdout,
  file: Omit<FileSinkOptions, "fsync"> = {},
  observer?: AuditWriteObserver,
): Promise<LineAuditSink> {
  const sinks: LineSink[] = [];
  const path = auditFilePath(config);
  if (path !== undefined)
    sinks.push(
      await JsonLinesFileSink.open(path, log, { ...file, fsync: config.auditFsync }, observer),
    );
  if (config.auditStdout) sinks.push(new StreamSink(stdout, log, observer));
  const [only] = sinks;
  if (sinks.length === 1 && only) return only;
  return sinks.length === 0 ? noSink : new FanOutSink(sinks);
}
