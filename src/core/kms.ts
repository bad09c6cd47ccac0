/**
 * The one entry into Trent's core. Every front door (the HTTP JSON 1.1 route, the embedding
 * API, seed files, the console) hands a KMS call here as an operation name, a decoded input and
 * an authenticated caller, and gets back the operation's output or a KmsError. In between, in
 * this order: the input is checked against the model's constraints with AWS's wording (and a
 * Recipient's attestation document is verified), the request is authorized (operations without a key here; key operations when they load their
 * key), the operation runs, and its CloudTrail record is written. The answer leaves only after
 * that record was handed to the operating system (platform/audit/sinks.ts), so no front door
 * can answer a request that left no trace.
 *
 * Nothing here knows about HTTP, JSON or bytes on a wire. A front door that cannot even form a
 * call (authentication failed, the body did not decode) reports that through `refuse`, which
 * writes the same audit record, so denied requests are recorded whatever the front door.
 */

import { authorizeRequest } from "../domain/policy/authorize.js";
import { attestRecipient } from "../domain/recipient.js";
import { newRequestContext } from "../domain/request-context.js";
import type { Services } from "../domain/services.js";
import { findOperation } from "../operations/registry.js";
import { isKmsError, KmsError } from "../vocabulary/kms-errors.js";
import { modelOperations, type OperationName } from "../vocabulary/model.generated.js";
import { type LogTarget, toLogger } from "../vocabulary/ports.js";
import type { AuditNotes, Caller, KmsRequest } from "../vocabulary/request.js";
import type { OperationShapes } from "../vocabulary/types.generated.js";
import { assertValid } from "../vocabulary/validation.js";

/** What a front door knows about where a call came from, for the audit record. */
export interface CallFacts {
  readonly requestId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** When the request arrived; the clock's reading at the call when absent. */
  readonly time?: Date;
  /**
   * Whether the request came over TLS (aws:SecureTransport). False when absent: a front door
   * that cannot tell must not claim it.
   */
  readonly secureTransport?: boolean;
}

/** One finished call, as observers (metrics, request logs) see it. */
export interface CallOutcome {
  readonly operation: OperationName;
  readonly requestId: string;
  readonly caller: Caller | undefined;
  /** Undefined when the call succeeded. */
  readonly error: KmsError | undefined;
  /** From the call's start to its audit record being written. */
  readonly durationMs: number;
}

export type CallObserver = (outcome: CallOutcome) => void;

export type OperationInput<N extends OperationName> = OperationShapes[N]["input"];
export type OperationOutput<N extends OperationName> = OperationShapes[N]["output"];

export interface KmsCore {
  /**
   * Runs one KMS operation for `caller`. Resolves to the operation's output; rejects with a
   * KmsError only (an unexpected failure becomes KMSInternalException, logged once here).
   */
  call<N extends OperationName>(
    operation: N,
    input: OperationInput<N>,
    caller: Caller,
    facts: CallFacts,
  ): Promise<OperationOutput<N>>;
  /**
   * Records a request for `operation` that a front door refused before it could become a call
   * (authentication or decoding failed), and returns the KmsError to answer with.
   */
  refuse(
    operation: OperationName,
    error: unknown,
    facts: CallFacts,
    known?: { readonly caller?: Caller; readonly input?: unknown },
  ): Promise<KmsError>;
}

export interface KmsCoreOptions {
  /** Where unexpected errors are logged (once each, with their stack and request id). */
  readonly log: LogTarget;
  readonly observers?: readonly CallObserver[];
}

export function createKmsCore(services: Services, options: KmsCoreOptions): KmsCore {
  const log = toLogger(options.log);
  const observers = options.observers ?? [];

  function asKmsError(error: unknown, requestId: string, operation: OperationName): KmsError {
    if (isKmsError(error)) return error;
    // Logged for the operator, never the input: it may hold plaintext.
    const detail = error instanceof Error ? error.message : String(error);
    log.error(`request ${requestId} failed unexpectedly: ${detail}`, {
      requestId,
      operation,
      err: error instanceof Error ? error : new Error(detail),
    });
    return new KmsError(
      "KMSInternalException",
      `An internal error occurred (request ${requestId}).`,
    );
  }

  async function finish(
    operation: OperationName,
    facts: CallFacts,
    started: number,
    time: Date,
    caller: Caller | undefined,
    input: unknown,
    output: unknown,
    failure: KmsError | undefined,
    notes: AuditNotes,
  ): Promise<void> {
    // One audit record per request that names a KMS operation, allowed or denied.
    await services.audit.record({
      operation,
      requestId: facts.requestId,
      eventId: services.random.uuid(),
      time,
      caller,
      sourceIp: facts.sourceIp,
      userAgent: facts.userAgent,
      input: input as Readonly<Record<string, unknown>> | undefined,
      output,
      error: failure && { type: failure.type, message: failure.wireMessage },
      notes,
    });
    if (observers.length === 0) return;
    const outcome: CallOutcome = {
      operation,
      requestId: facts.requestId,
      caller,
      error: failure,
      durationMs: performance.now() - started,
    };
    for (const observe of observers) {
      try {
        observe(outcome);
      } catch (error) {
        log.error(`an observer of request ${facts.requestId} failed: ${String(error)}`, {
          requestId: facts.requestId,
          err: error,
        });
      }
    }
  }

  return {
    async call(operation, input, caller, facts) {
      const started = performance.now();
      const time = facts.time ?? services.clock.now();
      const notes: AuditNotes = { resources: [] };
      let output: unknown;
      let failure: KmsError | undefined;
      try {
        const handler = findOperation(operation);
        if (!handler)
          throw new KmsError("UnknownOperationException", `Unknown operation ${operation}`);
        const shapeName = modelOperations[operation].input;
        if (shapeName) assertValid(shapeName, input, caller.region);
        // Under TRENT_QUOTAS=aws: a valid request beyond its quota does no work at all.
        services.requestQuotas?.admitRequest(operation, input, caller, time);
        // A Nitro enclave's attestation document is verified with the input, before
        // authorization: policies may test its measurements (domain/recipient.ts).
        const recipient = attestRecipient(
          services,
          operation,
          input as Readonly<Record<string, unknown>>,
          time,
        );
        const ctx = newRequestContext(services, {
          requestId: facts.requestId,
          caller,
          now: time,
          request: { operation, input } as KmsRequest,
          audit: notes,
          recipient,
          secureTransport: facts.secureTransport === true,
        });
        // Operations without a key (and alias operations, on their alias) are authorized here;
        // key operations are authorized when they load their key (resolveKey).
        authorizeRequest(ctx);
        output = await handler.handle(input, ctx);
      } catch (error) {
        failure = asKmsError(error, facts.requestId, operation);
      }
      await finish(operation, facts, started, time, caller, input, output, failure, notes);
      if (failure) throw failure;
      return output as OperationOutput<typeof operation>;
    },

    async refuse(operation, error, facts, known = {}) {
      const started = performance.now();
      const failure = asKmsError(error, facts.requestId, operation);
      const time = facts.time ?? services.clock.now();
      await finish(operation, facts, started, time, known.caller, known.input, undefined, failure, {
        resources: [],
      });
      return failure;
    },
  };
}
