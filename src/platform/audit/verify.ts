/**
 * `trent audit verify`: checks an audit trail's rotated files against their digests and the
 * digests against each other (digests.ts), and names what does not match: the file, and the
 * record (its number in the file and its eventID) that was edited, removed or inserted; a log
 * file or a digest that was removed; a digest that was altered or not signed with the audit
 * digest key.
 *
 * What it cannot see, said in its notes: records of the live file (sealed at its next
 * rotation), and the removal of the newest rotated files together with their digests (the
 * chain that is left is whole). The oldest digest's predecessor being gone is what retention
 * does, so that is a note, not a problem.
 */
import { readFile } from "node:fs/promises";
import { lineHashBytes } from "../crypto/audit-hashes.js";
import type { AuditFiles } from "./audit-files.js";
import { contentFrom, eventIdOf, readLines } from "./audit-lines.js";
import {
  type AuditDigest,
  ContentSummarizer,
  checkSignature,
  type DigestLink,
  linkTo,
  parseDigest,
} from "./digests.js";

export interface VerifyProblem {
  /** The file (name, in the trail's directory) where the problem is. */
  readonly file: string;
  /** The record's number in the file as its digest counts lines (1-based), when one is named. */
  readonly record?: number;
  readonly eventId?: string;
  readonly message: string;
}

export interface VerifiedFile {
  readonly file: string;
  readonly records: number;
  readonly ok: boolean;
}

export interface VerifyReport {
  readonly files: readonly VerifiedFile[];
  readonly problems: readonly VerifyProblem[];
  readonly notes: readonly string[];
  readonly digests: number;
  /** The newest digest: keep its hash elsewhere to detect the trail's end being cut off. */
  readonly newest: DigestLink | undefined;
}

/** Differences named per file at most; the rest are counted. */
const maxNamed = 20;

interface ActualLine {
  readonly hash: number;
  readonly eventId: string | undefined;
}

async function actualLines(path: string): Promise<ActualLine[]> {
  const summarizer = new ContentSummarizer();
  const ids: (string | undefined)[] = [];
  for await (const chunk of contentFrom(path, 0)) summarizer.update(chunk);
  for await (const batch of readLines(path, 0))
    for (const line of batch.lines) ids.push(eventIdOf(line));
  const summary = summarizer.finish();
  // A last line without "\n" is a line to the digest too; it has no eventID to name.
  const out: ActualLine[] = [];
  for (let i = 0; i < summary.records; i++)
    out.push({ hash: summary.lineHashes.readUInt32BE(i * lineHashBytes), eventId: ids[i] });
  return out;
}

function expectedHashes(digest: AuditDigest): number[] {
  const bytes = Buffer.from(digest.lineHashes, "base64");
  const out: number[] = [];
  for (let i = 0; i + lineHashBytes <= bytes.length; i += lineHashBytes)
    out.push(bytes.readUInt32BE(i));
  return out;
}

/** Where each hash occurs, in order. */
function positions(hashes: readonly number[]): Map<number, number[]> {
  const map = new Map<number, number[]>();
  hashes.forEach((hash, index) => {
    const list = map.get(hash);
    if (list) list.push(index);
    else map.set(hash, [index]);
  });
  return map;
}

function nextAt(map: Map<number, number[]>, hash: number, from: number): number | undefined {
  return map.get(hash)?.find((index) => index >= from);
}

/**
 * Lines of the file against the lines the digest recorded: which were edited, removed or
 * inserted. At a difference it resynchronizes on the nearer of the next matching lines.
 */
function compareLines(
  file: string,
  expected: readonly number[],
  actual: readonly ActualLine[],
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const expectedAt = positions(expected);
  const actualAt = positions(actual.map((line) => line.hash));
  const idNear = (index: number) => actual[index]?.eventId;
  let i = 0;
  let j = 0;
  while (i < actual.length || j < expected.length) {
    const line = actual[i];
    if (line !== undefined && j < expected.length && line.hash === expected[j]) {
      i += 1;
      j += 1;
      continue;
    }
    const removedTo = line === undefined ? expected.length : nextAt(expectedAt, line.hash, j);
    const insertedTo =
      j >= expected.length ? actual.length : nextAt(actualAt, expected[j] as number, i);
    if (removedTo !== undefined && (insertedTo === undefined || removedTo - j <= insertedTo - i)) {
      for (let k = j; k < removedTo; k++) {
        const before = idNear(i - 1);
        const after = idNear(i);
        problems.push({
          file,
          record: k + 1,
          message: `record ${k + 1} was removed (it came ${before ? `after eventID ${before}` : "first"}${after ? `, before eventID ${after}` : ""})`,
        });
      }
      j = removedTo;
    } else if (insertedTo !== undefined) {
      for (let k = i; k < insertedTo; k++)
        problems.push({
          file,
          record: k + 1,
          ...(actual[k]?.eventId ? { eventId: actual[k]?.eventId } : {}),
          message: `line ${k + 1} was inserted${actual[k]?.eventId ? ` (eventID ${actual[k]?.eventId})` : ""}: the digest has no such record`,
        });
      i = insertedTo;
    } else {
      const eventId = line?.eventId;
      problems.push({
        file,
        record: j + 1,
        ...(eventId ? { eventId } : {}),
        message: `record ${j + 1}${eventId ? ` (eventID ${eventId})` : ""} was edited`,
      });
      i += 1;
      j += 1;
    }
  }
  if (problems.length > maxNamed) {
    const rest = problems.length - maxNamed;
    return [...problems.slice(0, maxNamed), { file, message: `and ${rest} more differences` }];
  }
  return problems;
}

async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const batch of readLines(path, 0)) count += batch.lines.length;
  return count;
}

/**
 * Verifies the trail whose live file is `files.live`. With `key` (the audit digest key), each
 * digest's signature is checked too; without it, only the hashes and the chain.
 */
export async function verifyAuditTrail(
  files: AuditFiles,
  key: Uint8Array | undefined,
): Promise<VerifyReport> {
  const rotations = await files.list();
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const verified: VerifiedFile[] = [];
  const lastDigested = rotations.reduce(
    (last, rotation, index) => (rotation.has.digest ? index : last),
    -1,
  );
  let previous: DigestLink | undefined;
  let previousUnreadable: string | undefined;
  let digests = 0;

  for (const [index, rotation] of rotations.entries()) {
    const logName = files.name(rotation.stamp, "gz");
    const content = files.contentPath(rotation);
    if (!rotation.has.digest) {
      if (!content) continue;
      if (index < lastDigested)
        problems.push({
          file: logName,
          message: "has no digest, but later files do: its digest was removed",
        });
      else
        notes.push(
          `${logName} has no digest yet: Trent writes it right after a rotation, or at its next start`,
        );
      continue;
    }
    digests += 1;
    const digestName = files.name(rotation.stamp, "digest");
    const text = await readFile(files.path(rotation.stamp, "digest"), "utf8");
    const digest = parseDigest(text);
    const problemsBefore = problems.length;
    checkLink(digestName, digest, previous, previousUnreadable, problems, notes);
    previous = linkTo(digestName, text);
    previousUnreadable = digest ? undefined : digestName;
    if (!digest) {
      problems.push({ file: digestName, message: "is not a digest: it was altered or damaged" });
      continue;
    }
    const signature = checkSignature(digest, key);
    if (signature === "invalid")
      problems.push({
        file: digestName,
        message:
          "its signature does not match: the digest was altered, or signed with another audit digest key",
      });
    if (signature === "unsigned" && key)
      problems.push({
        file: digestName,
        message: "is not signed, but Trent signs every digest: it was replaced",
      });
    if (digest.logFile !== logName)
      problems.push({
        file: digestName,
        message: `names ${digest.logFile}, not ${logName}: it was moved or altered`,
      });
    if (!content) {
      problems.push({
        file: logName,
        message: `was removed: its digest says it held ${digest.records} records from ${digest.firstEventTime ?? "?"} to ${digest.lastEventTime ?? "?"}`,
      });
      continue;
    }
    const summarizer = new ContentSummarizer();
    try {
      for await (const chunk of contentFrom(content, 0)) summarizer.update(chunk);
    } catch (error) {
      problems.push({ file: logName, message: `cannot be read: ${String(error)}` });
      continue;
    }
    const summary = summarizer.finish();
    if (summary.sha256 !== digest.contentSha256) {
      const found = compareLines(logName, expectedHashes(digest), await actualLines(content));
      problems.push(
        ...(found.length > 0
          ? found
          : [{ file: logName, message: "its content differs from what its digest recorded" }]),
      );
    }
    verified.push({
      file: logName,
      records: summary.records,
      ok: problems.length === problemsBefore,
    });
  }
  const signatures = key ? "signatures checked" : "signatures NOT checked (no audit digest key)";
  if (digests > 0) notes.push(`${digests} digests, ${signatures}`);
  try {
    const live = await countLines(files.live);
    notes.push(
      `${files.live}: ${live} records in the live file, sealed by a digest at its next rotation`,
    );
  } catch {
    // No live file: nothing written since the last rotation.
  }
  return { files: verified, problems, notes, digests, newest: previous };
}

function checkLink(
  name: string,
  digest: AuditDigest | undefined,
  previous: DigestLink | undefined,
  previousUnreadable: string | undefined,
  problems: VerifyProblem[],
  notes: string[],
): void {
  if (!digest) return;
  const named = digest.previousDigestFile;
  if (previous === undefined && previousUnreadable === undefined) {
    // The oldest digest left: what came before it was deleted by retention, or never existed.
    if (named !== null)
      notes.push(`the chain starts at ${name}; the digest before it (${named}) is gone`);
    return;
  }
  const before = previous?.file ?? previousUnreadable;
  if (named !== before) {
    problems.push({
      file: name,
      message:
        named === null
          ? `starts a new chain, but ${before} comes before it: the chain was rewritten`
          : `follows ${named}, which is missing: a digest (and its log file) between ${before} and ${name} was removed`,
    });
    return;
  }
  if (previous && digest.previousDigestSha256 !== previous.sha256)
    problems.push({
      file: previous.file,
      message: `was altered: its hash is not the one ${name} recorded`,
    });
}
