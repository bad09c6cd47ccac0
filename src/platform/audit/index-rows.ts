/**
 * What the audit index keeps of one audit line: the columns its filters use and the line
 * itself, so a query answers with the record exactly as the file holds it. The writer of the
 * index (sqlite-audit-index.ts, postgres-audit-index.ts) and the follower that feeds it
 * (audit-follower.ts) share these shapes.
 */
import { aliasArn, parseKmsArn } from "../../vocabulary/arns.js";

export interface IndexedResource {
  /** The key id, or the alias name with its "alias/" prefix. */
  readonly resource: string;
  readonly arn: string;
}

export interface IndexedRow {
  /** eventTime in whole seconds since the epoch. */
  readonly time: number;
  readonly eventId: string;
  readonly eventName: string;
  /** userIdentity.arn, "AWS Internal" for service events, null when unknown. */
  readonly caller: string | null;
  readonly errorCode: string | null;
  readonly resources: readonly IndexedResource[];
  /** The line as written to the audit file. */
  readonly record: string;
}

/** How far a follower has read one audit file: the byte offset of its content. */
export interface SegmentProgress {
  readonly offset: number;
  /** The file was rotated and read to its end: nothing more will come. */
  readonly complete: boolean;
}

interface LineShape {
  readonly awsRegion?: unknown;
  readonly recipientAccountId?: unknown;
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly eventTime?: unknown;
  readonly eventID?: unknown;
  readonly eventName?: unknown;
  readonly errorCode?: unknown;
  readonly userIdentity?: { readonly arn?: unknown; readonly invokedBy?: unknown };
  readonly resources?: readonly { readonly ARN?: unknown }[];
}

/** The row for one line, or undefined for a line that is not a record (cut short by a crash). */
export function indexedRow(line: string): IndexedRow | undefined {
  let value: LineShape;
  try {
    value = JSON.parse(line) as LineShape;
  } catch {
    return undefined;
  }
  if (
    typeof value !== "object" ||
    value === null ||
    typeof value.eventID !== "string" ||
    typeof value.eventName !== "string" ||
    typeof value.eventTime !== "string"
  )
    return undefined;
  const ms = Date.parse(value.eventTime);
  if (Number.isNaN(ms)) return undefined;
  const identity = value.userIdentity;
  const caller =
    typeof identity?.arn === "string"
      ? identity.arn
      : typeof identity?.invokedBy === "string"
        ? identity.invokedBy
        : null;
  const resources = new Map<string, IndexedResource>();
  const add = (arn: string) => {
    const parsed = parseKmsArn(arn);
    if (parsed) resources.set(arn, { resource: parsed.resource, arn });
  };
  for (const entry of Array.isArray(value.resources) ? value.resources : [])
    if (typeof entry?.ARN === "string") add(entry.ARN);
  for (const alias of namedAliases(value)) add(alias);
  return {
    time: Math.floor(ms / 1000),
    eventId: value.eventID,
    eventName: value.eventName,
    caller,
    errorCode: typeof value.errorCode === "string" ? value.errorCode : null,
    resources: [...resources.values()],
    record: line,
  };
}

/** Request members that can name an alias (by name or ARN). */
const aliasMembers = ["aliasName", "keyId", "targetKeyId", "sourceKeyId", "destinationKeyId"];

/**
 * The aliases a request named, as ARNs. Trent's records list the keys an alias led to in
 * `resources`, not the alias, so "the records of alias/x" are found through the request.
 */
function namedAliases(value: LineShape): string[] {
  const parameters = value.requestParameters;
  const region = value.awsRegion;
  const account = value.recipientAccountId;
  if (!parameters || typeof region !== "string" || typeof account !== "string") return [];
  const arns: string[] = [];
  for (const member of aliasMembers) {
    const named = parameters[member];
    if (typeof named !== "string") continue;
    if (named.startsWith("alias/")) arns.push(aliasArn(region, account, named));
    else if (named.startsWith("arn:") && parseKmsArn(named)?.resourceType === "alias")
      arns.push(named);
  }
  return arns;
}

/** Writes the audit index; only the follower does (one at a time per trail, see the writers). */
export interface AuditIndexWriter {
  progress(segmentId: string): Promise<SegmentProgress | undefined>;
  /**
   * Adds `rows` and moves the file's progress from `from` (its offset as this follower read
   * it) to `to`, in one transaction: each line is indexed exactly once. Resolves false, writing
   * nothing, when the progress was no longer at `from` (another follower got there first).
   */
  add(
    segmentId: string,
    from: number,
    to: SegmentProgress,
    rows: readonly IndexedRow[],
  ): Promise<boolean>;
  /** Deletes records older than `time` (seconds); resolves to how many. */
  deleteBefore(time: number): Promise<number>;
  close(): Promise<void>;
}
