/**
 * Reading an audit file's lines from a byte offset of its content, whether the file is plain
 * (the live file, a rotated one) or gzip-compressed: what the index and the CloudTrail export
 * follow (audit-follower.ts), and what digests and `trent audit verify` hash (digests.ts).
 *
 * Offsets count bytes of the uncompressed content, so a position taken in a plain file stays
 * valid once that file is compressed. Only complete lines (ending in "\n") are returned; a
 * line still being written, or cut short by a crash, is left where it is.
 */
import { type FileHandle, open } from "node:fs/promises";
import { createGunzip } from "node:zlib";

export interface LineBatch {
  /** Complete lines, without their "\n". */
  readonly lines: readonly Buffer[];
  /** Content offset just past the last line of this batch. */
  readonly endOffset: number;
}

const newline = 0x0a;
const chunkBytes = 1 << 20;

export function isCompressed(path: string): boolean {
  return path.endsWith(".gz");
}

/**
 * The content of a file from `offset` on, in chunks. An open handle is read as it is (the
 * live file, which a rotation may rename meanwhile); a path is opened, and a missing file
 * throws ENOENT.
 */
export async function* contentFrom(
  source: string | FileHandle,
  offset: number,
): AsyncGenerator<Buffer> {
  if (typeof source === "string" && isCompressed(source)) {
    // Opened first, so that a missing file throws here rather than inside the stream.
    const input = (await open(source, "r")).createReadStream();
    const gunzip = createGunzip();
    input.on("error", (error) => gunzip.destroy(error));
    input.pipe(gunzip);
    let skip = offset;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        yield skip > 0 ? chunk.subarray(skip) : chunk;
        skip = 0;
      }
    } finally {
      input.destroy();
    }
    return;
  }
  const handle = typeof source === "string" ? await open(source, "r") : source;
  try {
    let position = offset;
    for (;;) {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    if (handle !== source) await handle.close();
  }
}

/** The complete lines of a file from content offset `offset`, in batches of about `batchBytes`. */
export async function* readLines(
  source: string | FileHandle,
  offset: number,
  batchBytes = 4 << 20,
): AsyncGenerator<LineBatch> {
  let carry: Buffer | undefined;
  let lines: Buffer[] = [];
  let batchSize = 0;
  let endOffset = offset;
  for await (const chunk of contentFrom(source, offset)) {
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(newline); end >= 0; end = data.indexOf(newline, start)) {
      lines.push(data.subarray(start, end));
      batchSize += end + 1 - start;
      endOffset += end + 1 - start;
      start = end + 1;
      if (batchSize >= batchBytes) {
        yield { lines, endOffset };
        lines = [];
        batchSize = 0;
      }
    }
    // Copied, so the chunk it came from is not kept alive by it.
    carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
  }
  if (lines.length > 0) yield { lines, endOffset };
}

/**
 * The eventID of the first line that is a record: what names a file's content for followers.
 * Reads a few KiB unless the first lines are longer.
 */
export async function firstEventId(source: string | FileHandle): Promise<string | undefined> {
  if (typeof source !== "string") {
    const head = Buffer.alloc(8192);
    const { bytesRead } = await source.read(head, 0, head.length, 0);
    const end = head.subarray(0, bytesRead).indexOf(newline);
    if (end >= 0) {
      const id = eventIdOf(head.subarray(0, end));
      if (id !== undefined) return id;
    }
  }
  for await (const batch of readLines(source, 0, 64 << 10)) {
    for (const line of batch.lines) {
      const id = eventIdOf(line);
      if (id !== undefined) return id;
    }
    return undefined;
  }
  return undefined;
}

export function eventIdOf(line: Buffer | string): string | undefined {
  try {
    const record = JSON.parse(line.toString()) as { eventID?: unknown };
    return typeof record.eventID === "string" ? record.eventID : undefined;
  } catch {
    return undefined;
  }
}
