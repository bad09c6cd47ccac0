/**
 * The node:http listener. Reads bodies up to the configured limit (a larger body is answered
 * with an error and never buffered), routes POST / to the KMS route (kms-route.ts), and serves the small
 * operational routes: /health, /_trent/status and, in open mode only, the test-suite reset
 * endpoints.
 *
 * It also bounds what a client can hold: requests (headers, then the whole body) must arrive
 * within the configured timeouts and open connections are capped, so slow or abundant clients
 * cannot starve the others. Every answer outside the KMS route, including the refusals written
 * straight to the socket when Node's parser gives up on a request, is JSON with `__type` and
 * `message`, like a KMS error.
 */
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Authenticator } from "../../core/auth/authenticate.js";
import type { KmsCore } from "../../core/kms.js";
import type { AuthMode, TrentConfig } from "../../vocabulary/config.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import type { Clock, Logger, Random } from "../../vocabulary/ports.js";
import { errorResponse, handleKmsRequest } from "./kms-route.js";

/** What the HTTP front door is built from (by the composition root, app.ts). */
export interface HttpFrontDoor {
  readonly config: TrentConfig;
  readonly kms: KmsCore;
  readonly authenticate: Authenticator;
  readonly clock: Clock;
  /** Request ids. */
  readonly random: Random;
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
}

/** What the KMS route answers with, errors included, exactly as AWS KMS does. */
const kmsContentType = "application/x-amz-json-1.1";
/** What every other route answers with: Trent's own JSON, not a KMS response. */
const jsonContentType = "application/json";

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

function send(
  res: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  contentType: string,
): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

/** A refusal outside the KMS route, with the status that route's convention gives it. */
function sendError(res: ServerResponse, requestId: string, status: number, error: KmsError): void {
  send(res, requestId, status, errorResponse(error).body, jsonContentType);
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
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ""}`,
    `content-type: ${jsonContentType}`,
    `content-length: ${Buffer.byteLength(body)}`,
    `x-amzn-requestid: ${door.random.uuid()}`,
    "connection: close",
  ].join("\r\n");
  // Closed once the answer is handed to the kernel: a client that never closes its side must
  // not keep holding the connection.
  socket.once("finish", () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
}

export function createTrentServer(door: HttpFrontDoor, hooks: ServerHooks, log: Logger): Server {
  const { config } = door;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") {
      send(res, requestId, 200, JSON.stringify({ status: "ok" }), jsonContentType);
      return;
    }
    if (req.method === "GET" && path === "/_trent/status") {
      // Without a signature, sigv4 mode tells no more than any unsigned request learns anyway:
      // that the server is up and wants signatures. Open mode's callers act as the account
      // root, so they may see everything.
      const body =
        config.authMode === "open"
          ? { status: "ok", ...(await hooks.status()) }
          : { status: "ok", authMode: config.authMode };
      send(res, requestId, 200, JSON.stringify(body), jsonContentType);
      return;
    }
    if (req.method === "POST" && (path === "/_trent/reset" || path === "/moto-api/reset")) {
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
        );
        return;
      }
      await hooks.reset();
      send(res, requestId, 200, JSON.stringify({ reset: true }), jsonContentType);
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
      );
      return;
    }
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
      },
      door.kms,
      door.authenticate,
      door.clock.now(),
    );
    send(res, requestId, response.status, response.body, kmsContentType);
  }

  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(config),
    },
    (req, res) => {
      const requestId = door.random.uuid();
      route(req, res, requestId).catch((error: unknown) => {
        log(`request ${requestId} failed in the HTTP layer: ${String(error)}`);
        if (!res.headersSent) {
          const response = errorResponse(
            new KmsError(
              "KMSInternalException",
              `An internal error occurred (request ${requestId}).`,
            ),
          );
          send(res, requestId, response.status, response.body, kmsContentType);
        } else {
          res.destroy();
        }
      });
    },
  );
  server.keepAliveTimeout = 65_000;
  server.maxConnections = config.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, door),
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
    log(`refused ${dropped} connection(s): ${limit} connections are open (TRENT_MAX_CONNECTIONS)`);
    dropped = 0;
    lastReport = now;
  };
}

export function listeningUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
