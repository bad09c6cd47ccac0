/**
 * Digest records: one per rotated audit file, chained to the one before, as CloudTrail's digest
 * files are. A digest is a small JSON file beside its log file that says what the log file
 * held when it was rotated:
 *
 *   digestVersion          1
 *   logFile                the rotated file's name (as compressed: ...jsonl.gz)
 *   rotatedAt              when it was rotated (ISO 8601)
 *   contentSha256          SHA-256 (hex) of its content, uncompressed, so recompressing the
 *                          file with another tool does not break the chain
 *   contentBytes, records  its size uncompressed and its number of lines
 *   firstEventTime/Id, lastEventTime/Id   its first and last records
 *   lineHashes             base64 of the first 4 bytes of each line's SHA-256, in order: not for
 *                          protection (contentSha256 does that) but to name the line that was
 *                          edited, removed or inserted
 *   previousDigestFile     the name of the digest before it, null for the first
 *   previousDigestSha256   SHA-256 (hex) of that digest file's bytes
 *   signatureAlgorithm     "HMAC-SHA256", or "none" when no key was given (tests)
 *   signature              HMAC-SHA256 (hex), under Trent's audit digest key, of the JSON text
 *                          of every member above in this order
 *
 * The audit digest key is a random 32-byte key stored sealed under the root key like the
 * grant-token key (domain/root-keys.ts): whoever can write the audit directory but does not
 * hold the root key cannot make a digest that verifies, so they can neither edit a record, nor
 * remove one, nor rewrite the chain after it. docs/audit.md has the threat and what it leaves.
 */
import {
  hmacSha256Hex,
  lineHashBytes,
  Sha256,
  sameMac,
  sha256Hex,
  writeLineHash,
} from "../crypto/audit-hashes.js";

export const digestVersion = 1;

export interface AuditDigest {
  readonly digestVersion: number;
  readonly logFile: string;
  readonly rotatedAt: string;
  readonly contentSha256: string;
  readonly contentBytes: number;
  readonly records: number;
  readonly firstEventTime: string | null;
  readonly firstEventId: string | null;
  readonly lastEventTime: string | null;
  readonly lastEventId: string | null;
  readonly lineHashes: string;
  readonly previousDigestFile: string | null;
  readonly previousDigestSha256: string | null;
  readonly signatureAlgorithm: "HMAC-SHA256" | "none";
  readonly signature?: string;
}

/** What a digest says about a file's content. */
export interface ContentSummary {
  readonly sha256: string;
  readonly bytes: number;
  readonly records: number;
  /** lineHashBytes per line, in order. */
  readonly lineHashes: Buffer;
  readonly first: { readonly time: string; readonly id: string } | undefined;
  readonly last: { readonly time: string; readonly id: string } | undefined;
}

function recordFacts(line: Buffer): { time: string; id: string } | undefined {
  try {
    const record = JSON.parse(line.toString("utf8")) as { eventTime?: unknown; eventID?: unknown };
    if (typeof record.eventTime === "string" && typeof record.eventID === "string")
      return { time: record.eventTime, id: record.eventID };
  } catch {
    // A line cut short by a crash or a failed write is not a record.
  }
  return undefined;
}

/**
 * Summarizes content fed to it in pieces: the whole-content hash, one short hash per line (the
 * last, unterminated piece counts as a line too, so every byte is covered), and the first and
 * last records.
 */
export class ContentSummarizer {
  private readonly whole = new Sha256();
  private bytes = 0;
  private hashes: Buffer = Buffer.alloc(64 * lineHashBytes);
  private count = 0;
  private carry: Buffer | undefined;
  private first: { time: string; id: string } | undefined;
  private lastLine: Buffer | undefined;

  update(chunk: Buffer): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a, start)) {
      this.line(data.subarray(start, end));
      start = end + 1;
    }
    this.carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
  }

  private line(line: Buffer): void {
    if (this.hashes.length < (this.count + 1) * lineHashBytes) {
      const grown = Buffer.alloc(this.hashes.length * 2);
      this.hashes.copy(grown);
      this.hashes = grown;
    }
    writeLineHash(line, this.hashes, this.count * lineHashBytes);
    this.count += 1;
    this.first ??= recordFacts(line);
    this.lastLine = line;
  }

  finish(): ContentSummary {
    if (this.carry) {
      this.line(this.carry);
      this.carry = undefined;
    }
    // The last line is parsed once, here, rather than every line on the way.
    const last = this.lastLine && recordFacts(Buffer.from(this.lastLine));
    return {
      sha256: this.whole.hex(),
      bytes: this.bytes,
      records: this.count,
      lineHashes: this.hashes.subarray(0, this.count * lineHashBytes),
      first: this.first,
      last,
    };
  }
}

/** The text a digest's signature covers: every member but the signature, in order. */
function signedText(digest: Omit<AuditDigest, "signature">): string {
  const {
    digestVersion: version,
    logFile,
    rotatedAt,
    contentSha256,
    contentBytes,
    records,
    firstEventTime,
    firstEventId,
    lastEventTime,
    lastEventId,
    lineHashes,
    previousDigestFile,
    previousDigestSha256,
    signatureAlgorithm,
  } = digest;
  return JSON.stringify({
    digestVersion: version,
    logFile,
    rotatedAt,
    contentSha256,
    contentBytes,
    records,
    firstEventTime,
    firstEventId,
    lastEventTime,
    lastEventId,
    lineHashes,
    previousDigestFile,
    previousDigestSha256,
    signatureAlgorithm,
  });
}

export interface DigestLink {
  readonly file: string;
  readonly sha256: string;
}

/** The digest file's text for a rotated file, signed when a key is given. */
export function digestText(
  summary: ContentSummary,
  facts: {
    readonly logFile: string;
    readonly rotatedAt: Date;
    readonly previous: DigestLink | undefined;
    readonly key: Uint8Array | undefined;
  },
): string {
  // Late lines (a line cut short by a crash, say) keep the chain honest but are no record:
  // first and last are the first and last lines that parse.
  const unsigned: Omit<AuditDigest, "signature"> = {
    digestVersion,
    logFile: facts.logFile,
    rotatedAt: facts.rotatedAt.toISOString(),
    contentSha256: summary.sha256,
    contentBytes: summary.bytes,
    records: summary.records,
    firstEventTime: summary.first?.time ?? null,
    firstEventId: summary.first?.id ?? null,
    lastEventTime: summary.last?.time ?? null,
    lastEventId: summary.last?.id ?? null,
    lineHashes: summary.lineHashes.toString("base64"),
    previousDigestFile: facts.previous?.file ?? null,
    previousDigestSha256: facts.previous?.sha256 ?? null,
    signatureAlgorithm: facts.key ? "HMAC-SHA256" : "none",
  };
  const text = signedText(unsigned);
  if (!facts.key) return `${text}\n`;
  return `${JSON.stringify({ ...unsigned, signature: hmacSha256Hex(facts.key, text) })}\n`;
}

/** The link the next digest records: this digest file's name and the hash of its bytes. */
export function linkTo(file: string, text: string | Buffer): DigestLink {
  return { file, sha256: sha256Hex(text) };
}

/** Parses a digest file; undefined when it is not one. */
export function parseDigest(text: string): AuditDigest | undefined {
  try {
    const value = JSON.parse(text) as Partial<AuditDigest>;
    if (
      value.digestVersion !== digestVersion ||
      typeof value.logFile !== "string" ||
      typeof value.contentSha256 !== "string" ||
      typeof value.records !== "number" ||
      typeof value.lineHashes !== "string"
    )
      return undefined;
    return value as AuditDigest;
  } catch {
    return undefined;
  }
}

export type SignatureCheck = "valid" | "invalid" | "unsigned" | "unchecked";

/** Whether the digest's signature is the audit digest key's; "unchecked" without a key. */
export function checkSignature(digest: AuditDigest, key: Uint8Array | undefined): SignatureCheck {
  if (digest.signatureAlgorithm === "none" || digest.signature === undefined) return "unsigned";
  if (!key) return "unchecked";
  return sameMac(hmacSha256Hex(key, signedText(digest)), digest.signature) ? "valid" : "invalid";
}
