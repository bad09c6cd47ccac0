/**
 * GET /metrics: the registry's metrics in Prometheus's text format. With TRENT_METRICS_TOKEN
 * set, only requests carrying `Authorization: Bearer <token>` get them (compared in constant
 * time); others get 401 with `__type`, as every refusal of this server has.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sameSecret } from "../../platform/crypto/secret-compare.js";
import type { SecretText } from "../../vocabulary/config.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import type { ExchangeNotes } from "./exchange.js";
import { send, sendError } from "./respond.js";

/**
 * What GET /metrics answers from: a prom-client Registry, or the metrics of every worker process
 * aggregated by the primary (front-doors/cluster/).
 */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export async function answerMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  notes: ExchangeNotes,
  registry: MetricsSource,
  token: SecretText | undefined,
): Promise<void> {
  if (token !== undefined) {
    const presented = bearerToken(req);
    if (presented === undefined || !sameSecret(presented, token.reveal())) {
      sendError(
        res,
        requestId,
        401,
        new KmsError(
          "UnauthorizedException",
          presented === undefined
            ? "GET /metrics needs an Authorization: Bearer header with the metrics token (TRENT_METRICS_TOKEN)"
            : "The bearer token is not the metrics token (TRENT_METRICS_TOKEN)",
        ),
        notes,
        { "www-authenticate": 'Bearer realm="trent-metrics"' },
      );
      return;
    }
  }
  send(res, requestId, 200, await registry.metrics(), registry.contentType);
}
