/**
 * Feeds the audit index from the follower: each batch of lines becomes rows (index-rows.ts),
 * written with the segment's new offset in one transaction. A line that is not a record (the
 * last line of a file cut short by a crash) is skipped and said once per batch.
 */
import type { LineLogger } from "../../vocabulary/ports.js";
import type { FollowerConsumer } from "./audit-follower.js";
import {
  type AuditIndexWriter,
  type IndexedRow,
  indexedRow,
  type SegmentProgress,
} from "./index-rows.js";

export class IndexConsumer implements FollowerConsumer {
  readonly what = "the audit index";

  constructor(
    private readonly writer: AuditIndexWriter,
    private readonly log: LineLogger,
  ) {}

  progress(segmentId: string): Promise<SegmentProgress | undefined> {
    return this.writer.progress(segmentId);
  }

  take(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    lines: readonly Buffer[],
  ): Promise<boolean> {
    const rows: IndexedRow[] = [];
    let skipped = 0;
    for (const line of lines) {
      const row = indexedRow(line.toString("utf8"));
      if (row) rows.push(row);
      else if (line.length > 0) skipped += 1;
    }
    if (skipped > 0)
      this.log(
        `the audit index skipped ${skipped} lines that are not records in the audit file whose first record is ${segmentId} (a line cut short by a crash)`,
      );
    return this.writer.add(segmentId, from, to, rows);
  }
}
