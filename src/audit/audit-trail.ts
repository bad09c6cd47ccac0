/**
 * The audit service the pipeline calls once per finished KMS request: it writes the request's
 * CloudTrail record and, for a successful cryptographic operation, notes the use of each key
 * for GetKeyLastUsage. Recording never fails a request: a problem is logged for the operator,
 * and the client keeps the answer it was given.
 *
 * Last use is kept in the store (one row per key, updated in place) rather than found by
 * reading the append-only audit file, so GetKeyLastUsage is one indexed read on every node.
 * The update is awaited before the response goes out, so a client that encrypts and then asks
 * sees its own use, also when the next request lands on another node.
 */
import { parseKmsArn } from "../domain/arns.js";
import type { Logger } from "../protocol/pipeline.js";
import type { Store } from "../store/store.js";
import { isTrackedOperation } from "./audit-rules.js";
import { type AuditDefaults, cloudTrailRecord, type RequestOutcome } from "./cloudtrail-record.js";
import type { AuditSink } from "./sinks.js";

export class AuditTrail {
  constructor(
    private readonly sink: AuditSink,
    private readonly store: Store,
    private readonly defaults: AuditDefaults,
    private readonly log: Logger,
  ) {}

  async record(outcome: RequestOutcome): Promise<void> {
    try {
      this.sink.write(cloudTrailRecord(outcome, this.defaults));
    } catch (error) {
      this.log(`request ${outcome.requestId}: audit record not written: ${String(error)}`);
    }
    if (outcome.error !== undefined || !isTrackedOperation(outcome.operation)) return;
    for (const keyArn of new Set(outcome.notes.resources)) {
      if (parseKmsArn(keyArn)?.resourceType !== "key") continue;
      try {
        await this.store.lastUsage.record({
          keyArn,
          operation: outcome.operation,
          timestamp: outcome.time,
          eventId: outcome.eventId,
          requestId: outcome.requestId,
        });
      } catch (error) {
        this.log(
          `request ${outcome.requestId}: last use of ${keyArn} not recorded: ${String(error)}`,
        );
      }
    }
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}
