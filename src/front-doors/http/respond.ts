/**
 * Writing answers outside the KMS route: Trent's own JSON (`application/json`), errors as
 * {"__type","message"} like a KMS error, every answer with its x-amzn-RequestId.
 */
import type { ServerResponse } from "node:http";
import type { KmsError } from "../../vocabulary/kms-errors.js";
import type { ExchangeNotes } from "./exchange.js";
import { errorResponse } from "./kms-route.js";

/** What the KMS route answers with, errors included, exactly as AWS KMS does. */
export const kmsContentType = "application/x-amz-json-1.1";
/** What every other route answers with: Trent's own JSON, not a KMS response. */
export const jsonContentType = "application/json";

export function send(
  res: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

/** Trent's own JSON answer. */
export function sendJson(res: ServerResponse, requestId: string, status: number, body: unknown) {
  send(res, requestId, status, JSON.stringify(body), jsonContentType);
}

/** A refusal outside the KMS route: JSON with `__type`, noted for the request log. */
export function sendError(
  res: ServerResponse,
  requestId: string,
  status: number,
  error: KmsError,
  notes: ExchangeNotes,
  headers: Readonly<Record<string, string>> = {},
): void {
  notes.errorType = error.type;
  send(res, requestId, status, errorResponse(error).body, jsonContentType, headers);
}
