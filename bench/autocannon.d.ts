/**
 * The part of autocannon 9's programmatic API the benchmark uses (the package ships no types).
 * https://github.com/mcollina/autocannon#api
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  /** One load-generating connection; its methods starting with _ are autocannon internals. */
  interface Client extends EventEmitter {
    _doRequest(): void;
    _connect(): void;
    _destroyConnection(): void;
  }

  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    pipelining?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Requests each connection sends in turn, over and over; unset fields come from above. */
    requests?: readonly {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }[];
    setupClient?: (client: Client) => void;
  }

  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }

  interface Result {
    /** Seconds, as measured by autocannon. */
    duration: number;
    "2xx": number;
    non2xx: number;
    errors: number;
    timeouts: number;
    requests: Histogram;
    latency: Histogram;
  }

  interface Instance extends EventEmitter {
    on(
      event: "response",
      listener: (client: Client, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
    stop(): void;
  }

  function autocannon(
    options: Options,
    done: (error: Error | null, result: Result) => void,
  ): Instance;

  export default autocannon;
  export type { Client, Instance, Options, Result };
}
