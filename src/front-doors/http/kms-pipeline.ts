/**
 * The KMS JSON 1.1 request pipeline: target → operation, body → typed and validated input,
 * caller, handler, and output or error → wire. Errors are serialized here and only here, as
 * {"__type","message"} with the status from the error table. Anything unexpected becomes
 * KMSInternalException without internals on the wire.
 */
import { authenticate, type RequestFacts } from "../../core/auth/authenticate.js";
import { authorizeRequest } from "../../domain/policy/authorize.js";
import type { RequestContext } from "../../domain/request-context.js";
import type { Services } from "../../domain/services.js";
import { findOperation } from "../../operations/registry.js";
import { isKmsError, KmsError } from "../../vocabulary/kms-errors.js";
import {
  modelOperations,
  type OperationName,
  serviceMetadata,
} from "../../vocabulary/model.generated.js";
import type { Logger } from "../../vocabulary/ports.js";
import type { AuditNotes, Caller } from "../../vocabulary/request.js";
import { assertValid } from "../../vocabulary/validation.js";
import { decodeValue } from "./decode.js";
import { encodeOutput } from "./encode.js";

export interface KmsRequest extends RequestFacts {
  readonly requestId: string;
  readonly target: string | undefined;
  readonly body: Buffer;
}

export interface KmsResponse {
  readonly status: number;
  readonly body: string;
  /** Set when the request failed; for logs and metrics. */
  readonly errorType?: string;
}

const targetPrefix = `${serviceMetadata.targetPrefix}.`;

export function errorResponse(error: KmsError): KmsResponse {
  return {
    status: error.status,
    body: JSON.stringify({ __type: error.type, message: error.message }),
    errorType: error.type,
  };
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new KmsError("SerializationException", "Request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new KmsError("SerializationException", "Request body must be a JSON object");
  return parsed;
}

const acceptedContentTypes = new Set([
  "application/x-amz-json-1.1",
  "application/x-amz-json-1.0",
  "application/json",
]);

function assertContentType(value: string | string[] | undefined): void {
  const text = Array.isArray(value) ? value[0] : value;
  // Clients always send one; a missing header is tolerated as JSON (curl -d without -H).
  if (text === undefined) return;
  const mediaType = text.split(";")[0]!.trim().toLowerCase();
  if (!acceptedContentTypes.has(mediaType))
    throw new KmsError(
      "SerializationException",
      `Unsupported Content-Type '${mediaType}': use application/x-amz-json-1.1`,
    );
}

export async function handleKmsRequest(
  request: KmsRequest,
  services: Services,
  log: Logger,
): Promise<KmsResponse> {
  // What the audit record needs, filled in as the request gets further.
  const now = services.clock.now();
  const audit: AuditNotes = { resources: [] };
  let operationName: OperationName | undefined;
  let caller: Caller | undefined;
  let input: Record<string, unknown> | undefined;
  let output: unknown;
  let failure: KmsError | undefined;
  let response: KmsResponse;
  try {
    const target = request.target ?? "";
    const name = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : undefined;
    const operation = name === undefined ? undefined : findOperation(name);
    if (!operation || name === undefined)
      throw new KmsError("UnknownOperationException", `Unknown operation ${target || "(none)"}`);
    operationName = operation.name;
    assertContentType(request.headers["content-type"]);

    caller = authenticate(services, request);
    const shapeName = modelOperations[operation.name].input;
    const raw = parseBody(request.body);
    input = (shapeName ? decodeValue(shapeName, raw) : {}) as Record<string, unknown>;
    if (shapeName) assertValid(shapeName, input);

    const ctx: RequestContext = {
      requestId: request.requestId,
      caller,
      now,
      services,
      audit,
      operation: operation.name,
      input,
    };
    // Operations without a key (and alias operations, on their alias) are authorized here;
    // key operations are authorized when they load their key (resolveKey).
    authorizeRequest(ctx);
    output = await operation.handle(input, ctx);
    response = { status: 200, body: encodeOutput(output) };
  } catch (error) {
    if (isKmsError(error)) {
      failure = error;
    } else {
      // Log the failure for the operator, never the request body (it may hold plaintext).
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`request ${request.requestId} failed unexpectedly: ${detail}`);
      failure = new KmsError(
        "KMSInternalException",
        `An internal error occurred (request ${request.requestId}).`,
      );
    }
    response = errorResponse(failure);
  }
  // One audit record per request that names a KMS operation, allowed or denied. A request for
  // an unknown target is not a KMS API call, and CloudTrail records nothing for it either.
  // The answer waits until the record was handed to the operating system (audit/sinks.ts), so
  // a crash after it left cannot lose the record.
  if (operationName !== undefined)
    await services.audit.record({
      operation: operationName,
      requestId: request.requestId,
      eventId: services.random.uuid(),
      time: now,
      caller,
      sourceIp: request.sourceIp,
      userAgent: headerValue(request.headers["user-agent"]) ?? "",
      input,
      output,
      error: failure && { type: failure.type, message: failure.message },
      notes: audit,
    });
  return response;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
