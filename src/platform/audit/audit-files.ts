/**
 * The files of one audit trail, all in the directory of the live file (TRENT_AUDIT_FILE,
 * `audit.jsonl` by default):
 *
 *   audit.jsonl                                  the live file, appended to
 *   audit.2025-05-20T21-00-00.004Z.jsonl         rotated, not yet compressed
 *   audit.2025-05-20T21-00-00.004Z.jsonl.gz      rotated and compressed
 *   audit.2025-05-20T21-00-00.004Z.digest.json   its digest, chained to the one before
 *   *.tmp                                        a compression or digest being written
 *
 * The time in a rotated name is when the file was rotated, in UTC to the millisecond: every
 * record in it was written before then, so names sort in the order of the trail, and retention
 * can tell from the name alone that a whole file is older than its limit. Names are made and
 * parsed here only.
 */
import { open, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export type RotatedKind = "plain" | "gz" | "gzTmp" | "digest" | "digestTmp";

const suffixes: Readonly<Record<RotatedKind, string>> = {
  plain: ".jsonl",
  gz: ".jsonl.gz",
  gzTmp: ".jsonl.gz.tmp",
  digest: ".digest.json",
  digestTmp: ".digest.json.tmp",
};

/** One rotation's files: which of them exist. */
export interface RotatedFile {
  /** The rotation time as written in the names, e.g. 2025-05-20T21-00-00.004Z. */
  readonly stamp: string;
  readonly rotatedAt: Date;
  readonly has: Readonly<Record<RotatedKind, boolean>>;
}

const stampPattern = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z$/;

/** A date as it appears in a rotated file's name: ISO 8601 with '-' for ':'. */
export function stampOf(date: Date): string {
  return date.toISOString().replace(/:/g, "-");
}

export function dateOfStamp(stamp: string): Date | undefined {
  const match = stampPattern.exec(stamp);
  if (!match) return undefined;
  const [, day, hours, minutes, seconds, millis] = match;
  const date = new Date(`${day}T${hours}:${minutes}:${seconds}.${millis}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export class AuditFiles {
  readonly dir: string;
  /** The live file's name without ".jsonl": the prefix of every rotated name. */
  readonly stem: string;

  constructor(readonly live: string) {
    this.dir = dirname(live);
    const name = basename(live);
    this.stem = name.endsWith(".jsonl") ? name.slice(0, -".jsonl".length) : name;
  }

  /** The path of one of a rotation's files. */
  path(stamp: string, kind: RotatedKind): string {
    return join(this.dir, this.name(stamp, kind));
  }

  name(stamp: string, kind: RotatedKind): string {
    return `${this.stem}.${stamp}${suffixes[kind]}`;
  }

  /** The stamp and kind of a file name of this trail, or undefined for any other file. */
  parse(name: string): { stamp: string; kind: RotatedKind } | undefined {
    const prefix = `${this.stem}.`;
    if (!name.startsWith(prefix)) return undefined;
    const rest = name.slice(prefix.length);
    const dot = rest.indexOf(".", rest.indexOf("Z"));
    if (dot < 0) return undefined;
    const stamp = rest.slice(0, dot);
    if (dateOfStamp(stamp) === undefined) return undefined;
    const suffix = rest.slice(dot);
    for (const [kind, text] of Object.entries(suffixes) as [RotatedKind, string][])
      if (suffix === text) return { stamp, kind };
    return undefined;
  }

  /** Every rotation found in the directory, oldest first. */
  async list(): Promise<RotatedFile[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const found = new Map<string, Record<RotatedKind, boolean>>();
    for (const name of names) {
      const parsed = this.parse(name);
      if (!parsed) continue;
      let has = found.get(parsed.stamp);
      if (!has) {
        has = { plain: false, gz: false, gzTmp: false, digest: false, digestTmp: false };
        found.set(parsed.stamp, has);
      }
      has[parsed.kind] = true;
    }
    return [...found]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([stamp, has]) => ({ stamp, rotatedAt: dateOfStamp(stamp) as Date, has }));
  }

  /** The rotated content of a rotation: the compressed file if it is complete, else the plain one. */
  contentPath(file: RotatedFile): string | undefined {
    if (file.has.gz) return this.path(file.stamp, "gz");
    if (file.has.plain) return this.path(file.stamp, "plain");
    return undefined;
  }
}

/**
 * Makes a rename or a new file in `dir` durable: without it, power loss can undo the rename
 * even though the renamed file's data is on disk.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
