/**
 * How audit records reach a file or a stream: grouped per event-loop turn, one write in flight
 * at a time (sinks.ts explains why an answer waits for its group), and the one log line per
 * streak of failed writes.
 */
import type { Logger } from "../../vocabulary/ports.js";

/** Writes one group's text; must not reject; resolves to false when the write failed. */
export type ChunkWriter = (chunk: string, lines: number) => Promise<unknown>;

/**
 * What metrics see of the audit sinks: each group write as it ends, with the sink it went to,
 * the records it held, how long it took and whether it reached the operating system.
 */
export interface AuditWriteObserver {
  written(sink: "file" | "stdout", records: number, durationMs: number, ok: boolean): void;
}

/** Called after each group write (for metrics). */
export type GroupWritten = (records: number, durationMs: number, ok: boolean) => void;

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
export class FailureReport {
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
