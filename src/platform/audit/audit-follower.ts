/**
 * Follows an audit trail's files and hands each complete line, once, to a consumer: the audit
 * index (index-consumer.ts) or the CloudTrail export (cloudtrail-export.ts). The audit file is
 * the record of truth; what follows it is derived and catches up by reading it again.
 *
 * Files are named by content, not by path: a file's segment id is the eventID of its first
 * record, which stays the same when the file is rotated (renamed) and compressed. The consumer
 * keeps, per segment, how far it has read (a byte offset of the uncompressed content) and
 * whether the segment is complete (rotated and read to its end), in the same transaction as
 * what it made of the lines, so a crash at any point neither skips nor repeats a line.
 *
 * A pass: if the live file is a new segment (the one followed so far was rotated), or on the
 * first pass, catch up first: walk the rotated files from the newest back to the first
 * complete one, and read each from its offset to its end, oldest first. Then read the live file
 * from its offset. The live file is read through one open handle, whose first line names it,
 * so a rotation in the middle of a pass cannot mix two segments.
 */
import { type FileHandle, open } from "node:fs/promises";
import type { LineLogger } from "../../vocabulary/ports.js";
import type { AuditFiles, RotatedFile } from "./audit-files.js";
import { firstEventId, readLines } from "./audit-lines.js";
import type { SegmentProgress } from "./index-rows.js";

export interface FollowerConsumer {
  /** For log lines: "audit index", "CloudTrail export". */
  readonly what: string;
  progress(segmentId: string): Promise<SegmentProgress | undefined>;
  /**
   * Takes the lines from offset `from` up to `to.offset` of a segment (none, to only mark it
   * complete). Resolves false when the segment's progress was not at `from` (another follower
   * moved it); the follower then reads its progress again.
   */
  take(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    lines: readonly Buffer[],
  ): Promise<boolean>;
}

/**
 * Lines per transaction when catching up: big batches write each page of the key index once
 * for many records (bench: a third of the cost per record against 4 MiB batches).
 */
const batchBytes = 16 << 20;

export class AuditFollower {
  private followed: string | undefined;
  private nudged: NodeJS.Timeout | undefined;
  private lastPass = 0;
  private caughtUp = false;
  private running: Promise<void> | undefined;
  private again = false;
  private failing = false;

  constructor(
    private readonly files: AuditFiles,
    private readonly consumer: FollowerConsumer,
    private readonly log: LineLogger,
    /** Passes that `nudge` starts begin at least this far apart. */
    private readonly minIntervalMs = 0,
  ) {}

  /**
   * The audit file grew: a pass soon, at most one per `minIntervalMs`, so that under load each
   * transaction takes the records of many groups rather than one.
   */
  nudge(): void {
    if (this.nudged) return;
    const wait = Math.max(0, this.lastPass + this.minIntervalMs - Date.now());
    this.nudged = setTimeout(() => {
      this.nudged = undefined;
      void this.poke();
    }, wait);
  }

  /** Stops a nudge that has not started its pass yet. */
  cancel(): void {
    if (this.nudged) clearTimeout(this.nudged);
    this.nudged = undefined;
  }

  /**
   * Reads what is new. Calls while a pass runs make one more pass after it; the promise
   * resolves once everything written before the call was taken.
   */
  poke(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.lastPass = Date.now();
        try {
          await this.pass();
          if (this.failing) this.log(`${this.consumer.what} follows ${this.files.live} again`);
          this.failing = false;
        } catch (error) {
          if (!this.failing)
            this.log(
              `${this.consumer.what} could not follow ${this.files.live}: ${String(error)}; it catches up with the next write`,
            );
          this.failing = true;
          this.caughtUp = false;
        }
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.files.live, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    try {
      // Read every pass, not cached by inode: a new live file may get a deleted file's inode.
      const liveId = handle ? await firstEventId(handle) : undefined;
      // A live file this follower has not followed yet: whatever was rotated before it comes
      // first (also on a first look that finds the trail already rotated past its start).
      if (!this.caughtUp || liveId !== this.followed) {
        await this.catchUp();
        this.caughtUp = true;
      }
      if (handle && liveId !== undefined) {
        await this.readSegment(liveId, handle, false);
        this.followed = liveId;
      }
    } finally {
      await handle?.close();
    }
  }

  /** Reads every rotated file not yet complete, oldest first. */
  private async catchUp(): Promise<void> {
    const rotations = await this.files.list();
    const pending: { id: string; rotation: RotatedFile }[] = [];
    for (const rotation of rotations.reverse()) {
      const path = this.files.contentPath(rotation);
      if (!path) continue;
      const id = await this.firstIdOf(rotation);
      if (id === undefined) continue;
      if ((await this.consumer.progress(id))?.complete) break;
      pending.unshift({ id, rotation });
    }
    for (const { id, rotation } of pending) await this.readRotated(id, rotation);
  }

  /**
   * The first eventID of a rotated file, wherever its content is now: the archive may compress
   * it between two looks, so the compressed file is tried again after the plain one.
   */
  private async firstIdOf(rotation: RotatedFile): Promise<string | undefined> {
    for (const kind of ["gz", "plain", "gz"] as const) {
      try {
        return await firstEventId(this.files.path(rotation.stamp, kind));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    return undefined;
  }

  /**
   * Reads a rotated file to its end. The archive may compress it meanwhile and delete the
   * plain file: the compressed one has the same content, so reading goes on there.
   */
  private async readRotated(id: string, rotation: RotatedFile): Promise<void> {
    for (const kind of ["gz", "plain", "gz"] as const) {
      const path = this.files.path(rotation.stamp, kind);
      let handle: FileHandle | undefined;
      try {
        // The plain file is read through a handle: once open, its deletion does not cut the read.
        handle = kind === "plain" ? await open(path, "r") : undefined;
        await this.readSegment(id, handle ?? path, true);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      } finally {
        await handle?.close();
      }
    }
    // Deleted (retention) before it could be read: nothing left to take.
  }

  private async readSegment(
    id: string,
    source: string | FileHandle,
    complete: boolean,
  ): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const progress = await this.consumer.progress(id);
      if (progress?.complete) return;
      let offset = progress?.offset ?? 0;
      let moved = false;
      for await (const batch of readLines(source, offset, batchBytes)) {
        const taken = await this.consumer.take(
          id,
          offset,
          { offset: batch.endOffset, complete: false },
          batch.lines,
        );
        if (!taken) {
          moved = true;
          break;
        }
        offset = batch.endOffset;
      }
      if (moved) continue;
      if (!complete || (await this.consumer.take(id, offset, { offset, complete: true }, [])))
        return;
    }
    throw new Error(`the progress of segment ${id} keeps moving under this follower`);
  }
}
