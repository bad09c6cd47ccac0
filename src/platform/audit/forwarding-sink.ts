/**
 * The audit sink of a worker process (TRENT_WORKERS > 1): its records go to the primary
 * process, which owns the one audit trail (file, rotation, digests, index) and writes them
 * through its own sink, then acknowledges. `forward` resolves once the primary's sink has
 * handed the lines to the operating system, so an answer still leaves only after its record is
 * in the audit file, as sinks.ts requires of every sink.
 *
 * Lines are grouped per event-loop turn (grouped-lines.ts): one message and one acknowledgement
 * per group, one group in flight at a time, so under load a message carries many requests'
 * records. A group the primary could not take (the channel closed) is reported as a failed
 * write, and the worker keeps serving, as with a failed file write.
 */
import type { LogTarget } from "../../vocabulary/ports.js";
import { toLogger } from "../../vocabulary/ports.js";
import type { AuditRecord } from "./cloudtrail-record.js";
import { FailureReport, GroupedLines } from "./grouped-lines.js";
import type { LineAuditSink } from "./sinks.js";

/**
 * Sends one group of lines (each a record's JSON and a newline) to the process that writes the
 * trail; resolves to true once they were written there, false when they could not be.
 */
export type ForwardLines = (chunk: string, lines: number) => Promise<boolean>;

export class ForwardingSink implements LineAuditSink {
  private readonly groups: GroupedLines;

  constructor(forward: ForwardLines, log: LogTarget) {
    const failures = new FailureReport("the primary process", toLogger(log));
    this.groups = new GroupedLines(async (chunk, lines) => {
      const ok = await forward(chunk, lines);
      if (ok) failures.succeeded();
      else failures.failed(lines, "the primary did not acknowledge them");
      return ok;
    });
  }

  write(record: AuditRecord): Promise<void> {
    return this.groups.add(`${JSON.stringify(record)}\n`);
  }

  writeLine(text: string): Promise<void> {
    return this.groups.add(text);
  }

  pending(): number {
    return this.groups.pending();
  }

  close(): Promise<void> {
    return this.groups.drain();
  }
}
