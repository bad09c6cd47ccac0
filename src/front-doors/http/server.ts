/**
 * The HTTP(S) listener. Reads bodies up to the configured limit (a larger body is answered
 * with an error and never buffered), routes POST / to the KMS route (kms-route.ts), and serves
 * the operational routes: /health and /ready (probes.ts), /metrics (metrics-route.ts), the web
 * console under /console (../console/console-route.ts, HTML rather than JSON),
 * /_trent/status and, in open mode only, the test-suite reset endpoints. With a certificate (tls.ts) it speaks HTTPS
 * only, and KMS calls over it carry aws:SecureTransport = true.
 *
 * It also bounds what a client can hold: requests (headers, then the whole body) must arrive
 * within the configured timeouts and open connections are capped, so slow or abundant clients
 * cannot starve the others. Every answer outside the KMS route, including the refusals written
 * straight to the socket when Node's parser gives up on a request, is JSON with `__type` and
 * `message`, like a KMS error. Every request, whatever its route or fate, becomes one exchange
 * (exchange.ts) for the request log and metrics once its answer has gone.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  maxHeaderSize,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import type { Authenticator } from "../../core/auth/authenticate.js";
import type { KmsCore } from "../../core/kms.js";
import type { AuthMode, TrentConfig } from "../../vocabulary/config.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import {
  type Clock,
  type Logger,
  type LogTarget,
  type Random,
  toLogger,
} from "../../vocabulary/ports.js";
import type { ConsoleRoute } from "../console/console-route.js";
import {
  type ExchangeNotes,
  type ExchangeObserver,
  type HttpExchange,
  pathOf,
} from "./exchange.js";
import { errorResponse, handleKmsRequest } from "./kms-route.js";
import { answerMetrics, type MetricsSource } from "./metrics-route.js";
import type { ReadinessCheck } from "./probes.js";
import { jsonContentType, kmsContentType, send, sendError, sendJson } from "./respond.js";
import type { TlsCredentials } from "./tls.js";

/** What the HTTP front door is built from (by the composition root, app.ts). */
export interface HttpFrontDoor {
  readonly config: TrentConfig;
  readonly kms: KmsCore;
  readonly authenticate: Authenticator;
  readonly clock: Clock;
  /** Request ids. */
  readonly random: Random;
  /** Told of every request once its answer has gone: the request log, metrics. */
  readonly observers?: readonly ExchangeObserver[];
  /** GET /ready; without it /ready answers as /health does. */
  readonly readiness?: ReadinessCheck;
  /** GET /metrics; without it /metrics is an unknown path. */
  readonly metrics?: MetricsSource;
  /** Serve HTTPS with this certificate and key instead of HTTP. */
  readonly tls?: TlsCredentials;
  /** Everything under /console; without it /console is an unknown path (TRENT_CONSOLE=off). */
  readonly console?: ConsoleRoute;
}

export interface ServerHooks {
  /** Wipes all state; only reachable in open mode. */
  reset(): Promise<void>;
  /** What GET /_trent/status reports in open mode. */
  status(): Promise<StatusReport>;
}

/** A running server's facts, for `trent status` and monitoring. */
export interface StatusReport {
  readonly version: string;
  readonly authMode: AuthMode;
  readonly store: { readonly engine: string; readonly location: string };
  /** Keys in the store, every account and Region. */
  readonly keys: number;
  readonly accountId: string;
  readonly region: string;
  /** With TRENT_WORKERS > 1: which worker process answered (cluster id and pid), of how many. */
  readonly worker?: { readonly id: number; readonly pid: number; readonly of: number };
}

class BodyTooLarge extends Error {}
/** The client went away (or was cut) before its body arrived: nobody is left to answer. */
class ClientGone extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", () => reject(new ClientGone()));
    req.on("close", () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

/**
 * How often Node looks for requests past their timeouts. Node checks on a timer (every 30 s by
 * default), so a request is cut up to one interval late; a tenth of the shorter timeout keeps
 * the cut within 10% of the configured value, and a second is late enough for any operator.
 */
export function connectionsCheckingInterval(
  config: Pick<TrentConfig, "requestTimeoutMs" | "headersTimeoutMs">,
): number {
  const shorter = Math.min(config.requestTimeoutMs, config.headersTimeoutMs);
  return Math.max(10, Math.min(1000, Math.floor(shorter / 10)));
}

/** The refusal for a request Node's parser gave up on, by the parser's error code. */
function clientErrorFor(code: string | undefined, config: TrentConfig): KmsError {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new KmsError(
        "RequestTimeoutException",
        `The request was not received in time: headers must arrive within ${config.headersTimeoutMs} ms and the whole request within ${config.requestTimeoutMs} ms`,
      );
    case "HPE_HEADER_OVERFLOW":
      return new KmsError(
        "RequestHeaderFieldsTooLargeException",
        `Request headers exceed the limit of ${maxHeaderSize} bytes`,
      );
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new KmsError(
        "RequestEntityTooLargeException",
        "Request chunk extensions exceed the server's limit",
      );
    default:
      return new KmsError("BadRequestException", "The request is not valid HTTP/1.1");
  }
}

/**
 * Answers a request that Node's parser refused (malformed, headers too large, or not received
 * within the timeouts) and closes the connection. Node would answer such requests itself with
 * an empty body; this listener replaces that answer, so it also owns closing the socket.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  door: HttpFrontDoor,
  observe: ExchangeObserver,
): void {
  // Node's own handler writes nothing once a response on this connection has started: bytes
  // written now would corrupt it. `_httpMessage` is the in-flight response Node keeps there.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const refusal = clientErrorFor(error.code, door.config);
  const body = errorResponse(refusal).body;
  const requestId = door.random.uuid();
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ""}`,
    `content-type: ${jsonContentType}`,
    `content-length: ${Buffer.byteLength(body)}`,
    `x-amzn-requestid: ${requestId}`,
    "connection: close",
  ].join("\r\n");
  // Closed once the answer is handed to the kernel: a client that never closes its side must
  // not keep holding the connection.
  socket.once("finish", () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
  observe({
    route: "refused",
    errorType: refusal.type,
    requestId,
    method: "",
    path: "",
    status: refusal.status,
    durationMs: 0,
    sourceIp: (socket as Socket).remoteAddress ?? "",
    secureTransport: socket instanceof TLSSocket,
    completed: true,
  });
}

export function createTrentServer(
  door: HttpFrontDoor,
  hooks: ServerHooks,
  logTarget: LogTarget,
): Server {
  const { config } = door;
  const log = toLogger(logTarget);
  const observers = door.observers ?? [];
  const observe: ExchangeObserver = (exchange) => {
    for (const observer of observers) {
      try {
        observer(exchange);
      } catch (error) {
        log.error(`an observer of request ${exchange.requestId} failed: ${String(error)}`, {
          requestId: exchange.requestId,
          err: error,
        });
      }
    }
  };

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    notes: ExchangeNotes,
    secureTransport: boolean,
  ) {
    const path = pathOf(req.url);
    if (req.method === "GET" && path === "/health") {
      notes.route = "health";
      sendJson(res, requestId, 200, { status: "ok" });
      return;
    }
    if (req.method === "GET" && path === "/ready") {
      notes.route = "ready";
      const readiness = door.readiness ? await door.readiness() : undefined;
      if (!readiness || readiness.ready) {
        sendJson(res, requestId, 200, { status: "ready", checks: readiness?.checks ?? {} });
        return;
      }
      notes.errorType = "ServiceUnavailableException";
      sendJson(res, requestId, 503, {
        __type: "ServiceUnavailableException",
        message: `Not ready: ${readiness.problem ?? "a check failed"}`,
        status: "unavailable",
        checks: readiness.checks,
      });
      return;
    }
    if (req.method === "GET" && path === "/metrics" && door.metrics) {
      notes.route = "metrics";
      await answerMetrics(req, res, requestId, notes, door.metrics, config.metricsToken);
      return;
    }
    if (req.method === "GET" && path === "/_trent/status") {
      notes.route = "status";
      // Without a signature, sigv4 mode tells no more than any unsigned request learns anyway:
      // that the server is up and wants signatures. Open mode's callers act as the account
      // root, so they may see everything.
      const body =
        config.authMode === "open"
          ? { status: "ok", ...(await hooks.status()) }
          : { status: "ok", authMode: config.authMode };
      sendJson(res, requestId, 200, body);
      return;
    }
    if (door.console && (path === "/console" || path.startsWith("/console/"))) {
      await door.console({ req, res, requestId, notes, secureTransport });
      return;
    }
    if (req.method === "POST" && (path === "/_trent/reset" || path === "/moto-api/reset")) {
      notes.route = "reset";
      // 404 as for any other path this server does not serve: in sigv4 mode the endpoint does
      // not exist, and saying why spares an operator the search.
      if (config.authMode !== "open") {
        sendError(
          res,
          requestId,
          404,
          new KmsError(
            "UnknownOperationException",
            `${path} is only served in open mode (TRENT_AUTH_MODE=open); this server runs in ${config.authMode} mode`,
          ),
          notes,
        );
        return;
      }
      await hooks.reset();
      sendJson(res, requestId, 200, { reset: true });
      return;
    }
    if (req.method !== "POST" || path !== "/") {
      sendError(
        res,
        requestId,
        404,
        new KmsError(
          "UnknownOperationException",
          "KMS requests are POST / with an X-Amz-Target header",
        ),
        notes,
      );
      return;
    }
    notes.route = "kms";
    let body: Buffer;
    try {
      body = await readBody(req, config.maxBodyBytes);
    } catch (error) {
      if (error instanceof ClientGone) return;
      if (!(error instanceof BodyTooLarge)) throw error;
      const response = errorResponse(
        new KmsError(
          "RequestEntityTooLargeException",
          `Request body exceeds the limit of ${config.maxBodyBytes} bytes`,
        ),
      );
      notes.errorType = response.errorType;
      res.setHeader("connection", "close");
      send(res, requestId, response.status, response.body, kmsContentType);
      return;
    }
    const target = req.headers["x-amz-target"];
    const response = await handleKmsRequest(
      {
        requestId,
        target: Array.isArray(target) ? target[0] : target,
        body,
        method: req.method ?? "POST",
        url: req.url ?? "/",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        sourceIp: req.socket.remoteAddress ?? "",
        secureTransport,
      },
      door.kms,
      door.authenticate,
      door.clock.now(),
    );
    notes.operation = response.operation;
    notes.errorType = response.errorType;
    notes.callerArn = response.callerArn;
    send(res, requestId, response.status, response.body, kmsContentType);
  }

  const listener: RequestListener = (req, res) => {
    const started = performance.now();
    const requestId = door.random.uuid();
    const secureTransport = req.socket instanceof TLSSocket;
    const notes: ExchangeNotes = { route: "unknown" };
    if (observers.length > 0)
      res.once("close", () => {
        const exchange: HttpExchange = {
          ...notes,
          requestId,
          method: req.method ?? "",
          path: pathOf(req.url),
          // 0: the client went away before any answer was sent.
          status: res.headersSent ? res.statusCode : 0,
          durationMs: performance.now() - started,
          sourceIp: req.socket.remoteAddress ?? "",
          secureTransport,
          completed: res.writableFinished,
        };
        observe(exchange);
      });
    route(req, res, requestId, notes, secureTransport).catch((error: unknown) => {
      log.error(`request ${requestId} failed in the HTTP layer: ${String(error)}`, {
        requestId,
        err: error,
      });
      if (!res.headersSent) {
        const response = errorResponse(
          new KmsError(
            "KMSInternalException",
            `An internal error occurred (request ${requestId}).`,
          ),
        );
        notes.errorType = response.errorType;
        send(res, requestId, response.status, response.body, kmsContentType);
      } else {
        res.destroy();
      }
    });
  };
  const options: ServerOptions = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(config),
  };
  const server: Server = door.tls
    ? (createHttpsServer(
        { ...options, cert: door.tls.cert, key: door.tls.key },
        listener,
      ) as unknown as Server)
    : createHttpServer(options, listener);
  server.keepAliveTimeout = 65_000;
  server.maxConnections = config.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, door, observe),
  );
  server.on("drop", reportDroppedConnections(config.maxConnections, log));
  return server;
}

/**
 * Logs connections refused at the cap, at most once a minute with the count since the last
 * line: a flood of refused connections must not become a flood of log lines.
 */
function reportDroppedConnections(limit: number, log: Logger): () => void {
  const intervalMs = 60_000;
  let dropped = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  return () => {
    dropped += 1;
    const now = performance.now();
    if (now - lastReport < intervalMs) return;
    log.warn(
      `refused ${dropped} connection(s): ${limit} connections are open (TRENT_MAX_CONNECTIONS)`,
      { dropped, limit },
    );
    dropped = 0;
    lastReport = now;
  };
}

/** The URL clients reach this server at: https when it serves TLS. */
export function listeningUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const scheme = "setSecureContext" in server ? "https" : "http";
  return `${scheme}://${host}:${address.port}`;
}
