/**
 * The KMS JSON 1.1 route of the HTTP front door: X-Amz-Target → operation, headers → caller
 * (core/auth), body → decoded input, then the core's entry (core/kms.ts) and its output or
 * error → wire. Errors are serialized here and only here, as {"__type","message"} with the
 * error's status, or as {"__type"} alone where AWS sends no message (messageless-errors.ts). Requests this route refuses before the core (an unsupported
 * content type, a failed signature, a body that does not decode) are still audited, through
 * the core's `refuse`.
 */
import type { Authenticator, RequestFacts } from "../../core/auth/authenticate.js";
import type { KmsCore } from "../../core/kms.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import {
  modelOperations,
  type OperationName,
  operationNames,
  serviceMetadata,
} from "../../vocabulary/model.generated.js";
import type { Caller } from "../../vocabulary/request.js";
import { decodeValue } from "./decode.js";
import { encodeOutput } from "./encode.js";

export interface KmsRequest extends RequestFacts {
  readonly requestId: string;
  readonly target: string | undefined;
  readonly body: Buffer;
  /** The connection is TLS (aws:SecureTransport). */
  readonly secureTransport: boolean;
}

export interface KmsResponse {
  readonly status: number;
  readonly body: string;
  /** Set when the request failed; for logs and metrics. */
  readonly errorType?: string;
  /** The operation the target named, when it named one; for logs. */
  readonly operation?: OperationName;
  /** The authenticated caller, when authentication succeeded; for logs. */
  readonly callerArn?: string;
}

const targetPrefix = `${serviceMetadata.targetPrefix}.`;

export function errorResponse(error: KmsError): KmsResponse {
  return {
    status: error.status,
    body: JSON.stringify(
      error.hasMessage ? { __type: error.type, message: error.message } : { __type: error.type },
    ),
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

const knownOperations: ReadonlySet<string> = new Set(operationNames);

function operationOf(target: string | undefined): OperationName | undefined {
  if (target === undefined || !target.startsWith(targetPrefix)) return undefined;
  const name = target.slice(targetPrefix.length);
  return knownOperations.has(name) ? (name as OperationName) : undefined;
}

export async function handleKmsRequest(
  request: KmsRequest,
  kms: KmsCore,
  authenticate: Authenticator,
  now: Date,
): Promise<KmsResponse> {
  const operation = operationOf(request.target);
  // A request for an unknown target is not a KMS API call, and CloudTrail records nothing for
  // it either.
  if (operation === undefined)
    return errorResponse(
      new KmsError("UnknownOperationException", `Unknown operation ${request.target || "(none)"}`),
    );
  const facts = {
    requestId: request.requestId,
    sourceIp: request.sourceIp,
    userAgent: headerValue(request.headers["user-agent"]) ?? "",
    time: now,
    secureTransport: request.secureTransport,
  };
  let caller: Caller | undefined;
  let input: unknown;
  try {
    assertContentType(request.headers["content-type"]);
    caller = authenticate(request);
    const shapeName = modelOperations[operation].input;
    const raw = parseBody(request.body);
    input = shapeName ? decodeValue(shapeName, raw) : {};
  } catch (error) {
    return {
      ...errorResponse(await kms.refuse(operation, error, facts, { caller, input })),
      operation,
      callerArn: caller?.principalArn,
    };
  }
  const known = { operation, callerArn: caller.principalArn };
  try {
    const output = await kms.call(operation, input as never, caller, facts);
    return { status: 200, body: encodeOutput(output), ...known };
  } catch (error) {
    // The core rejects with KmsErrors only.
    return { ...errorResponse(error as KmsError), ...known };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
