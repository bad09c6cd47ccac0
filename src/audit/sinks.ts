/**
 * Where audit records go: a JSON-lines file (the default, audit.jsonl in the data directory),
 * standard output, both, or nowhere. A request never waits for the disk: records are queued in
 * memory and appended by one write at a time, each write carrying everything queued since the
 * last; close() drains the queue. The file is created owner-only (0600), like the database,
 * because request parameters such as encryption context can be sensitive to the owner.
 */
import { chmod, type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import type { TrentConfig } from "../config.js";
import type { Logger } from "../protocol/pipeline.js";
import type { CloudTrailRecord } from "./cloudtrail-record.js";

export interface AuditSink {
  /** Queues one record; never throws and never waits. */
  write(record: CloudTrailRecord): void;
  /** Writes everything queued, then releases the sink. */
  close(): Promise<void>;
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

function line(record: CloudTrailRecord): string {
  return `${JSON.stringify(record)}\n`;
}

export class JsonLinesFileSink implements AuditSink {
  private queue: string[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  /** Opens (creating if needed) the file for appending, owner-only. */
  static async open(path: string, log: Logger): Promise<JsonLinesFileSink> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(path, "a", 0o600);
    // The mode given to open only applies when the file is created.
    await chmod(path, 0o600);
    return new JsonLinesFileSink(file, path, log);
  }

  write(record: CloudTrailRecord): void {
    if (this.closed) {
      this.log(`audit record ${record.eventID} arrived after the audit file was closed`);
      return;
    }
    this.queue.push(line(record));
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Let the records of this turn of the event loop join the first write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const chunk = this.queue.join("");
      this.queue = [];
      try {
        await this.file.appendFile(chunk, "utf8");
      } catch (error) {
        this.log(`could not append to audit file ${this.path}: ${String(error)}`);
      }
    }
    this.draining = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
    await this.file.close();
  }
}

/** Writes each record as a line to a stream such as process.stdout; does not close it. */
export class StreamSink implements AuditSink {
  constructor(private readonly stream: Writable) {}

  write(record: CloudTrailRecord): void {
    this.stream.write(line(record));
  }

  async close(): Promise<void> {
    if (!this.stream.writableNeedDrain) return;
    await new Promise<void>((resolve) => this.stream.once("drain", () => resolve()));
  }
}

class FanOutSink implements AuditSink {
  constructor(private readonly sinks: readonly AuditSink[]) {}

  write(record: CloudTrailRecord): void {
    for (const sink of this.sinks) sink.write(record);
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.close()));
  }
}

/** The sinks config asks for: the audit file and/or standard output, possibly none. */
export async function openAuditSink(
  config: Pick<TrentConfig, "auditFile" | "auditStdout" | "dataDir">,
  log: Logger,
  stdout: Writable = process.stdout,
): Promise<AuditSink> {
  const sinks: AuditSink[] = [];
  const path = auditFilePath(config);
  if (path !== undefined) sinks.push(await JsonLinesFileSink.open(path, log));
  if (config.auditStdout) sinks.push(new StreamSink(stdout));
  return new FanOutSink(sinks);
}
