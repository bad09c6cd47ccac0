/**
 * Everything the audit configuration asks for, opened together: the sink the pipeline writes to
 * (the rotating audit file and/or standard output, sinks.ts), the archive that digests,
 * compresses and expires rotated files (audit-archive.ts), the worker that follows the files
 * into the index and the CloudTrail files (audit-followers.ts), and the reader that answers
 * queries (audit-query.ts). The composition root opens it once; `trent audit` opens only the
 * reader.
 *
 * The guarantees, in order of strength: an answer leaves only after its record is in the audit
 * file (the record of truth); digests and compression follow each rotation; the index and the
 * CloudTrail files follow the file within a batch, and after a crash catch up from the files at
 * the next start.
 */
import type { Writable } from "node:stream";
import type { TrentConfig } from "../../vocabulary/config.js";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { AuditArchive } from "./audit-archive.js";
import { AuditFiles } from "./audit-files.js";
import { AuditFollowers, type WorkerOptions } from "./audit-followers.js";
import type { AuditReader } from "./audit-query.js";
import { PostgresAuditReader } from "./postgres-audit-index.js";
import {
  type AuditWriteObserver,
  auditFilePath,
  type LineAuditSink,
  noSink,
  openAuditSink,
} from "./sinks.js";
import { SqliteAuditReader, sqliteIndexPath } from "./sqlite-audit-index.js";

type AuditConfig = Pick<
  TrentConfig,
  | "auditFile"
  | "auditStdout"
  | "auditFsync"
  | "dataDir"
  | "databaseUrl"
  | "auditMaxBytes"
  | "auditRotate"
  | "auditRetentionDays"
  | "auditIndex"
  | "auditCloudTrailDir"
>;

/** Where the audit index of `config` is, or undefined for none. */
export function auditIndexLocation(config: AuditConfig): WorkerOptions["index"] {
  const live = auditFilePath(config);
  if (live === undefined || config.auditIndex === "none") return undefined;
  const postgres =
    config.auditIndex === "postgres" ||
    (config.auditIndex === "auto" && config.databaseUrl !== undefined);
  if (postgres && config.databaseUrl !== undefined)
    return { kind: "postgres", url: config.databaseUrl };
  return { kind: "sqlite", path: sqliteIndexPath(new AuditFiles(live)) };
}

/** A reader of the index `config` names; undefined when there is none (yet). */
export async function openAuditReader(
  config: AuditConfig,
  logTarget: LogTarget,
): Promise<AuditReader | undefined> {
  const log: Logger = toLogger(logTarget);
  const location = auditIndexLocation(config);
  if (location?.kind === "sqlite") return SqliteAuditReader.open(location.path);
  if (location?.kind === "postgres")
    return PostgresAuditReader.open(location.url, (line) => log.warn(line));
  return undefined;
}

export interface AuditOutputOptions {
  readonly log: LogTarget;
  /** Signs the digests of rotated files (the sealed audit digest key). */
  readonly digestKey: Uint8Array | undefined;
  readonly now?: () => Date;
  readonly stdout?: Writable;
  /** How long the CloudTrail export gathers records before it writes a file. */
  readonly cloudTrailFlushMs?: number;
  /** Sees every group written to the file and to standard output (metrics). */
  readonly writes?: AuditWriteObserver | undefined;
}

export interface AuditOutputs {
  readonly sink: LineAuditSink;
  /** The audit files, when there is an audit file. */
  readonly files: AuditFiles | undefined;
  /** Undefined when no index is configured. */
  reader(): Promise<AuditReader | undefined>;
  /**
   * Resolves once the archive finished its work and the followers took every record written
   * so far; with `flush`, the CloudTrail export has written its files too.
   */
  settled(options?: { readonly flush?: boolean }): Promise<void>;
  /** After the sink was closed: lets the followers finish, then stops them. */
  close(): Promise<void>;
}

export async function openAuditOutputs(
  config: AuditConfig,
  options: AuditOutputOptions,
): Promise<AuditOutputs> {
  const { log } = options;
  const live = auditFilePath(config);
  const files = live === undefined ? undefined : new AuditFiles(live);
  const index = auditIndexLocation(config);
  const archive =
    files &&
    new AuditArchive({
      files,
      digestKey: options.digestKey,
      retentionDays: config.auditRetentionDays,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
  let followers: AuditFollowers | undefined;
  if (files && (index !== undefined || config.auditCloudTrailDir !== undefined)) {
    try {
      followers = await AuditFollowers.start(
        {
          live: files.live,
          index,
          cloudTrail:
            config.auditCloudTrailDir === undefined
              ? undefined
              : {
                  dir: config.auditCloudTrailDir,
                  ...(options.cloudTrailFlushMs === undefined
                    ? {}
                    : { flushAfterMs: options.cloudTrailFlushMs }),
                },
          retentionDays: config.auditRetentionDays,
        },
        log,
      );
    } catch (error) {
      await archive?.close();
      throw error;
    }
  }
  const sink = await openAuditSink(
    config,
    log,
    options.stdout,
    {
      rotation: { maxBytes: config.auditMaxBytes, every: config.auditRotate },
      ...(options.now ? { now: options.now } : {}),
      onWritten: () => followers?.poke(),
      onRotated: () => {
        archive?.rotated();
        followers?.poke();
      },
    },
    options.writes,
  );
  let reader: Promise<AuditReader | undefined> | undefined;
  return {
    sink,
    files,
    reader() {
      // Opened on first use: the worker creates the index when it starts.
      reader ??= index === undefined ? Promise.resolve(undefined) : openAuditReader(config, log);
      return reader.then((opened) => {
        if (opened === undefined) reader = undefined;
        return opened;
      });
    },
    async settled(settle = {}) {
      await archive?.settled();
      await followers?.settled(settle);
    },
    async close() {
      await archive?.close();
      await followers?.close();
      await (await reader)?.close();
    },
  };
}

/**
 * The audit outputs of a worker process (TRENT_WORKERS > 1): records go through `sink` to the
 * primary, which owns the files, the archive and the followers; the worker only reads the
 * index for queries.
 */
export function forwardedAuditOutputs(
  config: AuditConfig,
  sink: LineAuditSink,
  log: LogTarget,
): AuditOutputs {
  const live = auditFilePath(config);
  let reader: Promise<AuditReader | undefined> | undefined;
  return {
    // Records the primary would write nowhere are not worth a message.
    sink: live === undefined && !config.auditStdout ? noSink : sink,
    files: live === undefined ? undefined : new AuditFiles(live),
    reader() {
      reader ??= openAuditReader(config, log);
      return reader.then((opened) => {
        if (opened === undefined) reader = undefined;
        return opened;
      });
    },
    async settled() {},
    async close() {
      await (await reader)?.close();
    },
  };
}
