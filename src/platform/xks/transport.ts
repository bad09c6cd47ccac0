/**
 * The HTTPS leg to an external key store proxy. The XKS proxy API is JSON over HTTPS (TLS 1.2+,
 * server certificate checked against the system's trusted authorities); this module only moves
 * bytes and reports why a request never got an answer, because each reason has its own AWS
 * error (unreachable, TLS, timeout). Tests pass a transport that connects to a local proxy with
 * their own certificate authority; the default one is plain node:https.
 */
import { request } from "node:https";

export interface XksHttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

/** Why a request got no HTTP answer. */
export type XksTransportFailure = "unreachable" | "tls" | "timeout";

export class XksTransportError extends Error {
  constructor(readonly failure: XksTransportFailure) {
    super(`external key store proxy request failed: ${failure}`);
  }
}

export interface XksTransport {
  post(
    url: URL,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
    timeoutMs: number,
  ): Promise<XksHttpResponse>;
}

/** Response bodies beyond this are not XKS answers (the largest, Decrypt's, is a few KiB). */
const maxResponseBytes = 64 * 1024;

function failureOf(error: unknown): XksTransportFailure {
  const code =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  if (
    code.startsWith("ERR_TLS") ||
    code.startsWith("ERR_SSL") ||
    code.includes("CERT") ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "EPROTO"
  )
    return "tls";
  return "unreachable";
}

/** node:https with extra TLS options (a test's CA, a fixed address for the proxy's host name). */
export function httpsXksTransport(
  tls: {
    readonly ca?: string | undefined;
    /** Connect here instead of resolving the URL's host (SNI and certificate still use it). */
    readonly connectTo?: { readonly host: string; readonly port: number } | undefined;
  } = {},
): XksTransport {
  return {
    post(url, headers, body, timeoutMs) {
      return new Promise<XksHttpResponse>((resolve, reject) => {
        const req = request(
          {
            method: "POST",
            protocol: "https:",
            host: tls.connectTo?.host ?? url.hostname,
            port: tls.connectTo?.port ?? (url.port === "" ? 443 : Number(url.port)),
            servername: url.hostname,
            path: `${url.pathname}${url.search}`,
            headers: { ...headers, "content-length": String(body.length) },
            ca: tls.ca,
            minVersion: "TLSv1.2",
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxResponseBytes) req.destroy(new Error("response too large"));
              else chunks.push(chunk);
            });
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }),
            );
            res.on("error", (error) => reject(new XksTransportError(failureOf(error))));
          },
        );
        req.on("timeout", () => req.destroy(new XksTransportError("timeout")));
        req.on("error", (error) =>
          reject(
            error instanceof XksTransportError ? error : new XksTransportError(failureOf(error)),
          ),
        );
        req.end(body);
      });
    },
  };
}
