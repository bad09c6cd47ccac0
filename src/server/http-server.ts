/**
 * The node:http listener. Reads bodies up to the configured limit (a larger body is answered
 * with an error and never buffered), routes POST / to the KMS pipeline, and serves the small
 * operational routes: /health and, in open mode only, the test-suite reset endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KmsError } from "../domain/kms-errors.js";
import { errorResponse, handleKmsRequest, type Logger } from "../protocol/pipeline.js";
import type { Services } from "../services.js";

export interface ServerHooks {
  /** Wipes all state; only reachable in open mode. */
  reset(): Promise<void>;
}

class BodyTooLarge extends Error {}

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
    req.on("error", reject);
  });
}

function send(res: ServerResponse, requestId: string, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

export function createTrentServer(services: Services, hooks: ServerHooks, log: Logger): Server {
  const { config } = services;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") {
      send(res, requestId, 200, JSON.stringify({ status: "ok" }));
      return;
    }
    if (req.method === "POST" && (path === "/_trent/reset" || path === "/moto-api/reset")) {
      if (config.authMode !== "open") {
        send(
          res,
          requestId,
          404,
          JSON.stringify({ message: "reset is only available in open mode" }),
        );
        return;
      }
      await hooks.reset();
      send(res, requestId, 200, JSON.stringify({ reset: true }));
      return;
    }
    if (req.method !== "POST" || path !== "/") {
      const error = new KmsError(
        "UnknownOperationException",
        "KMS requests are POST / with an X-Amz-Target header",
      );
      const response = errorResponse(error);
      send(res, requestId, 404, response.body);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, config.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      const response = errorResponse(
        new KmsError(
          "RequestEntityTooLargeException",
          `Request body exceeds the limit of ${config.maxBodyBytes} bytes`,
        ),
      );
      res.setHeader("connection", "close");
      send(res, requestId, response.status, response.body);
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
      services,
      log,
    );
    send(res, requestId, response.status, response.body);
  }

  const server = createServer((req, res) => {
    const requestId = services.random.uuid();
    route(req, res, requestId).catch((error: unknown) => {
      log(`request ${requestId} failed in the HTTP layer: ${String(error)}`);
      if (!res.headersSent) {
        const response = errorResponse(
          new KmsError(
            "KMSInternalException",
            `An internal error occurred (request ${requestId}).`,
          ),
        );
        send(res, requestId, response.status, response.body);
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

export function listeningUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
