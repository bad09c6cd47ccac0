/**
 * What happens to an audit file after the writer rotated it (renamed it aside, audit-file.ts):
 * it gets its digest, chained to the one before (digests.ts), and is compressed; and rotated
 * files older than the retention limit are deleted. One job at a time, in the order of the
 * trail, off the request path (the answers never wait for any of it).
 *
 * Crash safety: compression writes `<name>.jsonl.gz.tmp`, flushes it to disk, writes and flushes
 * the digest (through its own .tmp and a rename), renames the .gz.tmp to `.jsonl.gz`, flushes
 * the directory, and only then deletes the plain file. A crash at any point leaves the plain
 * file, or the finished .gz (possibly beside the plain one), never neither; at start-up the
 * archive finishes what was interrupted: it deletes .tmp files, deletes a plain file whose .gz
 * is complete, and digests and compresses what is left, oldest first.
 *
 * A rotated file gets a digest only when it is newer than the newest digest, so the chain
 * follows the order of the trail; one older than that without a digest (which Trent never
 * leaves) is compressed but not digested, and `trent audit verify` reports it.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { type AuditFiles, type RotatedFile, syncDirectory } from "./audit-files.js";
import { contentFrom } from "./audit-lines.js";
import { ContentSummarizer, type DigestLink, digestText, linkTo } from "./digests.js";

export interface AuditArchiveOptions {
  readonly files: AuditFiles;
  /** Signs the digests (the audit digest key); unsigned digests without it. */
  readonly digestKey: Uint8Array | undefined;
  /** Rotated files older than this are deleted; 0 keeps them all. */
  readonly retentionDays: number;
  readonly log: LogTarget;
  readonly now?: () => Date;
  /** How often retention runs besides after each rotation; an hour unless given. */
  readonly retentionEveryMs?: number;
}

const dayMs = 24 * 60 * 60 * 1000;

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Writes `path` so that it is on disk before this resolves. */
async function writeDurably(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  const handle = await open(tmp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class AuditArchive {
  private readonly files: AuditFiles;
  private readonly log: Logger;
  private readonly now: () => Date;
  private queue: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AuditArchiveOptions) {
    this.files = options.files;
    this.log = toLogger(options.log);
    this.now = options.now ?? (() => new Date());
    if (options.retentionDays > 0) {
      this.timer = setInterval(
        () => this.enqueue(() => this.applyRetention()),
        options.retentionEveryMs ?? 60 * 60 * 1000,
      );
      this.timer.unref();
    }
    // Finish whatever a previous run left (interrupted compression, missing digests).
    this.rotated();
  }

  /** A file was rotated (or may have been): digest and compress, then apply retention. */
  rotated(): void {
    this.enqueue(() => this.seal());
    if (this.options.retentionDays > 0) this.enqueue(() => this.applyRetention());
  }

  /** Resolves once every job queued so far is done. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * Stops the retention timer and waits for the job in progress; queued jobs are left to the
   * next start, which finds their files and finishes them, so a stop never waits for a backlog.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.closing) return;
      try {
        await job();
      } catch (error) {
        this.log.error(`audit archive in ${this.files.dir}: ${String(error)}`, { err: error });
      }
    });
  }

  /** Digests and compresses every rotated file that needs it, oldest first. */
  private readonly seal = async (): Promise<void> => {
    const rotations = await this.files.list();
    let newestDigest = -1;
    rotations.forEach((rotation, index) => {
      if (rotation.has.digest) newestDigest = index;
    });
    let previous: DigestLink | undefined;
    const newest = rotations[newestDigest];
    if (newest) {
      const name = this.files.name(newest.stamp, "digest");
      previous = linkTo(name, await readFile(this.files.path(newest.stamp, "digest")));
    }
    for (const [index, rotation] of rotations.entries()) {
      const link = await this.sealOne(
        rotation,
        index > newestDigest ? previous : undefined,
        index > newestDigest,
      );
      if (link) previous = link;
    }
  };

  /** Finishes one rotation; returns the link to its new digest when it wrote one. */
  private async sealOne(
    rotation: RotatedFile,
    previous: DigestLink | undefined,
    digestMissing: boolean,
  ): Promise<DigestLink | undefined> {
    const { stamp } = rotation;
    const has = { ...rotation.has };
    const path = (kind: Parameters<AuditFiles["path"]>[1]) => this.files.path(stamp, kind);
    if (has.gzTmp) await removeIfPresent(path("gzTmp"));
    if (has.digestTmp) await removeIfPresent(path("digestTmp"));
    if (has.gz && has.plain) {
      // The .gz was renamed into place only once complete and on disk.
      await removeIfPresent(path("plain"));
      await syncDirectory(this.files.dir);
      has.plain = false;
    }
    const needsDigest = digestMissing && !has.digest && (has.plain || has.gz);
    if (!has.plain) {
      if (!needsDigest) return undefined;
      // Compressed but never digested (not a state Trent leaves): digest what is there.
      const summarizer = new ContentSummarizer();
      for await (const chunk of contentFrom(path("gz"), 0)) summarizer.update(chunk);
      return this.writeDigest(rotation, summarizer, previous);
    }
    if (!has.digest && !digestMissing)
      this.log.warn(
        `audit file ${path("plain")} has no digest and is older than the newest digest: compressing it without one (trent audit verify will report it)`,
      );
    const summarizer = new ContentSummarizer();
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        summarizer.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(
      createReadStream(path("plain")),
      tap,
      createGzip(),
      createWriteStream(path("gzTmp"), { mode: 0o600 }),
    );
    await syncFile(path("gzTmp"));
    const link = needsDigest ? await this.writeDigest(rotation, summarizer, previous) : undefined;
    await rename(path("gzTmp"), path("gz"));
    // The renames of the digest and the .gz reach the disk before the plain file may go. Its
    // deletion needs no flush: should power loss undo it, the next start deletes it again.
    await syncDirectory(this.files.dir);
    await removeIfPresent(path("plain"));
    return link;
  }

  private async writeDigest(
    rotation: RotatedFile,
    summarizer: ContentSummarizer,
    previous: DigestLink | undefined,
  ): Promise<DigestLink> {
    const text = digestText(summarizer.finish(), {
      logFile: this.files.name(rotation.stamp, "gz"),
      rotatedAt: rotation.rotatedAt,
      previous,
      key: this.options.digestKey,
    });
    const name = this.files.name(rotation.stamp, "digest");
    await writeDurably(this.files.path(rotation.stamp, "digest"), text);
    return linkTo(name, text);
  }

  /** Deletes rotated files (and their digests) rotated before the retention limit. */
  private readonly applyRetention = async (): Promise<void> => {
    const cutoff = this.now().getTime() - this.options.retentionDays * dayMs;
    let removed = 0;
    for (const rotation of await this.files.list()) {
      // Every record of a file was written before its rotation: older than the limit, all of it.
      if (rotation.rotatedAt.getTime() >= cutoff) break;
      for (const kind of ["plain", "gz", "gzTmp", "digest", "digestTmp"] as const)
        if (rotation.has[kind] && (await removeIfPresent(this.files.path(rotation.stamp, kind))))
          removed += 1;
    }
    if (removed > 0)
      this.log.info(
        `audit retention: deleted ${removed} files in ${this.files.dir} rotated before ${new Date(cutoff).toISOString()} (TRENT_AUDIT_RETENTION_DAYS=${this.options.retentionDays})`,
      );
  };
}
