/**
 * Trent's Prometheus metrics (prom-client), one registry per server so that several Trents in
 * one process (tests, embedders) never mix their numbers. The composition root creates it
 * first and hands each part of Trent the observer it feeds: the core's call observer (KMS
 * requests by operation), the HTTP exchanges (every route), the store's query observer, the
 * audit sinks' write observer, and the key pair pool's wait times; gauges of queues are read
 * when scraped. Nothing below the front doors imports prom-client.
 *
 * Labels come only from tables (operation names, error types, statuses, route names, key pair
 * specs, statement kinds), never from request input, so the number of series stays bounded.
 * Label children are kept per label set, so a request costs map lookups and additions.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CallObserver } from "../../core/kms.js";
import type { AuditWriteObserver } from "../../platform/audit/sinks.js";
import type { StoreQueryObserver } from "../../platform/store/store.js";
import type { DataKeyPairSpec } from "../../vocabulary/types.generated.js";
import type { ExchangeObserver } from "./exchange.js";

/** A key pair pool's queues per RSA spec, as KeyPairPool.stats() reports them. */
export type PoolStats = Readonly<
  Record<
    string,
    {
      readonly ready: number;
      readonly generating: number;
      readonly waiting: number;
      readonly queueLimit: number;
      readonly throttled: number;
    }
  >
>;

/** Queues read when Prometheus scrapes; set once the pool and the audit sink exist. */
export interface ScrapedSources {
  readonly keyPairPool?: () => PoolStats;
  readonly auditPending?: () => number;
}

export interface TrentMetrics {
  readonly registry: Registry;
  readonly calls: CallObserver;
  readonly exchanges: ExchangeObserver;
  readonly storeQueries: StoreQueryObserver;
  readonly auditWrites: AuditWriteObserver;
  readonly keyPairServed: (spec: DataKeyPairSpec, waitedMs: number) => void;
  /** Tells the gauges where to read queue depths. */
  watch(sources: ScrapedSources): void;
}

/** Seconds, from half a millisecond (an Encrypt) to ten seconds (an RSA_4096 burst). */
const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Seconds for single statements and audit writes: 50 µs to 2.5 s. */
const ioBuckets = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5,
];

/** Children of a labelled metric, kept by their joined label values. */
function children<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join("\u0000");
    let child = made.get(key);
    if (child === undefined) {
      child = make(...values);
      made.set(key, child);
    }
    return child;
  };
}

export function createTrentMetrics(): TrentMetrics {
  const registry = new Registry();
  // Process metrics (CPU, memory, heap, event loop lag, handles, GC) under their usual names.
  collectDefaultMetrics({ register: registry });
  let sources: ScrapedSources = {};

  const kmsRequests = new Counter({
    name: "trent_kms_requests_total",
    help: "KMS requests by operation, error type (empty when it succeeded) and HTTP status",
    labelNames: ["operation", "error_type", "status"] as const,
    registers: [registry],
  });
  const kmsDuration = new Histogram({
    name: "trent_kms_request_duration_seconds",
    help: "Time from a KMS call's start in the core to its audit record being written",
    labelNames: ["operation"] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "trent_http_requests_total",
    help: "HTTP requests by route (kms, health, ready, metrics, reset, unknown, refused) and status",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "trent_http_request_duration_seconds",
    help: "Time from a request's arrival to its answer leaving, by route",
    labelNames: ["route"] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const storeDuration = new Histogram({
    name: "trent_store_query_duration_seconds",
    help: "Database statements by kind (select, insert, update, delete, begin, commit, ...)",
    labelNames: ["kind"] as const,
    buckets: ioBuckets,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: "trent_store_query_errors_total",
    help: "Database statements that failed, by kind",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const auditDuration = new Histogram({
    name: "trent_audit_write_duration_seconds",
    help: "Time to hand one group of audit records to the operating system (fdatasync included when TRENT_AUDIT_FSYNC=true), by sink",
    labelNames: ["sink"] as const,
    buckets: ioBuckets,
    registers: [registry],
  });
  const auditRecords = new Counter({
    name: "trent_audit_records_written_total",
    help: "Audit records written, by sink and result (ok, failed)",
    labelNames: ["sink", "result"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "trent_audit_queue_records",
    help: "Audit records accepted and not yet handed to the operating system",
    registers: [registry],
    collect() {
      this.set(sources.auditPending?.() ?? 0);
    },
  });
  const keyPairWait = new Histogram({
    name: "trent_key_pair_wait_seconds",
    help: "Time a GenerateDataKeyPair* request waited for its key pair, by key pair spec",
    labelNames: ["spec"] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const poolGauge = (
    name: string,
    help: string,
    field: "ready" | "generating" | "waiting" | "queueLimit",
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["spec"] as const,
      registers: [registry],
      collect() {
        const stats = sources.keyPairPool?.();
        if (!stats) return;
        for (const [spec, queue] of Object.entries(stats)) this.set({ spec }, queue[field]);
      },
    });
  poolGauge("trent_key_pair_pool_ready", "Pre-generated RSA key pairs ready, by spec", "ready");
  poolGauge(
    "trent_key_pair_pool_generating",
    "RSA key pairs being generated by workers, by spec",
    "generating",
  );
  poolGauge(
    "trent_key_pair_pool_waiting",
    "Requests waiting for an RSA key pair (the queue's depth), by spec",
    "waiting",
  );
  poolGauge(
    "trent_key_pair_pool_queue_limit",
    "Requests that may wait for an RSA key pair before ThrottlingException, by spec",
    "queueLimit",
  );
  // Read from the pool's running count when scraped: the counter adds what is new since then.
  const throttledSeen = new Map<string, number>();
  new Counter({
    name: "trent_key_pair_pool_throttled_total",
    help: "GenerateDataKeyPair* requests answered ThrottlingException because the RSA queue was full, by spec",
    labelNames: ["spec"] as const,
    registers: [registry],
    collect() {
      const stats = sources.keyPairPool?.();
      if (!stats) return;
      for (const [spec, queue] of Object.entries(stats)) {
        this.inc({ spec }, queue.throttled - (throttledSeen.get(spec) ?? 0));
        throttledSeen.set(spec, queue.throttled);
      }
    },
  });

  const kmsRequest = children((operation, errorType, status) =>
    kmsRequests.labels(operation as string, errorType as string, status as string),
  );
  const kmsLatency = children((operation) => kmsDuration.labels(operation as string));
  const httpRequest = children((route, status) =>
    httpRequests.labels(route as string, status as string),
  );
  const httpLatency = children((route) => httpDuration.labels(route as string));
  const storeLatency = children((kind) => storeDuration.labels(kind as string));
  const auditLatency = children((sink) => auditDuration.labels(sink as string));
  const auditRecordsOf = children((sink, result) =>
    auditRecords.labels(sink as string, result as string),
  );
  const keyPairLatency = children((spec) => keyPairWait.labels(spec as string));

  return {
    registry,
    calls(outcome) {
      const { error } = outcome;
      kmsRequest(outcome.operation, error?.type ?? "", String(error?.status ?? 200)).inc();
      kmsLatency(outcome.operation).observe(outcome.durationMs / 1000);
    },
    exchanges(exchange) {
      httpRequest(exchange.route, String(exchange.status)).inc();
      httpLatency(exchange.route).observe(exchange.durationMs / 1000);
    },
    storeQueries: {
      query(kind, durationMs, failed) {
        storeLatency(kind).observe(durationMs / 1000);
        if (failed) storeErrors.labels(kind).inc();
      },
    },
    auditWrites: {
      written(sink, records, durationMs, ok) {
        auditLatency(sink).observe(durationMs / 1000);
        auditRecordsOf(sink, ok ? "ok" : "failed").inc(records);
      },
    },
    keyPairServed(spec, waitedMs) {
      keyPairLatency(spec).observe(waitedMs / 1000);
    },
    watch(next) {
      sources = { ...sources, ...next };
    },
  };
}
