/**
 * HTTP load with autocannon's programmatic API: N keep-alive connections, each sending the same
 * pre-built KMS request as soon as its previous answer arrives (closed loop, no pipelining), for
 * a fixed time. Latency percentiles come from every 2xx response time autocannon reports
 * (microsecond resolution; autocannon's own histogram rounds to whole milliseconds). The CPU
 * time the server process spends meanwhile (all its threads, from /proc) is measured too, so
 * the report can say how many cores the server used.
 */
import autocannon, { type Client } from "autocannon";
import { processCpuSeconds } from "./cpu.js";

export interface KmsLoad {
  readonly url: string;
  /** Operation name: sent as X-Amz-Target: TrentService.<operation>. */
  readonly operation: string;
  /** The JSON body, already serialized. */
  readonly body: string;
  /** Bodies each connection sends in turn instead of `body` (e.g. one per key of a sample). */
  readonly bodies?: readonly string[];
  /** Extra headers, e.g. an Authorization header naming a credential scope. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly seconds: number;
  /** Process whose CPU time is measured during the run. */
  readonly serverPid?: number;
}

export interface LoadResult {
  readonly operation: string;
  readonly connections: number;
  /** Successful (2xx) responses. */
  readonly ok: number;
  /** Responses with another status, transport errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  /** Successful responses per second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU cores the server used on average during the run (undefined where /proc is missing). */
  readonly serverCores: number | undefined;
}

export function kmsHeaders(
  operation: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `TrentService.${operation}`,
    ...extra,
  };
}

/**
 * autocannon writes the next request on the same socket right after a response, which breaks
 * against servers that close every connection (moto's werkzeug server answers every request
 * with Connection: close): the request is lost and the connection stalls. Such a response makes
 * this client open a new connection for its next request instead, as an HTTP client would.
 * Keep-alive servers (Trent) never take this path.
 */
function reconnectWhenServerCloses(client: Client): void {
  let serverClosed = false;
  client.on("headers", (info: { shouldKeepAlive?: boolean }) => {
    serverClosed = info.shouldKeepAlive === false;
  });
  const doRequest = client._doRequest;
  client._doRequest = function (this: Client) {
    if (!serverClosed) return doRequest.call(this);
    serverClosed = false;
    this._destroyConnection();
    // _connect sends the next request itself once the new socket is set up.
    this._connect();
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function runLoad(load: KmsLoad): Promise<LoadResult> {
  const latencies: number[] = [];
  const cpuBefore = load.serverPid === undefined ? undefined : processCpuSeconds(load.serverPid);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        connections: load.connections,
        duration: load.seconds,
        // RSA_4096 requests can wait seconds for a worker; never count them as timeouts.
        timeout: 60,
        method: "POST",
        headers: kmsHeaders(load.operation, load.headers),
        body: load.body,
        ...(load.bodies ? { requests: load.bodies.map((body) => ({ body })) } : {}),
        setupClient: reconnectWhenServerCloses,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const wallSeconds = (performance.now() - started) / 1000;
        const cpuAfter =
          load.serverPid === undefined ? undefined : processCpuSeconds(load.serverPid);
        const sorted = Float64Array.from(latencies).sort();
        const seconds = result.duration;
        resolve({
          operation: load.operation,
          connections: load.connections,
          ok: latencies.length,
          failed: result.non2xx + result.errors + result.timeouts,
          seconds,
          throughput: latencies.length / seconds,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          serverCores:
            cpuBefore === undefined || cpuAfter === undefined
              ? undefined
              : (cpuAfter - cpuBefore) / wallSeconds,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    });
  });
}
