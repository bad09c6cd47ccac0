/**
 * The request log: one line per HTTP request at `info`, written when its answer has gone, with
 * the request id, route, operation, status, error type, latency and caller ARN. Never a body,
 * a header value, a key, a token or a secret: the fields are ids and names the server chose,
 * plus the path (without its query) and the client's address.
 */
import type { Logger } from "../../vocabulary/ports.js";
import type { ExchangeObserver } from "./exchange.js";

export function requestLog(log: Logger): ExchangeObserver {
  return (exchange) => {
    log.info(`${exchange.operation ?? `${exchange.method} ${exchange.path}`} ${exchange.status}`, {
      requestId: exchange.requestId,
      method: exchange.method,
      path: exchange.path,
      route: exchange.route,
      operation: exchange.operation,
      status: exchange.status,
      errorType: exchange.errorType,
      latencyMs: Math.round(exchange.durationMs * 1000) / 1000,
      callerArn: exchange.callerArn,
      sourceIp: exchange.sourceIp,
      tls: exchange.secureTransport,
      completed: exchange.completed ? undefined : false,
    });
  };
}
