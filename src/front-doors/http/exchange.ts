/**
 * One HTTP request and its answer, as the request log and metrics see them once the answer has
 * gone (or the client went away). Routes fill in what only they know (the KMS operation, the
 * error type, the caller) on the exchange's notes; the listener adds the rest. Every request
 * becomes one exchange, whatever route it took, refusals by Node's parser included, so a new
 * route (the console) gets logging and metrics by filling in its notes.
 */
import type { OperationName } from "../../vocabulary/model.generated.js";

/** Which route served a request: a bounded set, so metrics can label by it. */
export type RouteName =
  | "kms"
  | "health"
  | "ready"
  | "metrics"
  | "reset"
  | "console"
  | "unknown"
  /** Refused by Node's HTTP parser (malformed, too large, too slow) before any route. */
  | "refused";

/** What a route knows about the request it served. */
export interface ExchangeNotes {
  route: RouteName;
  operation?: OperationName;
  /** The `__type` of the error answered, if any. */
  errorType?: string;
  /** ARN of the authenticated caller. */
  callerArn?: string;
}

export interface HttpExchange extends Readonly<ExchangeNotes> {
  readonly requestId: string;
  readonly method: string;
  /** The request's path without its query, cut to 200 characters. */
  readonly path: string;
  /** The answer's status; 0 when the client went away before any answer was sent. */
  readonly status: number;
  readonly durationMs: number;
  readonly sourceIp: string;
  readonly secureTransport: boolean;
  /** False when the connection closed before the whole answer was sent. */
  readonly completed: boolean;
}

export type ExchangeObserver = (exchange: HttpExchange) => void;

/** The path of a request target, without the query (which may carry anything). */
export function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path.length > 200 ? path.slice(0, 200) : path;
}
