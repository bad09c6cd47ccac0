/**
 * The audit service the pipeline calls once per finished KMS request: it writes the request's
 * CloudTrail record and, for a successful cryptographic operation, notes the use of each key
 * for GetKeyLastUsage. Recording never fails a request: a problem is logged for the operator,
 * and the client keeps the answer it was given. The clock-driven sweeps write their service
 * events (DeleteKey, RotateKey, DeleteExpiredKeyMaterial) through it too.
 *
 * Both return the sink's promise: it resolves once the record was handed to the operating
 * system (sinks.ts), and the caller awaits it before it answers or moves on, so no answer gets
 * ahead of its record.
 *
 * Last use is kept in the store (one row per key, updated in place) rather than found by
 * reading the append-only audit file, so GetKeyLastUsage is one indexed read on every node.
 * Uses are not written per request: that would put a database write (and, with SQLite, a
 * synchronous one) on every Encrypt. Only each key's latest use is kept in memory and written
 * in one transaction every `usageFlushMs`, so a busy key costs one row update per interval.
 * GetKeyLastUsage flushes first, so a client sees its own uses on the node it talks to; other
 * nodes see them within the interval, which AWS's eventual consistency for this API allows.
 */

import { parseKmsArn } from "../../vocabulary/arns.js";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import type { KeyLastUsageTrackingOperation } from "../../vocabulary/types.generated.js";
import type { KeyUse, Store } from "../store/store.js";
import { isTrackedOperation } from "./audit-rules.js";
import {
  type AuditDefaults,
  cloudTrailRecord,
  type RequestOutcome,
  type ServiceEvent,
  serviceEventRecord,
} from "./cloudtrail-record.js";
import type { AuditSink } from "./sinks.js";

const recorded = Promise.resolve();

export interface AuditTrailOptions {
  readonly sink: AuditSink;
  readonly store: Store;
  readonly defaults: AuditDefaults;
  readonly log: LogTarget;
  /** How long key uses wait in memory before they are written; 100 ms unless given. */
  readonly usageFlushMs?: number;
  /**
   * Writes the key uses other processes hold (the other workers of TRENT_WORKERS > 1), so
   * GetKeyLastUsage sees uses made through any worker; flushKeyUses awaits it.
   */
  readonly flushOthers?: () => Promise<void>;
}

export class AuditTrail {
  private readonly sink: AuditSink;
  private readonly store: Store;
  private readonly defaults: AuditDefaults;
  private readonly log: Logger;
  private readonly usageFlushMs: number;
  private readonly flushOthers: (() => Promise<void>) | undefined;
  /** The latest unwritten use of each key, by key ARN. */
  private pendingUses = new Map<string, KeyUse>();
  private flushing: Promise<void> | undefined;
  /** Ends the wait of a scheduled flush early. */
  private wakeFlush: (() => void) | undefined;

  constructor(options: AuditTrailOptions) {
    this.sink = options.sink;
    this.store = options.store;
    this.defaults = options.defaults;
    this.log = toLogger(options.log);
    this.usageFlushMs = options.usageFlushMs ?? 100;
    this.flushOthers = options.flushOthers;
  }

  /** Resolves once the request's record was handed to the operating system; never rejects. */
  record(outcome: RequestOutcome): Promise<void> {
    let written = recorded;
    try {
      written = this.sink.write(cloudTrailRecord(outcome, this.defaults));
    } catch (error) {
      this.log.error(`request ${outcome.requestId}: audit record not written: ${String(error)}`, {
        requestId: outcome.requestId,
      });
    }
    const { operation } = outcome;
    if (outcome.error === undefined && isTrackedOperation(operation))
      this.noteKeyUses(outcome, operation);
    return written;
  }

  /** Writes the record of a change the clock made, once it has committed; never rejects. */
  recordServiceEvent(event: ServiceEvent): Promise<void> {
    try {
      return this.sink.write(serviceEventRecord(event));
    } catch (error) {
      this.log.error(
        `${event.eventName} of ${event.keyArn}: audit record not written: ${String(error)}`,
      );
      return recorded;
    }
  }

  private noteKeyUses(outcome: RequestOutcome, operation: KeyLastUsageTrackingOperation): void {
    for (const keyArn of new Set(outcome.notes.resources)) {
      if (parseKmsArn(keyArn)?.resourceType !== "key") continue;
      const earlier = this.pendingUses.get(keyArn);
      if (earlier && earlier.timestamp > outcome.time) continue;
      this.pendingUses.set(keyArn, {
        keyArn,
        operation,
        timestamp: outcome.time,
        eventId: outcome.eventId,
        requestId: outcome.requestId,
      });
    }
    if (this.pendingUses.size > 0) this.flushing ??= this.flushAfter(this.usageFlushMs);
  }

  /**
   * Writes every key use recorded so far, in this process and (with workers) the others;
   * GetKeyLastUsage calls it before reading.
   */
  async flushKeyUses(): Promise<void> {
    await Promise.all([this.flushOwnKeyUses(), this.flushOthers?.()]);
  }

  /** Writes the key uses this process recorded so far. */
  async flushOwnKeyUses(): Promise<void> {
    if (this.pendingUses.size > 0) this.flushing ??= this.flushAfter(0);
    this.wakeFlush?.();
    while (this.flushing) await this.flushing;
  }

  private async flushAfter(delayMs: number): Promise<void> {
    if (delayMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        // The server keeps the process alive; a pending flush must not, and close() wakes it.
        timer.unref();
        this.wakeFlush = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    this.wakeFlush = undefined;
    while (this.pendingUses.size > 0) {
      // In ARN order: two nodes flushing uses of the same keys lock their rows in the same
      // order, so they wait for each other instead of deadlocking. Each write is one upsert
      // that keeps the later use, so the flush reads nothing it decides on and needs no lock;
      // a failure (after the bounded reruns of transaction) is logged once and those uses
      // dropped, never retried in a loop.
      const uses = [...this.pendingUses.values()].sort((a, b) =>
        a.keyArn < b.keyArn ? -1 : a.keyArn > b.keyArn ? 1 : 0,
      );
      this.pendingUses = new Map();
      try {
        await this.store.transaction(async (store) => {
          for (const use of uses) await store.lastUsage.record(use);
        });
      } catch (error) {
        this.log.warn(`last use of ${uses.length} key(s) not recorded: ${String(error)}`);
      }
    }
    this.flushing = undefined;
  }

  /** Writes what is pending, then closes the sink. */
  async close(): Promise<void> {
    await this.flushOwnKeyUses();
    await this.sink.close();
  }
}
